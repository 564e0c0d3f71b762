"""First paint: time from page.goto to drawn, a dashboard page vs the bare baseline page.

`--page overview` (default) or `--page emergency-care` (the 44-panel SPC small multiples, map and distribution).

Each run opens a fresh browser context (no HTTP cache, a new Streamlit session), like a first visit.
Dashboard and baseline alternate, and which goes first flips every pair, so load from other jobs on the
machine falls on both. Target: dashboard median <= 1.5 x baseline median.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import common
from common import Row
from playwright.sync_api import Browser, Page

TARGET_RATIO = 1.5
CHARTS_IN_DOM_JS = "() => document.querySelectorAll('.js-plotly-plot').length >= 2"


@dataclass
class Phases:
    """Seconds since page.goto: page load event, charts in the DOM, everything drawn."""

    loaded: list[float] = field(default_factory=list)
    charts: list[float] = field(default_factory=list)
    drawn: list[float] = field(default_factory=list)


def measure_once(browser: Browser, url: str, wait_drawn: Callable[[Page], None], phases: Phases | None) -> float:
    context = browser.new_context(viewport=common.VIEWPORT)
    page = context.new_page()
    external = common.record_external(page)
    try:
        start = time.perf_counter()
        page.goto(url, timeout=common.TIMEOUT_MS)
        loaded = time.perf_counter() - start
        page.wait_for_function(CHARTS_IN_DOM_JS, timeout=common.TIMEOUT_MS)
        charts = time.perf_counter() - start
        wait_drawn(page)
        drawn = time.perf_counter() - start
        common.settle(page)  # untimed: the run really finished, no exception page
    finally:
        context.close()
    if external:
        raise RuntimeError(f"requests left loopback: {external}")
    if phases is not None:
        phases.loaded.append(loaded)
        phases.charts.append(charts)
        phases.drawn.append(drawn)
    return drawn


# Path, charts that must be drawn, and how the page is named in the report.
PAGES = {
    "overview": ("/", 2, "dashboard overview"),
    "emergency-care": ("/emergency-care", 3, "emergency care (SPC small multiples)"),
    "compare": (
        "/compare?stp=E54000033,E54000034,E54000007,E54000013",
        3,
        "compare (4 footprints: spine, trends, journeys)",
    ),
}


def run(runs: int, budget_s: float, page_name: str = "overview") -> list[Row]:
    path, charts, label_dashboard = PAGES[page_name]

    def wait_page_drawn(page: Page) -> None:
        if page_name == "overview":
            common.wait_overview_drawn(page)
        else:
            common.wait_drawn(page, common.drawn_arg(charts))

    deadline = common.Deadline(budget_s)
    dashboard, baseline = Phases(), Phases()
    with common.dashboard_baseline_and_browser() as (dash_server, base_server, browser):

        def dash(phases: Phases | None) -> float:
            return measure_once(browser, dash_server.url + path, wait_page_drawn, phases)

        def base(phases: Phases | None) -> float:
            return measure_once(browser, base_server.url + "/", common.wait_baseline_drawn, phases)

        # Warm-up (excluded): imports, the dashboard's cache_resource loads, Chromium's own start-up.
        dash(None)
        base(None)
        for i in range(runs):
            if deadline.expired():
                print(f"budget of {budget_s:.0f} s reached after {i} pairs", file=sys.stderr)
                break
            if i % 2 == 0:
                dash(dashboard)
                base(baseline)
            else:
                base(baseline)
                dash(dashboard)

    print("First paint (fresh context, page.goto -> drawn)")
    for label, phases in ((label_dashboard, dashboard), ("baseline (2 small charts)", baseline)):
        print(common.describe_ms(f"  {label}: load event", phases.loaded))
        print(common.describe_ms(f"  {label}: charts in DOM", phases.charts))
        print(common.describe_ms(f"  {label}: drawn", phases.drawn))
    ratio = common.median(dashboard.drawn) / common.median(baseline.drawn)
    pair_ratios = [d / b for d, b in zip(dashboard.drawn, baseline.drawn, strict=True)]
    print(f"  ratio of medians dashboard/baseline: {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"  per-pair ratios: {', '.join(f'{r:.2f}' for r in pair_ratios)}")
    rows = [
        Row(f"first paint: {page_name} median", f"{common.median(dashboard.drawn) * 1000:.0f} ms"),
        Row("first paint: baseline median", f"{common.median(baseline.drawn) * 1000:.0f} ms"),
        Row(
            f"first paint: {page_name} ratio",
            f"{ratio:.2f} (n={len(dashboard.drawn)})",
            f"<= {TARGET_RATIO}",
            ratio <= TARGET_RATIO,
        ),
    ]
    common.save_rows(
        f"first_paint_{page_name}",
        rows,
        {"dashboard": dashboard.__dict__, "baseline": baseline.__dict__, "pair_ratios": pair_ratios},
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = common.parser(__doc__.splitlines()[0], runs=7, budget_s=300)
    parser.add_argument("--page", choices=sorted(PAGES), default="overview", help="which dashboard page to open")
    args = parser.parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s, args.page))


if __name__ == "__main__":
    main()
