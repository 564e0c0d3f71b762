"""Compare in a real browser: a shared 4-footprint link draws the spine chart with one marker per footprint per
measure, each footprint in its own shape; a footprint page's "Compare with its region" opens its peer group."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import wait_for_app, wait_for_charts

pytestmark = pytest.mark.browser

FOUR = ("E54000033", "E54000034", "E54000007", "E54000013")
RANKED_MEASURES = 12  # 9 workforce + 3 emergency care measures with a gauge; finance is never ranked

# The spine chart's footprint traces as drawn: each trace's name, how many marker paths, and their shapes (the
# path's `d` drawn at the origin is the symbol itself, the same for every point of a trace).
SPINE_MARKERS = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g.data && g.data.some(t => String(t.meta || '').startsWith('footprint:'))
                   && g.data.some(t => t.meta === 'centre'));
    if (!gd) return null;
    const traces = [...gd.querySelectorAll('.scatterlayer .trace')];
    return gd._fullData.filter(t => String(t.meta || '').startsWith('footprint:')).map(t => {
        const node = traces.find(n => n.__data__ && n.__data__[0] && n.__data__[0].trace.uid === t.uid);
        const points = node ? [...node.querySelectorAll('.point')] : [];
        return {code: t.meta.split(':')[1], name: t.name, count: points.length,
                shapes: [...new Set(points.map(p => p.getAttribute('d')))]};
    });
}"""


def _spine_drawn(page) -> list[dict]:
    page.wait_for_function(f"() => {{ const m = ({SPINE_MARKERS})(); return m && m.every(t => t.count > 0); }}")
    return page.evaluate(SPINE_MARKERS)


def test_a_four_footprint_link_draws_one_marker_per_footprint_per_measure_in_distinct_shapes(page):
    page.goto("/compare?stp=" + ",".join(FOUR))
    wait_for_app(page)
    wait_for_charts(page, 3)  # spine, A&E trends, journeys
    expect(page.get_by_role("heading", name="Every measure against England")).to_be_visible()
    markers = _spine_drawn(page)
    assert [m["code"] for m in markers] == list(FOUR)
    assert all(m["count"] == RANKED_MEASURES for m in markers), markers
    shapes = [m["shapes"] for m in markers]
    assert all(len(s) == 1 for s in shapes), shapes  # one shape per footprint
    assert len({s[0] for s in shapes}) == len(FOUR)  # and a different one for each
    legend = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot .legendtext')].map(e => e.textContent)"
    )
    assert {"Sussex and East Surrey", "Frimley", "Greater Manchester", "Lincolnshire"} <= set(legend)
    # Every measure on the first screens of a 1280×720 laptop: the spine chart's plot fits in the viewport height.
    spine = page.locator("[data-testid='stPlotlyChart']").first
    spine.scroll_into_view_if_needed()
    box = spine.bounding_box()
    assert box is not None and box["height"] <= 720, box
    page.screenshot(path=str(SCREENSHOTS / "compare-4-spine-1280x720.png"))
    page.screenshot(path=str(SCREENSHOTS / "compare-4-full.png"), full_page=True)
    assert page.external_requests == []


def test_a_bad_list_shows_a_notice(page):
    page.goto("/compare?stp=E54000033,%3Cscript%3E")
    wait_for_app(page)
    expect(page.get_by_text("A comparison needs 2 to 6 footprints", exact=False)).to_be_visible()
    assert "script" not in page.get_by_test_id("stAlert").first.inner_text().lower()


def test_compare_with_its_region_from_a_footprint_page(page):
    page.goto("/footprint?stp=E54000013")  # Lincolnshire, Midlands: 11 footprints, the 5 closest in population
    wait_for_app(page)
    page.get_by_role("link", name="Compare with its region").click()
    expect(page).to_have_url(re.compile(r"/compare\?stp=E54000013(,|%2C)"), timeout=30_000)
    wait_for_app(page)
    wait_for_charts(page, 3)
    markers = _spine_drawn(page)
    assert markers[0]["code"] == "E54000013" and len(markers) == 6
    assert len({m["shapes"][0] for m in markers}) == 6
    expect(page.get_by_text("11 footprints in the region", exact=False)).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "compare-region-lincolnshire.png"))


def test_presentation_mode_compare(page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("/compare?mode=board&stp=" + ",".join(FOUR))
    wait_for_app(page)
    wait_for_charts(page, 3)
    _spine_drawn(page)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    heading = page.get_by_role("heading", name="Every measure against England")
    heading.scroll_into_view_if_needed()
    box = heading.bounding_box()
    assert box is not None and box["y"] < 1080 / 2, box  # the choosing folds away: the spine chart comes first
    page.screenshot(path=str(SCREENSHOTS / "compare-4-board-1920x1080.png"))
