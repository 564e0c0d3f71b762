"""Real files through the Load data page in a real browser: the mapping step, the map it colours, boundaries drawn.

Fixtures are built in code (tests/fixtures/upload/builders.py); screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import scroll_to_top, wait_for_app, wait_for_charts, wait_for_map
from tests.stp_data.upload.upload_fixtures import builders

pytestmark = pytest.mark.browser

IMD = "IMD 2019 average score (population-weighted)"


def footprint_codes() -> list[str]:
    from stp_data.loading import load_bundle

    return load_bundle().codes


def choose_file(page, path) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(path))


def test_analyst_workbook_loads_through_the_mapping_step_in_one_click(page, tmp_path):
    workbook = tmp_path / "imd-by-stp.xlsx"
    workbook.write_bytes(builders.analyst_workbook(footprint_codes()))
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto("/load-data")
    wait_for_app(page)
    choose_file(page, workbook)
    expect(page.get_by_text("Validation report")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    metrics = page.get_by_test_id("stMetricValue")
    expect(metrics).to_have_text(["44", "44", "0"])
    expect(page.get_by_text("Check how your file was read")).to_be_visible()
    expect(page.get_by_text(re.compile("Reading the sheet 'IMD by STP'"))).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 2000})  # the page scrolls inside: a tall window shows it all
    page.screenshot(path=SCREENSHOTS / "load-data-mapping.png")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.get_by_text("Check how your file was read").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "load-data-mapping-editor.png")
    page.get_by_text("Each measure", exact=True).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=SCREENSHOTS / "load-data-mapping-measures.png")

    scroll_to_top(page)
    page.get_by_role("button", name="Use the 44 accepted rows").click()  # the one click
    expect(page.get_by_text(re.compile("Loaded imd-by-stp.xlsx"))).to_be_visible(timeout=30_000)

    page.get_by_test_id("stSidebarNav").get_by_text("Overview").click()
    wait_for_app(page)
    wait_for_charts(page, 2)
    picker = page.get_by_role("combobox", name="Colour the map by")
    picker.focus()
    page.keyboard.type("IMD 2019")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("measure=imd_2019_average_score"), timeout=30_000)
    wait_for_app(page)
    wait_for_map(page)
    expect(page.get_by_role("heading", name=re.compile("IMD 2019 average score"))).to_be_visible()
    expect(page.locator(".js-plotly-plot .colorbar")).to_have_count(1)
    # Recoloured by the measure: the footprints' fills are many shades, not the five rating colours.
    fills = page.evaluate(
        "() => [...document.querySelectorAll('path.choroplethlocation')]"
        ".map(p => p.style.fill || p.getAttribute('fill'))"
    )
    assert len(fills) >= 44 and len(set(fills)) > 10, set(fills)
    scroll_to_top(page)
    page.screenshot(path=SCREENSHOTS / "overview-imd-from-excel.png")


def shape_sizes(page) -> dict:
    """The bounding boxes of the drawn footprints against the map's own plot area (in screen pixels)."""
    return page.evaluate(
        """() => {
            const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullLayout && g._fullLayout.geo);
            const plot = gd.querySelector('.geo .bg rect') || gd.querySelector('.geolayer') || gd;
            const frame = plot.getBoundingClientRect();
            const shapes = [...gd.querySelectorAll('path.choroplethlocation')].map(p => {
                const box = p.getBoundingClientRect();
                return box.width * box.height;
            });
            return {plot: frame.width * frame.height, shapes};
        }"""
    )


def test_rfc7946_boundaries_draw_areas_not_a_rectangle(page, tmp_path):
    geojson = tmp_path / "stp_rfc7946.geojson"
    geojson.write_bytes(builders.rfc7946_footprints())
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto("/load-data")
    wait_for_app(page)
    page.get_by_text("Boundaries (GeoJSON, GeoPackage or zipped shapefile)").click()
    wait_for_app(page)
    choose_file(page, geojson)
    expect(page.get_by_text("What happens to every area")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    wait_for_map(page)
    expect(page.get_by_text(re.compile("44 areas; 44 have a July 2017 rating"))).to_be_visible()
    sizes = shape_sizes(page)
    assert len(sizes["shapes"]) == 44
    # A "world minus the area" fill is as big as the whole plot; a footprint is a small part of England.
    small = [area for area in sizes["shapes"] if area < 0.2 * sizes["plot"]]
    assert len(small) >= 40, (sizes["plot"], sorted(sizes["shapes"])[-5:])
    assert max(sizes["shapes"]) < 0.6 * sizes["plot"]
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=SCREENSHOTS / "load-data-boundaries-rfc7946.png")


def test_boundary_repairs_are_listed_by_code(page, tmp_path):
    geojson = tmp_path / "stp_apr2020.geojson"
    geojson.write_bytes(builders.ons_style_geojson())
    page.set_viewport_size({"width": 1280, "height": 2200})
    page.goto("/load-data")
    wait_for_app(page)
    page.get_by_text("Boundaries (GeoJSON, GeoPackage or zipped shapefile)").click()
    wait_for_app(page)
    choose_file(page, geojson)
    expect(page.get_by_text("Repaired: E54000008, E54000022")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Not drawn: E54000099 (the feature has no geometry)")).to_be_visible()
    wait_for_app(page)
    wait_for_map(page)
    page.screenshot(path=SCREENSHOTS / "load-data-boundaries-repaired.png")


def test_a_file_over_the_limit_is_explained_on_the_page(page, tmp_path):
    big = tmp_path / "huge.csv"
    big.write_bytes(b"code,measure,period,value,unit\n" + b"E54000034,Vacancy rate,Sep 2026,7.5,%\n" * 600_000)
    page.goto("/load-data")
    wait_for_app(page)
    limit = page.get_by_text(re.compile(r"At most 20 MB per file"))
    expect(limit).to_be_visible()
    choose_file(page, big)
    reason = page.get_by_text("File must be 20.0MB or smaller.")
    expect(reason).to_be_visible(timeout=10_000)
    wait_for_app(page)
    box = reason.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 8, box  # shown, not a 1-pixel hover text
    expect(limit).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "load-data-too-big.png")


ROWS_SHOWN_JS = """(grid) => [...grid.querySelectorAll('table tbody tr')].map(
    row => [...row.querySelectorAll('td')].map(cell => cell.textContent))"""
SHOWN_COLUMNS = {
    "type-1 attendances": "ae_type1_attendances",
    "over 4 hours": "ae_type1_over4hr",
    "within 4 hours (%)": "ae_type1_4hr_pct",
    "emergency admissions": "ae_type1_emergency_admissions",
}


def shown_figures(page, grid) -> dict[tuple[str, str], list[str]]:
    """Every row of a Streamlit dataframe as the browser shows it (read from the grid's accessible table, which
    holds the rows on screen: the grid is scrolled until no new row appears)."""
    seen: dict[tuple[str, str], list[str]] = {}
    grid.scroll_into_view_if_needed()
    rows = grid.evaluate(ROWS_SHOWN_JS)
    for _ in range(80):
        for cells in rows:
            if cells and cells[0]:
                seen[(cells[0], cells[2])] = cells
        at_end = grid.evaluate(
            """(g) => { const s = g.querySelector('.dvn-scroller');
                        if (!s || s.scrollTop + s.clientHeight >= s.scrollHeight - 1) return true;
                        s.scrollTop += 140; return false; }"""
        )
        for _ in range(30):  # the accessible table follows the scroll a frame or two later
            page.wait_for_timeout(100)
            now = grid.evaluate(ROWS_SHOWN_JS)
            if now != rows:
                break
        rows = now
        if at_end:
            for cells in rows:
                if cells and cells[0]:
                    seen[(cells[0], cells[2])] = cells
            break
    return seen


def test_nhs_england_monthly_ae_files_load_as_downloaded(page):
    """Both published spellings at once, through the uploader: the figures shown are those computed here from the
    raw rows with the csv module (type 1 + booked, field-test trusts out of the 4-hour figure)."""
    from tests.stp_data.upload.test_provider import APRIL_2019, APRIL_2021, expected_from_raw

    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto("/load-data")
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files([str(APRIL_2019), str(APRIL_2021)])
    expect(page.get_by_text("Validation report")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(
        page.get_by_text(
            re.compile(r"Provider-level file: \d+ providers, mapped to footprints by the bundled trust lookup")
        )
    ).to_be_visible()
    expect(
        page.get_by_text("April 2019: already bundled; your file gives the same figures for every footprint.")
    ).to_be_visible()
    expect(
        page.get_by_text("April 2021: already bundled; your file gives the same figures for every footprint.")
    ).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "load-data-provider-files.png")
    grid = page.get_by_test_id("stDataFrame").filter(has_text="type-1 attendances")
    header = grid.evaluate("(g) => [...g.querySelectorAll('table thead th')].map(th => th.textContent)")
    shown = shown_figures(page, grid)
    assert len(shown) == 88, sorted(shown)[-3:]  # 44 footprints x 2 months
    for path, month in ((APRIL_2019, "2019-04"), (APRIL_2021, "2021-04")):
        expected = expected_from_raw(path, month)
        for code in sorted({c for c, _ in expected}):
            cells = dict(zip(header, shown[(code, month)], strict=True))
            for column, measure in SHOWN_COLUMNS.items():
                value = expected.get((code, measure))
                if value is None:  # Frimley, April 2021: a field-test site, no 4-hour figure
                    assert cells[column] in ("", "None", "NaN", "<NA>"), (code, month, column, cells[column])
                else:
                    assert float(cells[column].replace(",", "")) == pytest.approx(value), (code, month, column)
    manchester = dict(zip(header, shown[("E54000007", "2019-04")], strict=True))
    assert (manchester["type-1 attendances"], manchester["over 4 hours"]) == ("87539", "20419")
    assert manchester["within 4 hours (%)"] == "76.674"
