"""Layout in a real browser, as it was seen to fail (issue 15, item 5).

Every page at 1280×720 (an executive's laptop) and in presentation mode at 1920×1080 (a board's projector):
no two text boxes of a chart overlap, no chart text is cut off at the chart's edge, presentation mode's smallest
visible text is at least 18 px, and axe finds no serious or critical accessibility violation. One server for the
whole file; one browser page per viewport, reused from page to page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from settings import BOARD_MIN_FONT_PX
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

FOOTPRINTS = ("E54000034", "E54000025", "E54000013")  # Frimley (lead with sources), a finance gap, Lincolnshire
PAGES = (
    "/",
    *(f"/footprint?stp={code}" for code in FOOTPRINTS),
    "/workforce",
    "/finance",
    "/emergency-care",
    "/progress",
    "/compare?stp=E54000033,E54000034,E54000007,E54000013",
    "/your-data",
    "/load-data",
    "/sources",
)
LAPTOP = {"width": 1280, "height": 720}
PROJECTOR = {"width": 1920, "height": 1080}
OVERLAP_TOLERANCE_PX = 2  # anti-aliasing and glyph bounding boxes touch; anything more is a collision
CLIP_TOLERANCE_PX = 1

# Each chart's text boxes (title, annotations, tick labels, legend, gauge titles and numbers, colour bars), in
# viewport pixels, with the chart's own bounds. Hidden and empty text is skipped.
_CHART_TEXT = """
() => [...document.querySelectorAll('.js-plotly-plot')].map((gd, index) => {
    const svg = gd.querySelector('.main-svg');
    if (!svg) return null;
    const bounds = svg.getBoundingClientRect();
    if (bounds.width === 0 || bounds.height === 0) return null;
    const selectors = ['.gtitle', '.annotation-text', '.xtick text', '.ytick text', '.legendtext',
        '.g-xtitle text', '.g-ytitle text', '.indicatorlayer text', '.colorbar text', '.cbtitle text'];
    const seen = new Set();
    const boxes = [];
    for (const el of gd.querySelectorAll(selectors.join(','))) {
        if (seen.has(el)) continue;
        seen.add(el);
        const text = (el.textContent || '').trim();
        const style = getComputedStyle(el);
        if (!text || style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0') continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        boxes.push({text: text.slice(0, 60), kind: el.getAttribute('class') || el.parentNode.getAttribute('class'),
            left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            size: parseFloat(style.fontSize)});
    }
    const title = gd.closest('[data-testid="stPlotlyChart"]');
    return {index, bounds: {left: bounds.left, top: bounds.top, right: bounds.right, bottom: bounds.bottom},
            boxes, label: title ? (title.getAttribute('aria-label') || '') : ''};
}).filter(Boolean)
"""

# The page's own visible text (not the charts', measured above): the font size of each text node's element.
_PAGE_TEXT = """
() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const text = node.textContent.trim();
        const el = node.parentElement;
        if (!text || !el || el.closest('.js-plotly-plot, script, style, noscript, [aria-hidden="true"]')) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none') continue;
        if (/material|icon/i.test(style.fontFamily) || el.closest('[data-testid="stIconMaterial"]')) continue;
        const r = el.getBoundingClientRect();
        if (r.width < 2 || r.height < 2) continue;  // visually hidden (screen-reader only) text
        if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
        out.push({text: text.slice(0, 60), size: parseFloat(style.fontSize), tag: el.tagName,
                  testid: (el.closest('[data-testid]') || {}).dataset?.testid || ''});
    }
    return out;
}
"""


def settle(page, timeout_ms: int = 60_000) -> None:
    """Every chart on the page has drawn (Plotly's layout exists and no draw is pending)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => {
            const gd = c.querySelector('.js-plotly-plot');
            return gd && gd._fullLayout && !(gd._promises && gd._promises.length);
        })""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(400)  # Plotly's autosize relayout after the first draw


INK = 0.2  # an SVG text box spans the font's ascent and descent: about a fifth of the size above and below is air


def _overlap(a: dict, b: dict) -> float:
    """How far two text boxes overlap (px, in the tighter direction), measured on the glyphs' ink."""

    def ink(box: dict) -> tuple[float, float]:
        return box["top"] + INK * box["size"], box["bottom"] - INK * box["size"]

    (a_top, a_bottom), (b_top, b_bottom) = ink(a), ink(b)
    width = min(a["right"], b["right"]) - max(a["left"], b["left"])
    height = min(a_bottom, b_bottom) - max(a_top, b_top)
    return min(width, height)


def chart_problems(page) -> list[str]:
    """Overlapping or clipped text in any chart on the page, described for a failure message."""
    problems = []
    for chart in page.evaluate(_CHART_TEXT):
        boxes, bounds = chart["boxes"], chart["bounds"]
        where = f"chart {chart['index']} ({chart['label'][:50]})"
        for box in boxes:
            outside = (
                box["left"] < bounds["left"] - CLIP_TOLERANCE_PX
                or box["right"] > bounds["right"] + CLIP_TOLERANCE_PX
                or box["top"] < bounds["top"] - CLIP_TOLERANCE_PX
                or box["bottom"] > bounds["bottom"] + CLIP_TOLERANCE_PX
            )
            if outside:
                problems.append(f"{where}: {box['text']!r} cut off at the chart's edge")
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                if _overlap(a, b) > OVERLAP_TOLERANCE_PX:
                    problems.append(f"{where}: {a['text']!r} overlaps {b['text']!r}")
    return problems


def check(problems: list[str]) -> None:
    """Fail on any overlapping or clipped text in any chart, naming each."""
    assert problems == [], "\n".join(problems)


def chart_font_sizes(page) -> list[tuple[float, str]]:
    return [(box["size"], box["text"]) for chart in page.evaluate(_CHART_TEXT) for box in chart["boxes"]]


def page_text_sizes(page) -> list[tuple[float, str, str]]:
    """(px, text, nearest test id) of every visible text on the page, smallest first, charts included."""
    sizes = [(item["size"], item["text"], item["testid"]) for item in page.evaluate(_PAGE_TEXT)]
    sizes += [(size, text, "plotly") for size, text in chart_font_sizes(page)]
    return sorted(sizes)


def _board(path: str) -> str:
    return path + ("&" if "?" in path else "?") + "mode=board"


def _shot_name(path: str, suffix: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "overview"
    return f"layout-{slug}-{suffix}.png"


@pytest.fixture(scope="module")
def laptop(browser, app_url):
    context = browser.new_context(viewport=LAPTOP, base_url=app_url)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def projector(browser, app_url):
    context = browser.new_context(viewport=PROJECTOR, base_url=app_url)
    yield context.new_page()
    context.close()


def _open(page, path: str) -> None:
    page.goto(path)
    wait_for_app(page)
    settle(page)


def _tall_screenshot(page, name: str, viewport: dict) -> None:
    """The first screen as the user sees it, then the whole page (Streamlit scrolls an inner container)."""
    page.screenshot(path=SCREENSHOTS / name)
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, viewport["height"]), 6000)})
    settle(page)
    page.screenshot(path=SCREENSHOTS / name.replace(".png", "-full.png"))
    page.set_viewport_size(viewport)


@pytest.mark.parametrize("path", PAGES)
def test_laptop_charts_have_no_overlapping_or_clipped_text(laptop, path):
    _open(laptop, path)
    problems = chart_problems(laptop)
    _tall_screenshot(laptop, _shot_name(path, "1280x720"), LAPTOP)
    check(problems)


@pytest.mark.parametrize("path", PAGES)
def test_presentation_mode_is_readable_on_a_projector(projector, path):
    _open(projector, _board(path))
    expect(projector.get_by_test_id("stSidebar")).to_have_count(0)
    expect(projector.get_by_test_id("stExpandSidebarButton")).to_have_count(0)
    problems = chart_problems(projector)
    small = [item for item in page_text_sizes(projector) if item[0] < BOARD_MIN_FONT_PX]
    _tall_screenshot(projector, _shot_name(path, "board-1920x1080"), PROJECTOR)
    assert small == [], f"text under {BOARD_MIN_FONT_PX} px in presentation mode: {small[:15]}"
    check(problems)


def test_presentation_mode_page_switcher_keeps_mode_and_footprint(projector):
    _open(projector, _board("/footprint?stp=E54000034"))
    switcher = projector.get_by_test_id("stPageLink").filter(has_text="Workforce").first
    expect(switcher).to_be_visible()
    switcher.click()
    expect(projector).to_have_url(re.compile(r"/workforce\?.*mode=board"), timeout=30_000)
    assert "stp=E54000034" in projector.url
    wait_for_app(projector)
    expect(projector.get_by_test_id("stSidebar")).to_have_count(0)


def test_presentation_mode_overview_map_above_the_fold(projector):
    _open(projector, "/?mode=board")
    box = projector.locator(".js-plotly-plot .geo").first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PROJECTOR["height"], box


def test_switching_presentation_mode_on_leaves_no_sidebar_strip(laptop):
    _open(laptop, "/")
    laptop.get_by_text("Presentation mode").click()
    expect(laptop).to_have_url(re.compile("mode=board"), timeout=30_000)
    wait_for_app(laptop)
    for testid in ("stSidebar", "stSidebarContent", "stExpandSidebarButton", "stSidebarCollapseButton"):
        found = laptop.get_by_test_id(testid)
        boxes = [found.nth(i).bounding_box() for i in range(found.count())]
        assert all(box is None or box["width"] == 0 for box in boxes), (testid, boxes)
    main = laptop.get_by_test_id("stMain").bounding_box()
    assert main is not None and main["x"] < 5, main  # the page starts at the window's left edge
    laptop.get_by_role("button", name="Leave presentation mode").click()
    expect(laptop).not_to_have_url(re.compile("mode=board"), timeout=30_000)


AXE_PAGES = (*PAGES, "/footprint?stp=E54000041", "/footprint?stp=E54000022", _board("/footprint?stp=E54000034"))


@pytest.mark.parametrize("path", AXE_PAGES)
def test_no_serious_accessibility_violations(laptop, path):
    from axe_playwright_python.sync_playwright import Axe

    _open(laptop, path)
    violations = Axe().run(laptop).response["violations"]
    serious = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"][:3]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
