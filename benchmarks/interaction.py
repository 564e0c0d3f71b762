"""Interaction: map click and deep link to a drawn footprint page (browser), and warm script time (AppTest).

(a) Browser, fresh context per run: click a footprint on the overview map -> footprint page drawn; open
    /?stp=CODE -> footprint page drawn. The baseline page's first paint is measured between them as the
    yardstick for how busy the machine was.
(b) Server side, in this process with streamlit.testing.v1.AppTest: warm at.run() of the overview, of a
    footprint switch (query parameter stp changes, then run) and of the baseline app, interleaved.
    Target: warm footprint switch median <= 300 ms.
"""

from __future__ import annotations

import sys
import time
from itertools import cycle

import common
from common import Row
from playwright.sync_api import Browser

from tests.browser.helpers import map_point_on_screen, scroll_map_into_view  # common.py put the repo root on sys.path

TARGET_SWITCH_MS = 300.0


def footprint_points(codes: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """A point inside each footprint (representative_point is always inside, unlike the centroid)."""
    from geo.boundaries import BOUNDARIES_2017, load_boundaries

    shapes = load_boundaries(BOUNDARIES_2017, "stp17cd").set_index("code")
    return {code: (p.x, p.y) for code, p in ((c, shapes.geometry[c].representative_point()) for c in codes)}


# --- (a) browser -------------------------------------------------------------------------------------------


def time_map_click(browser: Browser, url: str, code: str, name: str, point: tuple[float, float]) -> float:
    context = browser.new_context(viewport=common.VIEWPORT)
    page = context.new_page()
    try:
        page.goto(url + "/", timeout=common.TIMEOUT_MS)
        common.wait_overview_drawn(page)
        common.settle(page)
        scroll_map_into_view(page)
        x, y = map_point_on_screen(page, *point)
        start = time.perf_counter()
        page.mouse.click(x, y)
        common.wait_footprint_drawn(page, code, name)
        return time.perf_counter() - start
    finally:
        context.close()


def time_deep_link(browser: Browser, url: str, code: str, name: str) -> float:
    context = browser.new_context(viewport=common.VIEWPORT)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(f"{url}/?stp={code}", timeout=common.TIMEOUT_MS)
        common.wait_footprint_drawn(page, code, name)
        return time.perf_counter() - start
    finally:
        context.close()


def time_baseline(browser: Browser, url: str) -> float:
    context = browser.new_context(viewport=common.VIEWPORT)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url + "/", timeout=common.TIMEOUT_MS)
        common.wait_baseline_drawn(page)
        return time.perf_counter() - start
    finally:
        context.close()


def browser_part(runs: int, deadline: common.Deadline) -> dict[str, list[float]]:
    names = common.footprint_names()
    points = footprint_points(common.SWITCH_CODES)
    times: dict[str, list[float]] = {"click": [], "deep_link": [], "baseline": []}
    with common.dashboard_baseline_and_browser() as (dash, base, browser):
        time_deep_link(browser, dash.url, common.SWITCH_CODES[0], names[common.SWITCH_CODES[0]])  # warm-up
        time_baseline(browser, base.url)
        codes = cycle(common.SWITCH_CODES)
        for i in range(runs):
            if deadline.expired():
                print(f"browser budget reached after {i} runs", file=sys.stderr)
                break
            code = next(codes)
            times["click"].append(time_map_click(browser, dash.url, code, names[code], points[code]))
            times["baseline"].append(time_baseline(browser, base.url))
            times["deep_link"].append(time_deep_link(browser, dash.url, code, names[code]))
    return times


# --- (b) AppTest -------------------------------------------------------------------------------------------


def timed_run(at: object) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return elapsed


def apptest_part(runs: int, deadline: common.Deadline, profile: bool) -> dict[str, list[float]]:
    import logging

    from streamlit.testing.v1 import AppTest

    # Bare-mode warnings ("missing ScriptRunContext") are expected outside a server; keep the report readable.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)

    names = common.footprint_names()
    overview = AppTest.from_file(str(common.DASHBOARD), default_timeout=60)
    footprint = AppTest.from_file(str(common.DASHBOARD), default_timeout=60)
    baseline = AppTest.from_file(str(common.BASELINE), default_timeout=60)
    cold = {"overview_cold": [timed_run(overview)], "baseline_cold": [timed_run(baseline)]}
    footprint.query_params["stp"] = common.SWITCH_CODES[0]
    timed_run(footprint)  # warm: the deep link lands on the footprint page
    times: dict[str, list[float]] = {"overview": [], "switch": [], "baseline": [], **cold}
    codes = cycle(common.SWITCH_CODES[1:] + common.SWITCH_CODES[:1])
    for i in range(runs):
        if deadline.expired():
            print(f"AppTest budget reached after {i} runs", file=sys.stderr)
            break
        times["overview"].append(timed_run(overview))
        times["baseline"].append(timed_run(baseline))
        code = next(codes)
        footprint.query_params["stp"] = code
        times["switch"].append(timed_run(footprint))
        shown = [t.value for t in footprint.title]
        if shown != [names[code]]:
            raise RuntimeError(f"footprint switch to {code} showed {shown}")
    if profile:
        profile_runs(overview, footprint)
    return times


def profile_runs(overview: object, footprint: object) -> None:
    """Optional: pyinstrument text profiles of one warm overview run and one footprint switch."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("--profile needs pyinstrument (pip install pyinstrument==5.1.3)", file=sys.stderr)
        return
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    # AppTest runs the page script in its own thread and pyinstrument samples only the thread that starts
    # it, so start the profiler inside that thread.
    original = LocalScriptRunner._run_script_thread
    profilers: list[Profiler] = []

    def profiled(self: LocalScriptRunner) -> None:
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
        try:
            original(self)
        finally:
            profiler.stop()
            profilers.append(profiler)

    LocalScriptRunner._run_script_thread = profiled
    try:
        for label, at, code in (("overview", overview, None), ("switch", footprint, common.SWITCH_CODES[1])):
            if code is not None:
                at.query_params["stp"] = code
            profilers.clear()
            at.run()
            path = common.RESULTS / f"profile-apptest-{label}.txt"
            path.write_text("\n".join(p.output_text(unicode=False, color=False) for p in profilers))
            print(f"  profile written to {path.relative_to(common.ROOT)}")
    finally:
        LocalScriptRunner._run_script_thread = original


# --- report ------------------------------------------------------------------------------------------------


def run(runs: int, budget_s: float, app_runs: int, profile: bool) -> list[Row]:
    deadline = common.Deadline(budget_s)
    browser_times = browser_part(runs, deadline)
    app_times = apptest_part(app_runs, deadline, profile)

    print("Browser (fresh context per run)")
    print(common.describe_ms("  map click -> footprint page drawn", browser_times["click"]))
    print(common.describe_ms("  deep link /?stp=CODE -> footprint drawn", browser_times["deep_link"]))
    print(common.describe_ms("  baseline first paint (yardstick)", browser_times["baseline"]))
    base_ms = common.median(browser_times["baseline"]) * 1000
    click_ms = common.median(browser_times["click"]) * 1000
    link_ms = common.median(browser_times["deep_link"]) * 1000
    print(f"  click/baseline {click_ms / base_ms:.2f}   deep link/baseline {link_ms / base_ms:.2f}")
    print("Server script time, AppTest at.run()")
    print(common.describe_ms("  overview, cold (first run, caches empty)", app_times["overview_cold"]))
    print(common.describe_ms("  baseline, cold", app_times["baseline_cold"]))
    print(common.describe_ms("  overview, warm", app_times["overview"]))
    print(common.describe_ms("  footprint switch, warm", app_times["switch"]))
    print(common.describe_ms("  baseline app, warm", app_times["baseline"]))
    switch_ms = common.median(app_times["switch"]) * 1000
    overview_ms = common.median(app_times["overview"]) * 1000
    app_base_ms = common.median(app_times["baseline"]) * 1000
    print(f"  overview/baseline {overview_ms / app_base_ms:.2f}   switch/baseline {switch_ms / app_base_ms:.2f}")
    rows = [
        Row("click -> footprint drawn", f"{click_ms:.0f} ms ({click_ms / base_ms:.2f}x base)"),
        Row("deep link -> footprint drawn", f"{link_ms:.0f} ms ({link_ms / base_ms:.2f}x base)"),
        Row("AppTest overview warm", f"{overview_ms:.0f} ms ({overview_ms / app_base_ms:.1f}x base)"),
        Row(
            "AppTest footprint switch warm",
            f"{switch_ms:.0f} ms ({switch_ms / app_base_ms:.1f}x base)",
            f"<= {TARGET_SWITCH_MS:.0f} ms",
            switch_ms <= TARGET_SWITCH_MS,
        ),
        Row("AppTest baseline warm", f"{app_base_ms:.0f} ms"),
    ]
    common.save_rows("interaction", rows, {"browser": browser_times, "apptest": app_times})
    return rows


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=5, budget_s=400)
    p.add_argument("--app-runs", type=int, default=15, help="AppTest repetitions per case (default 15)")
    p.add_argument("--profile", action="store_true", help="write pyinstrument profiles to benchmarks/results/")
    args = p.parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s, args.app_runs, args.profile))


if __name__ == "__main__":
    main()
