"""Progress, Emergency care and board packs in a real browser: charts drawn, the map recoloured by date,
44 SPC panels on a board screen, and a footprint's pack downloaded and opened."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import wait_for_app, wait_for_charts, wait_for_map

pytestmark = pytest.mark.browser

MAP_FILLS = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullLayout && g._fullLayout.geo);
    return [...gd.querySelectorAll('path.choroplethlocation')].map(p => p.style.fill || p.getAttribute('fill'));
}"""
SHAPE_SIZES = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullLayout && g._fullLayout.geo);
    const whole = gd.getBoundingClientRect();
    return [...gd.querySelectorAll('path.choroplethlocation')].map(p => {
        const r = p.getBoundingClientRect();
        return (r.width * r.height) / (whole.width * whole.height);
    });
}"""


def test_progress_draws_steps_map_and_journeys_and_a_date_recolours_the_map(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/progress?at=2017-06")
    wait_for_app(page)
    wait_for_charts(page, 4)  # time to ICS, A&E by group, the map, the journeys
    wait_for_map(page)
    expect(page.get_by_role("heading", name="Every footprint in Jun 2017")).to_be_visible()
    early = page.evaluate(MAP_FILLS)
    sizes = page.evaluate(SHAPE_SIZES)
    # Real areas, not "the world minus the area": every footprint is a small part of the map.
    assert len(sizes) >= 44 and max(sizes) < 0.25 and sorted(sizes)[len(sizes) // 2] < 0.05
    page.screenshot(path=str(SCREENSHOTS / "progress-2017-06.png"), full_page=True)

    page.goto("/progress?at=2021-04")  # snaps to the milestone in force: the final 13, announced Mar 2021
    wait_for_app(page)
    wait_for_map(page)
    expect(page.get_by_role("heading", name="Every footprint in Mar 2021")).to_be_visible()
    later = page.evaluate(MAP_FILLS)
    assert later != early  # the date recoloured the map
    assert len(set(later)) >= 2
    page.screenshot(path=str(SCREENSHOTS / "progress-2021-04.png"), full_page=True)
    assert page.external_requests == []


AE_TRACES = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g.data && g.data.some(t => (t.name || '').startsWith('England')));
    return gd ? gd.data.map(t => t.name) : null;
}"""


def test_progress_ae_by_ics_wave_on_a_board_screen(page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("/progress?ae_by=wave&mode=board")
    wait_for_app(page)
    wait_for_charts(page, 4)
    heading = page.get_by_role("heading", name="Did the middle catch up on A&E?")
    expect(heading).to_be_visible()
    heading.scroll_into_view_if_needed()
    names = page.evaluate(AE_TRACES)
    assert (
        names[0] == "ICS in 2017 or earlier (6)"
        and names[-2] == "England (44)"
        and names[-1].startswith("95% standard")
    )
    page.screenshot(path=str(SCREENSHOTS / "progress-ae-by-wave-board.png"))
    assert page.external_requests == []


def test_emergency_care_small_multiples_on_a_board_screen(page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("/emergency-care?mode=board")
    wait_for_app(page, timeout_ms=90_000)
    wait_for_charts(page, 3, timeout_ms=90_000)
    spc = page.locator(".js-plotly-plot").last
    spc.scroll_into_view_if_needed()
    # 44 panels (drawn in one pair of axes: a title each), each with its points drawn (12 or more a footprint).
    titles, points = page.evaluate(
        """() => { const gd = [...document.querySelectorAll('.js-plotly-plot')].pop();
                   return [gd.querySelectorAll('.infolayer .annotation').length,
                           gd.querySelectorAll('.scatterlayer .trace .points path').length]; }"""
    )
    assert titles >= 44 and points >= 44 * 12
    page.screenshot(path=str(SCREENSHOTS / "emergency-care-board-1920.png"), full_page=True)
    spc.screenshot(path=str(SCREENSHOTS / "emergency-care-small-multiples.png"))
    assert page.external_requests == []


def test_footprint_spc_chart_and_board_pack_download(page):
    from pptx import Presentation
    from pypdf import PdfReader

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/footprint?stp=E54000033&measure=ae_type1_4hr_pct")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Sussex and East Surrey", exact=True)).to_be_visible()
    xmr = page.locator(".js-plotly-plot").filter(has_text="95")
    expect(xmr.first).to_be_visible(timeout=60_000)
    xmr.first.scroll_into_view_if_needed()
    xmr.first.screenshot(path=str(SCREENSHOTS / "footprint-xmr-sussex.png"))

    page.get_by_role("button", name="Prepare Board pack for this footprint").click()
    pptx_button = page.get_by_role("button", name="Board pack for this footprint (PowerPoint)")
    expect(pptx_button).to_be_visible(timeout=90_000)
    with page.expect_download() as pptx_download:
        pptx_button.click()
    deck = Presentation(str(pptx_download.value.path()))
    titles = [slide.shapes.title.text for slide in deck.slides if slide.shapes.title is not None]
    assert len(deck.slides) >= 5 and any("Sussex and East Surrey" in t for t in titles)
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Board pack for this footprint (PDF)").click()
    text = "".join(p.extract_text() for p in PdfReader(pdf_download.value.path()).pages)
    assert "Sussex and East Surrey" in text and "Data as of" in text
    assert page.external_requests == []


def test_england_pack_from_the_overview_has_the_native_rating_chart(page):
    from pptx import Presentation

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("button", name="Prepare England board pack").click()
    button = page.get_by_role("button", name="England board pack (PowerPoint)")
    expect(button).to_be_visible(timeout=120_000)
    with page.expect_download() as download:
        button.click()
    deck = Presentation(str(download.value.path()))
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    bars = [c for c in charts if any(kind in str(c.chart_type) for kind in ("BAR", "COLUMN"))]
    # The rating chart: its series add up to the 44 footprints (named and counted-but-unnamed per rating).
    totals = [sum(v or 0 for series in c.plots[0].series for v in series.values) for c in bars]
    assert len(deck.slides) >= 10 and 44 in [round(t) for t in totals]
    page.screenshot(path=str(SCREENSHOTS / "overview-board-packs.png"), full_page=False)
