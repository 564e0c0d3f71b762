"""The dashboard in a real browser: map and bell curve drawn offline, one click to a footprint, deep links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from geo.boundaries import BOUNDARIES_2017, load_boundaries
from tests.browser.conftest import SCREENSHOTS, serve_app
from tests.browser.helpers import (
    map_point_on_screen,
    painted_colours,
    scroll_map_into_view,
    scroll_to_top,
    wait_for_app,
    wait_for_charts,
    wait_for_map,
)

pytestmark = pytest.mark.browser

# Charts on a footprint page: bell curve, workforce, finance and emergency care gauges, the A&E XmR chart and the
# workforce trends. On the Workforce page: map, histogram and the trend of every footprint.
FOOTPRINT_CHARTS = 6
WORKFORCE_CHARTS = 3


def footprint_point(code: str) -> tuple[float, float]:
    shapes = load_boundaries(BOUNDARIES_2017, "stp17cd")
    point = shapes.loc[shapes["code"] == code].geometry.iloc[0].representative_point()
    return point.x, point.y


def assert_offline(page) -> None:
    assert page.external_requests == [], f"requests left localhost: {page.external_requests}"


def test_overview_draws_map_and_bell_curve_offline(page):
    page.goto("/")
    wait_for_app(page)
    wait_for_charts(page, 2)
    wait_for_map(page)
    expect(page.get_by_role("heading", name="STP progress ratings, July 2017")).to_be_visible()
    expect(page.locator(".js-plotly-plot .bars .point")).not_to_have_count(0)
    assert painted_colours(page, "[data-testid='stPlotlyChart']") > 50, "the map looks blank"
    page.set_viewport_size({"width": 1280, "height": 1800})
    scroll_to_top(page)
    page.screenshot(path=SCREENSHOTS / "overview-1280-tall.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    scroll_to_top(page)
    page.screenshot(path=SCREENSHOTS / "overview-1280x720.png")
    assert_offline(page)


def test_click_on_map_opens_footprint_page(page):
    page.goto("/")
    wait_for_app(page)
    wait_for_map(page)
    scroll_map_into_view(page)
    x, y = map_point_on_screen(page, *footprint_point("E54000013"))  # Lincolnshire: large, easy to hit
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/footprint\?stp=E54000013(&|$)"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Lincolnshire", exact=True)).to_be_visible()
    wait_for_charts(page, FOOTPRINT_CHARTS)
    page.screenshot(path=SCREENSHOTS / "footprint-after-map-click.png", full_page=False)
    assert_offline(page)


def test_keyboard_search_by_name_and_by_code(page):
    page.goto("/")
    wait_for_app(page)
    search = page.get_by_role("combobox", name="Find a footprint")
    search.focus()
    page.keyboard.type("dors")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/footprint\?stp=E54000041(&|$)"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Dorset", exact=True)).to_be_visible()
    search.focus()
    page.keyboard.type("E54000013")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/footprint\?stp=E54000013(&|$)"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Lincolnshire", exact=True)).to_be_visible()


def test_deep_link_is_the_first_request_of_a_fresh_server(browser):
    # Streamlit serves a fresh server's first request in legacy multipage mode when a
    # pages/ folder exists; the page must still come up inside the app's frame.
    with serve_app("streamlit-fresh-server.log") as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        fresh = context.new_page()
        fresh.goto(f"{url}/footprint?stp=E54000034")
        wait_for_app(fresh)
        expect(fresh.get_by_role("heading", name="Frimley", exact=True)).to_be_visible()
        nav = fresh.get_by_test_id("stSidebarNav")
        expect(nav).to_contain_text("Overview")
        expect(nav).not_to_contain_text("theme view")
        expect(fresh.get_by_role("combobox", name="Find a footprint")).to_be_visible()
        context.close()


def test_first_request_of_a_fresh_server_to_load_data_shows_no_dialog(browser):
    # Before ui.serve, the first visitor to /load-data got a "Page not found" dialog over the page.
    with serve_app("streamlit-fresh-load-data.log") as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        fresh = context.new_page()
        fresh.goto(f"{url}/load-data")
        wait_for_app(fresh)
        expect(fresh.get_by_role("heading", name="Load your data", exact=True)).to_be_visible()
        expect(fresh.get_by_role("dialog")).to_have_count(0)
        expect(fresh.get_by_text("Page not found")).to_have_count(0)
        context.close()


def test_footprint_page_without_a_footprint_keeps_the_search_box(page):
    page.goto("/footprint")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Footprint", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Find a footprint")).to_be_visible()
    expect(page.get_by_text("Presentation mode")).to_be_visible()


def test_deep_link_opens_footprint(page):
    page.goto("/?stp=E54000034")
    expect(page).to_have_url(re.compile(r"/footprint\?stp=E54000034(&|$)"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Frimley", exact=True)).to_be_visible()
    wait_for_charts(page, FOOTPRINT_CHARTS)
    expect(page.get_by_text("Outstanding").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "footprint-deep-link-frimley.png", full_page=False)
    assert_offline(page)


def test_unknown_code_shows_notice_and_overview(page):
    page.goto("/?stp=E99999999")
    wait_for_app(page)
    expect(page.get_by_text(re.compile("not a valid ONS STP code"))).to_be_visible()
    expect(page.get_by_role("heading", name="STP progress ratings, July 2017")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "overview-bad-link.png")


def test_unknown_code_on_footprint_page_falls_back_to_overview(page):
    page.goto("/footprint?stp=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    wait_for_app(page)
    expect(page.get_by_text(re.compile("code in this link is not a valid"))).to_be_visible()
    expect(page.get_by_role("heading", name="STP progress ratings, July 2017")).to_be_visible()
    assert "stp=" not in page.url


def test_middle_list_link_opens_footprint(page):
    page.goto("/")
    wait_for_app(page)
    link = page.get_by_role("link", name=re.compile(r"^Norfolk and Waveney"))
    link.scroll_into_view_if_needed()
    link.click()
    expect(page).to_have_url(re.compile(r"/footprint\?stp=E54000022(&|$)"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Norfolk and Waveney", exact=True)).to_be_visible()


def test_sources_page_lists_tables_with_downloads(page):
    page.goto("/sources")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Data & sources")).to_be_visible()
    expect(page.get_by_text(re.compile("Open Government Licence v3.0")).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "sources.png", full_page=False)


def test_footprint_gauges_draw(page):
    page.goto("/footprint?stp=E54000025")
    wait_for_app(page)
    wait_for_charts(page, FOOTPRINT_CHARTS)
    expect(page.locator(".js-plotly-plot .indicatorlayer .trace")).to_have_count(
        15, timeout=30_000
    )  # 9 workforce, 3 finance, 3 emergency care
    gauges = page.get_by_test_id("stPlotlyChart").nth(1)
    gauges.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.set_viewport_size({"width": 1280, "height": 2400})
    scroll_to_top(page)
    page.screenshot(path=SCREENSHOTS / "footprint-gauges-1280.png")
    assert_offline(page)


def test_workforce_page_draws_map_histogram_and_table(page):
    page.goto("/workforce?measure=gp_fte_per100k&period=September+2018&stp=E54000034")
    wait_for_app(page)
    wait_for_charts(page, WORKFORCE_CHARTS)
    wait_for_map(page)
    expect(page.get_by_role("heading", name="Workforce", exact=True)).to_be_visible()
    assert painted_colours(page, "[data-testid='stPlotlyChart']") > 50, "the map looks blank"
    page.set_viewport_size({"width": 1280, "height": 1600})
    scroll_to_top(page)
    page.screenshot(path=SCREENSHOTS / "workforce-1280.png")
    assert_offline(page)


def test_board_mode_at_1920_and_back(page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("/footprint?stp=E54000034&mode=board")
    wait_for_app(page)
    wait_for_charts(page, FOOTPRINT_CHARTS)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    expect(page.get_by_test_id("stHeader")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "board-footprint-1920x1080.png")
    page.goto("/?mode=board")
    wait_for_app(page)
    wait_for_charts(page, 2)
    wait_for_map(page)
    page.screenshot(path=SCREENSHOTS / "board-overview-1920x1080.png")
    page.get_by_role("button", name="Leave presentation mode").click()
    expect(page).not_to_have_url(re.compile("mode=board"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    assert_offline(page)


def test_chart_png_download_is_presentation_size(page):
    from io import BytesIO

    from PIL import Image

    page.goto("/")
    wait_for_app(page)
    wait_for_charts(page, 2)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download chart (PNG)").nth(1).click()
    image = Image.open(BytesIO(Path(download.value.path()).read_bytes()))
    assert image.width >= 1600
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50


@pytest.mark.parametrize(
    ("path", "charts", "viewport"),
    [
        ("/", 2, (1280, 720)),
        ("/footprint?stp=E54000013", FOOTPRINT_CHARTS, (1280, 720)),
        ("/?mode=board", 2, (1920, 1080)),
    ],
)
def test_no_serious_accessibility_violations(page, path, charts, viewport):
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(path)
    wait_for_app(page)
    wait_for_charts(page, charts)
    results = Axe().run(page)
    violations = results.response["violations"]
    serious = [
        (v["id"], v["impact"], v["nodes"][0]["target"]) for v in violations if v["impact"] in ("serious", "critical")
    ]
    minor = sorted({f"{v['id']} ({v['impact']})" for v in violations} - {f"{s[0]} ({s[1]})" for s in serious})
    (SCREENSHOTS.parent / "axe.txt").open("a").write(f"{path}: minor {minor}\n")
    assert serious == [], serious


def test_overview_reflows_at_200_percent_zoom(page):
    # 200% zoom of a 1280-wide window is a 640-wide CSS viewport.
    page.set_viewport_size({"width": 640, "height": 900})
    page.goto("/")
    wait_for_app(page)
    wait_for_charts(page, 2)
    width = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollWidth")
    assert width <= 660, f"horizontal scrolling at 200% zoom ({width}px)"
    page.screenshot(path=SCREENSHOTS / "overview-zoom-200.png")


def test_upload_recolours_the_map(page, tmp_path):
    data = tmp_path / "vacancies.csv"
    data.write_text(
        "STP code,Measure,Period,Value,Unit,Polarity\n"
        + "".join(f"E540000{n:02d},Vacancy rate,Sep 2026,{5 + n / 10:.1f}%,%,lower is better\n" for n in range(5, 49))
    )
    page.goto("/load-data")
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(data))
    expect(page.get_by_text("Validation report")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    page.get_by_role("button", name=re.compile("Use the 44 accepted rows")).click()
    expect(page.get_by_text(re.compile("Loaded vacancies.csv"))).to_be_visible(timeout=30_000)
    page.screenshot(path=SCREENSHOTS / "load-data-report.png")
    page.get_by_test_id("stSidebarNav").get_by_text("Overview").click()
    wait_for_app(page)
    wait_for_charts(page, 2)
    picker = page.get_by_role("combobox", name="Colour the map by")
    picker.focus()
    page.keyboard.type("Vacancy")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("measure=vacancy_rate"), timeout=30_000)
    wait_for_app(page)
    wait_for_map(page)
    expect(page.get_by_role("heading", name=re.compile("Vacancy rate, September 2026"))).to_be_visible()
    expect(page.locator(".js-plotly-plot .colorbar")).to_have_count(1)
    page.set_viewport_size({"width": 1280, "height": 1200})
    scroll_to_top(page)
    page.screenshot(path=SCREENSHOTS / "overview-your-data.png")
    assert_offline(page)
