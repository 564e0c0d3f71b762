"""What a page's first paint is made of: its charts, Streamlit's deep-link probe, and everything else.

    .venv/bin/python benchmarks/first_paint_parts.py --page footprint --runs 6

For `--page` (first_paint.py's names), the figures the page sends are captured from an AppTest run of it (the specs
and chart configs exactly as st.plotly_chart sent them), and one interleaved run in fresh browser contexts measures:

* the bare baseline page (benchmarks/baseline_app.py, two small charts, at /): what every ratio divides by;
* `charts only`: a bare Streamlit page drawing just those figures, one under another, opened at /;
* `charts only, deep link`: that page opened at /PAGE instead. Streamlit's frontend first probes PAGE/_stcore/health
  there, gets a 404 and tries / 100 ms later: every multipage page but the default one pays this;
* the dashboard page itself, as first_paint.py opens it.

So the page's ratio splits into: charts only − 1 (drawing its figures), deep link − charts only (the probe), and
page − deep link (everything else: its other elements, the sidebar, the server's run). The charts-only page draws
every figure at full width where the dashboard puts some in columns, so the split is close, not exact.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

import common
import first_paint
from common import Row
from playwright.sync_api import Browser, Page

import settings

ENV_FIGURES = "STP_BENCH_FIGURES"
SCRIPTS = {  # first_paint.PAGES name -> the page's script
    "overview": settings.OVERVIEW_PAGE,
    "footprint": settings.FOOTPRINT_PAGE,
    "workforce": settings.WORKFORCE_PAGE,
    "emergency-care": settings.EMERGENCY_CARE_PAGE,
    "progress": settings.PROGRESS_PAGE,
    "compare": settings.COMPARE_PAGE,
    "your-data": settings.YOUR_DATA_PAGE,
}
# The charts-only page: a constant script, reading the captured figures from the file ENV_FIGURES names.
CHARTS_ONLY_APP = f'''
import json, os
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Charts only", layout="wide")
st.title("Charts only")
for spec, config in json.loads(open(os.environ["{ENV_FIGURES}"]).read()):
    st.plotly_chart(go.Figure(spec), config=config)
'''


def captured_figures(page_name: str, env: dict[str, str]) -> list[tuple[dict, dict]]:
    """(spec, config) of every chart the page sends, from an AppTest run with the page's query string."""
    from streamlit.testing.v1 import AppTest

    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(first_paint.PAGES[page_name].path).query))
    with mock.patch.dict(os.environ, env):  # the same state folder (and published file) as the dashboard server gets
        at = AppTest.from_file(str(common.DASHBOARD), default_timeout=180)
        at.run()
        at.switch_page(SCRIPTS[page_name])
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
    if at.exception:
        raise RuntimeError(f"the {page_name} page raised: {[e.value for e in at.exception]}")
    return [(json.loads(c.proto.spec), json.loads(c.proto.config or "{}")) for c in at.get("plotly_chart")]


@contextmanager
def charts_only_server(figures: list[tuple[dict, dict]]) -> Iterator[common.Server]:
    with tempfile.TemporaryDirectory(prefix="stp-bench-charts-") as folder:
        script, data = Path(folder) / "charts_only.py", Path(folder) / "figures.json"
        script.write_text(CHARTS_ONLY_APP)
        data.write_text(json.dumps(figures))
        with common.streamlit_server(script, env={ENV_FIGURES: str(data)}) as server:
            yield server


def run(runs: int, budget_s: float, page_name: str) -> list[Row]:
    spec = first_paint.PAGES[page_name]
    with ExitStack() as stack:
        env = stack.enter_context(first_paint.published_state() if spec.published else common.empty_state())
        figures = captured_figures(page_name, env)
        charts = stack.enter_context(charts_only_server(figures))
        dashboard, baseline, browser = stack.enter_context(common.dashboard_baseline_and_browser(env))
        wait_charts = lambda page: common.wait_drawn(page, common.drawn_arg(len(figures)))  # noqa: E731
        targets: dict[str, tuple[str, Callable[[Page], None]]] = {
            "baseline": (baseline.url + "/", common.wait_baseline_drawn),
            "charts only": (charts.url + "/", wait_charts),
            "page": (dashboard.url + spec.path, first_paint.page_waiter(spec)),
        }
        if spec.path != "/":
            targets["charts only, deep link"] = (charts.url + "/" + page_name, wait_charts)
        times = measure(browser, targets, runs, budget_s)
    return report(page_name, len(figures), times)


def measure(
    browser: Browser, targets: dict[str, tuple[str, Callable[[Page], None]]], runs: int, budget_s: float
) -> dict[str, list[float]]:
    """Seconds to drawn for each target, in rounds whose order flips every time (first round is a warm-up)."""
    deadline = common.Deadline(budget_s)
    times: dict[str, list[float]] = {name: [] for name in targets}
    names = list(targets)
    for round_number in range(runs + 1):
        if deadline.expired():
            print(f"budget of {budget_s:.0f} s reached after {round_number - 1} rounds", file=sys.stderr)
            break
        for name in names if round_number % 2 else reversed(names):
            url, wait = targets[name]
            drawn = first_paint.measure_once(browser, url, wait, None)
            if round_number:
                times[name].append(drawn)
    return times


def report(page_name: str, n_figures: int, times: dict[str, list[float]]) -> list[Row]:
    base = common.median(times["baseline"])
    ratio = {name: common.median(values) / base for name, values in times.items() if values}
    print(f"First paint, {page_name}, split ({n_figures} charts; fresh contexts; medians ÷ the bare baseline)")
    for name, values in times.items():
        print(common.describe_ms(f"  {name}", values) + f"   ÷ baseline {ratio.get(name, float('nan')):.2f}")
    deep = ratio.get("charts only, deep link", ratio["charts only"])
    rows = [
        Row(f"first paint parts, {page_name}: page ÷ baseline", f"{ratio['page']:.2f}"),
        Row(f"  its {n_figures} charts alone", f"{ratio['charts only'] - 1:+.2f}"),
        Row("  Streamlit's deep-link probe", f"{deep - ratio['charts only']:+.2f}"),
        Row("  everything else (elements, sidebar, server run)", f"{ratio['page'] - deep:+.2f}"),
    ]
    common.save_rows(f"first_paint_parts_{page_name}", rows, {"times_s": times, "ratios": ratio})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = common.parser(__doc__.splitlines()[0], runs=6, budget_s=400)
    parser.add_argument("--page", choices=sorted(SCRIPTS), default="footprint", help="which dashboard page to split")
    args = parser.parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s, args.page))


if __name__ == "__main__":
    main()
