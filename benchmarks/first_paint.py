"""First paint: time from page.goto to drawn, a dashboard page vs the bare baseline page.

`--page overview` (default), `footprint` (the deep link /footprint?stp=E54000034, Frimley), `workforce`,
`emergency-care` (the 44-panel SPC small multiples, map and distribution), `progress`, `compare`, or `your-data`
(Your data with a published file: the dashboard runs on a temporary state folder with STP_PUBLISH=open, and a
monthly metrics file for all 44 footprints is published into its SQLite store first, so a fresh browser context
sees it like any viewer would).

Each run opens a fresh browser context (no HTTP cache, a new Streamlit session), like a first visit.
Dashboard and baseline alternate, and which goes first flips every pair, so load from other jobs on the
machine falls on both. Targets (issue 23): overview <= 1.15 x the baseline median, every other page <= 1.3 x.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import common
from common import Row
from playwright.sync_api import Browser, Page

TARGET_RATIO = 1.3  # every page but the overview
OVERVIEW_TARGET_RATIO = 1.15
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


@dataclass(frozen=True)
class PageSpec:
    """A page to open: its path, the charts that must be drawn, how the report names it, and its h1 if checked."""

    path: str
    charts: int
    label: str
    heading: str | None = None
    published: bool = False  # needs a published file in the dashboard's store (Your data)


FOOTPRINT_CODE = "E54000034"  # Frimley Health: the footprint the other benchmarks switch from
PAGES = {
    "overview": PageSpec("/", 2, "dashboard overview"),
    "footprint": PageSpec(
        common.footprint_path(FOOTPRINT_CODE), 1, f"footprint deep link ({FOOTPRINT_CODE})", heading="footprint"
    ),
    "workforce": PageSpec("/workforce", 2, "workforce (map, distribution)", heading="Workforce"),
    "emergency-care": PageSpec("/emergency-care", 3, "emergency care (SPC small multiples)"),
    "progress": PageSpec("/progress", 2, "progress", heading="Progress: did the middle catch up?"),
    "compare": PageSpec(
        "/compare?stp=E54000033,E54000034,E54000007,E54000013",
        3,
        "compare (4 footprints: spine, trends, journeys)",
    ),
    "your-data": PageSpec("/your-data", 2, "your data (a published monthly file)", published=True),
}
PUBLISHED_NAME = "benchmark-discharges-before-noon.csv"


def published_monthly_csv(codes: list[str], months: int = 36) -> bytes:
    """A user's tidy monthly file for every footprint, two measures, 36 months from April 2019: the shape of the
    Your data tests' file (tests/pages/test_new_pages.py monthly_csv), for all 44 footprints. Constructed
    benchmark data, not a real series: it is only ever shown by the benchmark's own server."""
    rows = ["code,measure,period,value,unit,polarity"]
    for n, code in enumerate(codes):
        for i in range(months):
            year, month = 2019 + (i + 3) // 12, (i + 3) % 12 + 1
            noon = 55.0 + n * 0.4 + (i % 4) * 0.7 + (6.0 if i >= months - 8 else 0.0)
            stay = 9.0 + (n % 7) * 0.3 - (i % 3) * 0.2
            rows.append(f"{code},Discharges before noon,{year}-{month:02d},{noon:.1f},%,higher is better")
            rows.append(f"{code},Long-stay patients per 100 beds,{year}-{month:02d},{stay:.1f},,lower is better")
    return ("\n".join(rows) + "\n").encode()


@contextmanager
def published_state() -> Iterator[dict[str, str]]:
    """A temporary state folder holding one published metrics file; yields the environment for the dashboard."""
    from stp_data import store
    from stp_data.upload import parse_metrics_file

    codes = sorted(common.footprint_names())
    with tempfile.TemporaryDirectory(prefix="stp-bench-state-") as folder:
        env = {"STP_STATE_DIR": folder, "STP_PUBLISH": "open", "STP_DATABASE_URL": ""}  # as common.empty_state
        engine = store.make_engine(store.database_url({"STP_STATE_DIR": folder}))
        try:
            store.upgrade(engine)
            data = published_monthly_csv(codes)
            upload = parse_metrics_file(data, PUBLISHED_NAME, codes)
            publisher = store.Actor("benchmark@localhost", store.Role.PUBLISHER)
            store.publish(engine, publisher, PUBLISHED_NAME, data, store.report_of(upload))
        finally:
            engine.dispose()
        yield env


def page_waiter(spec: PageSpec) -> Callable[[Page], None]:
    """How to tell the page is drawn: the overview's map check, a footprint's name as heading, else chart counts."""
    if spec.path == "/":
        return common.wait_overview_drawn
    heading = spec.heading
    if heading == "footprint":
        heading = common.footprint_names()[FOOTPRINT_CODE]
    arg = common.drawn_arg(spec.charts, heading=heading, path=spec.path if "?" in spec.path else None)
    return lambda page: common.wait_drawn(page, arg)


def run(runs: int, budget_s: float, page_name: str = "overview") -> list[Row]:
    spec = PAGES[page_name]
    with published_state() if spec.published else common.empty_state() as env:
        return _run(runs, budget_s, page_name, spec, env)


def _run(runs: int, budget_s: float, page_name: str, spec: PageSpec, env: dict[str, str]) -> list[Row]:
    path, label_dashboard = spec.path, spec.label
    wait_page_drawn = page_waiter(spec)
    deadline = common.Deadline(budget_s)
    dashboard, baseline = Phases(), Phases()
    with common.dashboard_baseline_and_browser(env) as (dash_server, base_server, browser):

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
    target = OVERVIEW_TARGET_RATIO if page_name == "overview" else TARGET_RATIO
    print(f"  ratio of medians dashboard/baseline: {ratio:.2f} (target <= {target})")
    print(f"  per-pair ratios: {', '.join(f'{r:.2f}' for r in pair_ratios)}")
    rows = [
        Row(f"first paint: {page_name} median", f"{common.median(dashboard.drawn) * 1000:.0f} ms"),
        Row("first paint: baseline median", f"{common.median(baseline.drawn) * 1000:.0f} ms"),
        Row(
            f"first paint: {page_name} ratio",
            f"{ratio:.2f} (n={len(dashboard.drawn)})",
            f"<= {target}",
            ratio <= target,
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
