"""Waiting for Streamlit and Plotly to finish drawing, and clicking on the map by coordinates."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

from playwright.sync_api import Page, expect

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_for_app(page: Page, timeout_ms: int = 60_000) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout_ms)
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)
    # The script-state attribute can flip back briefly after a rerun starts.
    page.wait_for_timeout(300)
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)


def wait_for_charts(page: Page, count: int, timeout_ms: int = 60_000) -> None:
    expect(page.locator(".js-plotly-plot")).to_have_count(count, timeout=timeout_ms)


MAP = ".js-plotly-plot .geo"
_FIND_MAP = (
    "const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullLayout && g._fullLayout.geo);"
)


def wait_for_map(page: Page, timeout_ms: int = 60_000) -> None:
    """The SVG map has drawn every footprint it was given: no fetch pending, one outlined path per location."""
    page.wait_for_function(
        "() => {"
        + _FIND_MAP
        + """
            if (!gd || !gd._fullData || (gd._promises && gd._promises.length)) return false;
            const expected = gd._fullData
                .filter(t => t.type === 'choropleth' && t.visible === true)
                .reduce((n, t) => n + (t.locations || []).length, 0);
            const paths = [...gd.querySelectorAll('path.choroplethlocation')];
            const drawn = paths.every(p => (p.getAttribute('d') || '').length > 10);
            return expected > 0 && paths.length >= expected && drawn;
        }""",
        timeout=timeout_ms,
    )


def scroll_map_into_view(page: Page) -> None:
    page.locator(MAP).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the scroll finish before projecting lon/lat to pixels


def map_point_on_screen(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Viewport coordinates of a longitude/latitude on the drawn map (the map's own projection)."""
    point = page.evaluate(
        "([lon, lat]) => {"
        + _FIND_MAP
        + """
            const geo = gd._fullLayout.geo._subplot;
            const [x, y] = geo.projection([lon, lat]);
            const m = geo.framework.node().getScreenCTM();
            return [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
        }""",
        [lon, lat],
    )
    return float(point[0]), float(point[1])


def painted_colours(page: Page, selector: str) -> int:
    """How many distinct colours a screenshot of the element contains (a blank map has ~1)."""
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(page.locator(selector).first.screenshot())).convert("RGB")
    return len(image.getcolors(maxcolors=1_000_000) or [])


def scroll_to_top(page: Page) -> None:
    """Streamlit scrolls an inner container, not the window."""
    page.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    page.wait_for_timeout(500)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    """Until Streamlit's health endpoint answers; fails fast if the server process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit at {url} did not become healthy in {timeout_s:.0f} s")
