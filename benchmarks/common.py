"""Shared benchmark plumbing: a Streamlit server on a free localhost port, Chromium, waits, statistics.

Every benchmark measures the dashboard and benchmarks/baseline_app.py in the same run, interleaved, and
reports the ratio: the machine has two cores shared with other jobs, so absolute times drift but ratios hold.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # The repo root makes `geo`, `charts`, `stp_data` and `tests.browser.helpers` importable.
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, Playwright, sync_playwright  # noqa: E402

from tests.browser.helpers import free_port, wait_for_app, wait_for_map, wait_healthy  # noqa: E402

BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
DASHBOARD = ROOT / "dashboard.py"
BASELINE = BENCH / "baseline_app.py"
PYTHON = sys.executable
CHROMIUM = os.environ.get("STP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 720}
TIMEOUT_MS = 60_000
LOCAL_PREFIXES = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")

# Footprints used for switches: Frimley (small), Lincolnshire (large), Dorset.
SWITCH_CODES = ("E54000034", "E54000013", "E54000041")

# "Drawn", in one predicate the browser polls: the app is connected and its script finished, no skeletons,
# at least `minCharts` Plotly charts, each laid out with no draw or fetch pending (and some traces drawn on the
# page); a map has one outlined path per footprint it was given (the test of tests/browser/helpers.wait_for_map);
# and the page's h1 is `heading` if given.
# Pages gain charts as the app grows, so counts are minimums and each chart is checked, not a fixed number.
PAGE_DRAWN_JS = """({minCharts, heading, path}) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.dataset.testConnectionState !== 'CONNECTED' || app.dataset.testScriptState !== 'notRunning')
        return false;
    // The page may add its own parameters after the footprint (e.g. &measure=), so the path is a prefix; a page
    // that writes its parameters back (Compare) has its commas encoded as %2C, so compare decoded.
    const here = decodeURIComponent(location.pathname + location.search);
    if (path && here !== path && !here.startsWith(path + '&')) return false;
    if (document.querySelector("[data-testid='stSkeleton']")) return false;
    if (heading && ![...document.querySelectorAll('h1')].some(h => h.textContent.trim() === heading)) return false;
    const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
    if (charts.length < minCharts) return false;
    return charts.every(chart => {
        const gd = chart.querySelector('.js-plotly-plot');
        // An all-unpublished gauge row draws no trace, so "drawn" is: SVG laid out, no draw promise pending.
        if (!gd || !gd._fullLayout || !gd._fullData || !gd.querySelector('.main-svg')) return false;
        if (gd._promises && gd._promises.length) return false;
        if (gd._fullLayout.geo) {
            const expected = gd._fullData
                .filter(t => t.type === 'choropleth' && t.visible === true)
                .reduce((n, t) => n + (t.locations || []).length, 0);
            return gd.querySelectorAll('path.choroplethlocation').length >= expected;
        }
        return true;
    }) && document.querySelectorAll('.js-plotly-plot .main-svg .trace').length > 0;
}"""


def drawn_arg(min_charts: int, heading: str | None = None, path: str | None = None) -> dict[str, object]:
    return {"minCharts": min_charts, "heading": heading, "path": path}


def footprint_path(code: str) -> str:
    return f"/footprint?stp={code}"


# --- servers -----------------------------------------------------------------------------------------------


@dataclass
class Server:
    """A running `streamlit run` on 127.0.0.1; `pid` is the Python process that serves it."""

    script: Path
    url: str
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid


def _serve_command(script: Path) -> list[str]:
    """The dashboard as it ships (`python -m ui.serve`, run from its checkout: without it a first visit to
    /emergency-care or /your-data meets Streamlit's legacy pages/ "Page not found" dialog); anything else plainly."""
    if script.name == "dashboard.py":
        return [PYTHON, "-m", "ui.serve"]
    return [PYTHON, "-m", "streamlit", "run", str(script)]


@contextmanager
def streamlit_server(
    script: Path,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    serve_with: Sequence[str] = (),
    cwd: Path = ROOT,
) -> Iterator[Server]:
    """Start `python -m streamlit run script` from the repo root (so .streamlit/config.toml applies to both apps).

    `env`: variables added to this process's environment for the server (e.g. its own STP_STATE_DIR).
    `serve_with`: another command in place of `python -m streamlit run script` (e.g. a profiling launcher).
    `cwd`: the checkout the app is served from (another one's modules must not come from this one).
    """
    port = free_port()
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"server-{script.stem}-{port}.log"
    command = [
        *(serve_with or _serve_command(script)),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *extra_args,
    ]
    with log_path.open("w") as log:
        server_env = {**os.environ, **env} if env else None
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=server_env)
        server = Server(script=script, url=f"http://127.0.0.1:{port}", process=process)
        try:
            wait_healthy(server.url, process)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# --- memory (from /proc, so no psutil) ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Direct children, found by scanning /proc/*/stat (works without CONFIG_PROC_CHILDREN)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces; fields after it are fixed.
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _vm_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    total, stack, seen = 0, [pid], set()
    while stack and len(seen) < 1000:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _vm_rss_kb(current)
        stack.extend(_children(current))
    return total / 1024


# --- browser -----------------------------------------------------------------------------------------------


def launch_chromium(playwright: Playwright) -> Browser:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@contextmanager
def dashboard_baseline_and_browser(
    dashboard_env: Mapping[str, str] | None = None,
) -> Iterator[tuple[Server, Server, Browser]]:
    """Both apps served side by side and one headless Chromium: what every browser benchmark compares in."""
    with (
        streamlit_server(DASHBOARD, env=dashboard_env) as dashboard,
        streamlit_server(BASELINE) as baseline,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        try:
            yield dashboard, baseline, browser
        finally:
            browser.close()


def record_external(page: Page) -> list[str]:
    """List every request that would leave loopback (the app is meant to need none).

    A passive listener rather than page.route: routing pauses every request for a round trip to Python,
    which would add to the very times being measured.
    """
    attempted: list[str] = []
    page.on(
        "request", lambda request: None if request.url.startswith(LOCAL_PREFIXES) else attempted.append(request.url)
    )
    return attempted


def wait_drawn(page: Page, arg: dict[str, object], timeout_ms: int = TIMEOUT_MS) -> None:
    page.wait_for_function(PAGE_DRAWN_JS, arg=arg, timeout=timeout_ms)


def wait_overview_drawn(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    """The overview's map and bell curve (at least two charts) drawn, every footprint on the map."""
    wait_drawn(page, drawn_arg(2), timeout_ms)
    wait_for_map(page, timeout_ms)  # already true; asserts the map really is one of the charts


def wait_baseline_drawn(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    wait_drawn(page, drawn_arg(2), timeout_ms)


def wait_footprint_drawn(page: Page, code: str, name: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """The footprint page for `code`: its URL, its name as the heading, every chart on it drawn."""
    wait_drawn(page, drawn_arg(1, heading=name, path=footprint_path(code)), timeout_ms)


def settle(page: Page) -> None:
    """Untimed check that the app finished its run (includes the helper's 300 ms settle) and showed no error."""
    wait_for_app(page)
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"the app shows an exception at {page.url}")


def footprint_names() -> dict[str, str]:
    """ONS code -> footprint name, as the footprint page's heading shows it."""
    import csv

    with (ROOT / "stp_data" / "data" / "footprints.csv").open(newline="") as handle:
        return {row["stp17cd"]: row["stp_name"] for row in csv.DictReader(handle)}


# --- statistics and reporting ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100); fine for the small samples here."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def describe_ms(label: str, values_s: Sequence[float]) -> str:
    """One line: label, n, median, p95, min, max in milliseconds."""
    ms = [v * 1000 for v in values_s]
    if not ms:
        return f"{label:<44} n=0"
    return (
        f"{label:<44} n={len(ms):<3} median {median(ms):8.0f} ms   p95 {percentile(ms, 95):8.0f} ms   "
        f"min {min(ms):7.0f}   max {max(ms):7.0f}"
    )


@dataclass
class Row:
    """One line of the summary table printed by run_all.py."""

    metric: str
    value: str
    target: str = ""
    ok: bool | None = None


def save_rows(name: str, rows: list[Row], details: dict[str, Any] | None = None) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"rows": [row.__dict__ for row in rows], "details": details or {}}
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def print_rows(rows: list[Row]) -> None:
    width = max((len(r.metric) for r in rows), default=10)
    for r in rows:
        verdict = "" if r.ok is None else ("PASS" if r.ok else "MISS")
        print(f"  {r.metric:<{width}}  {r.value:<28} {r.target:<14} {verdict}")


class Deadline:
    """A wall-clock budget: every loop checks it so no run can hang the machine."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() > self.end

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())


def parser(description: str, runs: int, budget_s: float) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=runs, help=f"measured repetitions (default {runs})")
    p.add_argument("--budget-s", type=float, default=budget_s, help=f"wall-clock cap in seconds (default {budget_s})")
    return p


# --- a server as replicas run it ------------------------------------------------------------------------------

# deploy/cluster.py starts each replica with every footprint's shared figures built in the background (ui/cache.py
# warm_up_in_background), then frozen out of the garbage collector's sight: CPU per page is measured the same way.
WARM_ENV = {"STP_WARM_CACHES": "1"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wait_idle(pid: int, quiet_s: float = 3.0, timeout_s: float = 300.0) -> float:
    """Wait until the process has used under 5% of a core for `quiet_s` (a background warm-up finished).

    Returns the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        before = cpu_seconds(pid)
        time.sleep(quiet_s)
        if cpu_seconds(pid) - before < 0.05 * quiet_s:
            break
    return time.monotonic() - start


@contextmanager
def empty_state(**extra: str) -> Iterator[dict[str, str]]:
    """Environment for a dashboard with its own empty state folder: no published data from earlier runs or tests."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="stp-bench-state-") as folder:
        yield {"STP_STATE_DIR": folder, "STP_DATABASE_URL": "", **extra}
