"""Concurrency: many simultaneous viewers on loopback, page-ready times, errors and server memory.

Two kinds of viewer (--client):

* `ws` (the way to run 50 viewers on a small machine): each viewer is a websocket client (benchmarks/ws_client.py)
  that drives its own real Streamlit session exactly as the frontend does, with no browser: it asks for the
  overview, then switches among three footprints and back to the overview (BackMsg.rerun_script with the page and
  `stp=CODE`), for a bounded number of rounds and a bounded time. Page ready = request sent (for the first page:
  websocket opened) until the run's script_finished: the server's part of a page view, no drawing. The server
  runs with server.disconnectedSessionTTL=5 s (default 120 s) so closed sessions expire within the run (Streamlit
  frees expired ones only when another session closes, so one more is opened and closed after each crowd). The
  crowd runs twice (--crowds): memory that grows with every crowd is a leak; memory kept once and reused is the
  allocator's high-water mark.

      .venv/bin/python benchmarks/concurrency.py --client ws --viewers 50

* `browser` (the default, for backwards compatibility): each viewer is its own browser context (own cookies,
  cache and Streamlit session); contexts are spread over a few Chromium processes. A viewer opens the overview,
  then follows deep links /?stp=CODE a bounded number of times. On a 2-core machine the browsers, not the
  server, are most of the load: page-ready under load therefore over-states what 50 people on their own laptops
  would see. The server-side cost shows in its memory and in the "script done" time (Streamlit reports the run
  finished) measured separately from "drawn".

Reported: p50/p95 page-ready vs one viewer alone, errors (must be 0), and the server's resident memory at
start, at peak, and after every session closed.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import common
from common import Row
from playwright.async_api import Browser, Page, async_playwright
from ws_client import PageLoad, StreamlitWsClient, active_sessions

POLL_MS = 100  # fixed-interval polling: requestAnimationFrame polling in 50 pages would itself load the CPU
DISCONNECTED_SESSION_TTL_S = 120  # Streamlit's default server.disconnectedSessionTTL
WS_SESSION_TTL_S = 5  # ws mode: server.disconnectedSessionTTL, so closed sessions can be watched being freed
WS_LOAD_TIMEOUT_S = 90  # one page load under the full crowd; beyond this it counts as an error

SCRIPT_DONE_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    return !!app && app.dataset.testConnectionState === 'CONNECTED' && app.dataset.testScriptState === 'notRunning'
        && document.querySelectorAll('.js-plotly-plot').length > 0;
}"""


@dataclass
class Results:
    overview: list[float] = field(default_factory=list)
    footprint: list[float] = field(default_factory=list)
    script_done: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    viewers_done: int = 0


class MemorySampler(threading.Thread):
    """Samples the server's resident memory (process tree) every 0.5 s until stopped."""

    def __init__(self, pid: int, interval_s: float = 0.5, max_samples: int = 5000) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.max_samples = max_samples
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        start = time.monotonic()
        while not self._halt.is_set() and len(self.samples) < self.max_samples:
            self.samples.append((time.monotonic() - start, common.tree_rss_mb(self.pid)))
            self._halt.wait(self.interval_s)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def peak(self) -> float:
        return max((mb for _, mb in self.samples), default=0.0)


async def open_and_time(page: Page, url: str, ready: dict[str, object], results: Results) -> float:
    start = time.perf_counter()
    # Only wait for the response to start: the drawn predicate is the real test, and the load event of 50
    # pages parsing the same 9 MB of JavaScript at once says more about the client machine than the server.
    await page.goto(url, wait_until="commit", timeout=common.TIMEOUT_MS * 3)
    await page.wait_for_function(SCRIPT_DONE_JS, polling=POLL_MS, timeout=common.TIMEOUT_MS * 3)
    results.script_done.append(time.perf_counter() - start)
    await page.wait_for_function(common.PAGE_DRAWN_JS, arg=ready, polling=POLL_MS, timeout=common.TIMEOUT_MS * 3)
    elapsed = time.perf_counter() - start
    if await page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"exception shown at {url}")
    return elapsed


async def viewer(index: int, browser: Browser, url: str, switches: int, results: Results) -> None:
    names = common.footprint_names()
    codes = sorted(names)
    context = await browser.new_context(viewport=common.VIEWPORT)
    try:
        page = await context.new_page()
        page.on(
            "request",
            lambda r: None if r.url.startswith(common.LOCAL_PREFIXES) else results.external.append(r.url),
        )
        results.overview.append(await open_and_time(page, url + "/", common.drawn_arg(2), results))
        for step in range(switches):
            # Different viewers ask for different footprints, so no two follow the same path.
            code = codes[(index * switches + step) % len(codes)]
            ready = common.drawn_arg(1, heading=names[code], path=common.footprint_path(code))
            elapsed = await open_and_time(page, f"{url}/?stp={code}", ready, results)
            results.footprint.append(elapsed)
        results.viewers_done += 1
    except Exception as exc:  # every failure counts; the benchmark reports them, never hides them
        results.errors.append(f"viewer {index}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await context.close()


async def staggered(
    viewers: int, ramp_s: float, budget_s: float, viewer: Callable[[int], Coroutine[Any, Any, None]]
) -> list[str]:
    """Start viewer(0..n-1) spread over ramp_s, wait up to budget_s; cancel and report any still running."""

    async def start(i: int) -> None:
        await asyncio.sleep(ramp_s * i / max(1, viewers))
        await viewer(i)

    tasks = [asyncio.create_task(start(i)) for i in range(viewers)]
    _, pending = await asyncio.wait(tasks, timeout=budget_s)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
        return [f"{len(pending)} viewers unfinished after the {budget_s:.0f} s budget"]
    return []


async def crowd(url: str, viewers: int, browsers: int, switches: int, ramp_s: float, budget_s: float) -> Results:
    results = Results()
    async with async_playwright() as playwright:
        pool = [
            await playwright.chromium.launch(executable_path=common.CHROMIUM, headless=True, args=common.CHROMIUM_ARGS)
            for _ in range(browsers)
        ]
        try:
            results.errors += await staggered(
                viewers, ramp_s, budget_s, lambda i: viewer(i, pool[i % len(pool)], url, switches, results)
            )
        finally:
            for browser in pool:
                await browser.close()
    return results


def single_viewer(url: str, switches: int, runs: int) -> Results:
    """The same journey with nobody else on the server, `runs` times in a row."""
    combined = Results()
    for i in range(runs):
        one = asyncio.run(crowd(url, 1, 1, switches, 0.0, 120))
        combined.overview += one.overview
        combined.footprint += one.footprint
        combined.script_done += one.script_done
        combined.errors += [f"single run {i}: {e}" for e in one.errors]
    return combined


def run(viewers: int, browsers: int, switches: int, ramp_s: float, budget_s: float, settle_s: float) -> list[Row]:
    with common.streamlit_server(common.DASHBOARD) as server:
        asyncio.run(crowd(server.url, 1, 1, 0, 0.0, 120))  # warm-up: caches, imports
        time.sleep(2)
        alone = single_viewer(server.url, switches, runs=2)
        sampler = MemorySampler(server.pid)
        mem_start = common.tree_rss_mb(server.pid)
        sampler.start()
        began = time.monotonic()
        loaded = asyncio.run(crowd(server.url, viewers, browsers, switches, ramp_s, budget_s))
        wall = time.monotonic() - began
        closed_at = time.monotonic()
        # Sessions close when their websocket does; Streamlit keeps disconnected ones for a TTL (default 120 s).
        time.sleep(min(20, settle_s))
        mem_20s = common.tree_rss_mb(server.pid)
        while time.monotonic() - closed_at < settle_s:
            time.sleep(1)
        mem_end = common.tree_rss_mb(server.pid)
        sampler.stop()
        peak = max(sampler.peak(), mem_start)
        settled_for = time.monotonic() - closed_at

    errors = loaded.errors + alone.errors + [f"external request {u}" for u in loaded.external + alone.external]
    print(f"Concurrency: {viewers} viewers on {browsers} Chromium processes, {switches} deep links each, "
          f"ramp {ramp_s:.0f} s, took {wall:.0f} s (budget {budget_s:.0f} s)")  # fmt: skip
    print(common.describe_ms("  alone: overview ready", alone.overview))
    print(common.describe_ms("  alone: footprint (deep link) ready", alone.footprint))
    print(common.describe_ms("  alone: script done (any page)", alone.script_done))
    print(common.describe_ms(f"  {viewers} viewers: overview ready", loaded.overview))
    print(common.describe_ms(f"  {viewers} viewers: footprint ready", loaded.footprint))
    print(common.describe_ms(f"  {viewers} viewers: script done (any page)", loaded.script_done))
    every_alone = alone.overview + alone.footprint
    every_loaded = loaded.overview + loaded.footprint
    p50_ratio = common.median(every_loaded) / common.median(every_alone)
    p95_ratio = common.percentile(every_loaded, 95) / common.median(every_alone)
    print(f"  all page loads: p50 {common.median(every_loaded) * 1000:.0f} ms ({p50_ratio:.1f}x alone), "
          f"p95 {common.percentile(every_loaded, 95) * 1000:.0f} ms ({p95_ratio:.1f}x alone)")  # fmt: skip
    print(f"  viewers finished: {loaded.viewers_done}/{viewers}; errors: {len(errors)}")
    for error in errors[:10]:
        print(f"    {error}")
    print(f"  server RSS: start {mem_start:.0f} MB, peak {peak:.0f} MB, 20 s after close {mem_20s:.0f} MB, "
          f"{settled_for:.0f} s after close {mem_end:.0f} MB")  # fmt: skip
    rows = [
        Row(
            f"{viewers} viewers p50 page ready", f"{common.median(every_loaded) * 1000:.0f} ms ({p50_ratio:.1f}x alone)"
        ),
        Row(
            f"{viewers} viewers p95 page ready",
            f"{common.percentile(every_loaded, 95) * 1000:.0f} ms ({p95_ratio:.1f}x)",
        ),
        Row(f"{viewers} viewers errors", f"{len(errors)}", "0", not errors),
        Row("server RSS start/peak", f"{mem_start:.0f} / {peak:.0f} MB"),
        Row("server RSS +20 s / +TTL", f"{mem_20s:.0f} / {mem_end:.0f} MB"),
    ]
    details = {
        "alone": alone.__dict__,
        "loaded": loaded.__dict__,
        "errors": errors,
        "memory_samples": sampler.samples,
        "mem_start_mb": mem_start,
        "mem_peak_mb": peak,
        "mem_20s_mb": mem_20s,
        "mem_end_mb": mem_end,
        "settled_for_s": settled_for,
        "wall_s": wall,
    }
    common.save_rows("concurrency", rows, details)
    return rows


# --- websocket viewers (--client ws) -----------------------------------------------------------------------


@dataclass
class WsResults:
    first: list[float] = field(default_factory=list)  # websocket opened + overview ready
    overview: list[float] = field(default_factory=list)  # back to the overview from a footprint
    footprint: list[float] = field(default_factory=list)
    first_bytes: list[int] = field(default_factory=list)
    overview_bytes: list[int] = field(default_factory=list)
    footprint_bytes: list[int] = field(default_factory=list)
    refs_resolved: int = 0
    errors: list[str] = field(default_factory=list)
    viewers_done: int = 0  # viewers that ran until their rounds or the time ran out, without an error

    def pages(self) -> list[float]:
        return self.first + self.overview + self.footprint

    def extend(self, other: WsResults, prefix: str) -> None:
        for name in ("first", "overview", "footprint", "first_bytes", "overview_bytes", "footprint_bytes"):
            getattr(self, name).extend(getattr(other, name))
        self.refs_resolved += other.refs_resolved
        self.errors += [f"{prefix}{e}" for e in other.errors]
        self.viewers_done += other.viewers_done


def check_page(load: PageLoad, client: StreamlitWsClient, url_path: str, heading: str | None) -> list[str]:
    """The run that finished is the page asked for (its script hash; the footprint's name as a heading)."""
    problems = list(load.errors)
    expected = client.pages.get(url_path)
    if load.ok and expected and load.page_script_hash != expected:
        problems.append(f"{load.label}: ran page {load.page_script_hash[:8]}, not {url_path or 'the default page'}")
    if load.ok and heading and heading not in load.headings:
        problems.append(f"{load.label}: no heading {heading!r} (headings: {load.headings[:3]})")
    return problems


async def ws_viewer(
    index: int, url: str, rounds: int, window: common.Deadline, think_s: float, results: WsResults
) -> None:
    """Overview, then rounds of three footprints and the overview, until `rounds` or the window ends."""
    names = common.footprint_names()
    codes = common.SWITCH_CODES[index % 3 :] + common.SWITCH_CODES[: index % 3]  # viewers differ in order
    steps = [("footprint", code) for code in codes] + [("", None)]
    client = StreamlitWsClient(url)
    failed = False
    try:
        start = time.perf_counter()
        await client.connect(timeout_s=WS_LOAD_TIMEOUT_S)
        load = await client.load("", timeout_s=WS_LOAD_TIMEOUT_S)
        problems = check_page(load, client, "", None)
        if not problems:
            results.first.append(time.perf_counter() - start)
            results.first_bytes.append(load.bytes_received)
        results.errors += [f"viewer {index}: {p}" for p in problems]
        failed = bool(problems)
        for _ in range(rounds):
            for path, code in steps:
                if failed or window.expired() or not client.usable:
                    break
                if think_s > 0:
                    await asyncio.sleep(think_s)
                load = await client.load(path, f"stp={code}" if code else "", timeout_s=WS_LOAD_TIMEOUT_S)
                problems = check_page(load, client, path, names[code] if code else None)
                results.errors += [f"viewer {index}: {p}" for p in problems]
                failed = bool(problems)
                results.refs_resolved += load.refs_resolved
                if not failed:
                    (results.footprint if code else results.overview).append(load.seconds)
                    (results.footprint_bytes if code else results.overview_bytes).append(load.bytes_received)
        results.errors += [f"viewer {index}: between pages: {e}" for e in client.idle_errors]
        if not failed and not client.idle_errors:
            results.viewers_done += 1
    except Exception as exc:  # every failure counts; the benchmark reports them, never hides them
        results.errors.append(f"viewer {index}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await client.close()


async def ws_crowd(
    url: str, viewers: int, rounds: int, ramp_s: float, window_s: float, think_s: float, budget_s: float
) -> WsResults:
    results = WsResults()
    window = common.Deadline(ramp_s + window_s)

    results.errors += await staggered(
        viewers, ramp_s, budget_s, lambda i: ws_viewer(i, url, rounds, window, think_s, results)
    )
    return results


def median_kb(values: list[int]) -> str:
    return f"{common.median(values) / 1024:.0f} kB" if values else "n/a"


@dataclass
class CrowdMemory:
    """Server RSS around one crowd: just before, settled after every session closed, and after a reap."""

    before_mb: float
    wall_s: float = 0.0
    after_ttl_mb: float = 0.0  # settle_s after the last close: sessions past their TTL, not yet freed
    active_after: int | None = None  # open websockets then, from /_stcore/metrics (must be 0)
    after_reap_mb: float = 0.0  # after one more session opened and closed, which frees the expired ones


def ws_crowd_and_settle(
    server: common.Server,
    viewers: int,
    rounds: int,
    ramp_s: float,
    window_s: float,
    think_s: float,
    settle_s: float,
    budget: common.Deadline,
) -> tuple[WsResults, CrowdMemory]:
    memory = CrowdMemory(before_mb=common.tree_rss_mb(server.pid))
    began = time.monotonic()
    # Loads started before the window closes may take up to WS_LOAD_TIMEOUT_S; never beyond the budget.
    cap_s = max(10.0, min(ramp_s + window_s + WS_LOAD_TIMEOUT_S + 30, budget.left()))
    loaded = asyncio.run(ws_crowd(server.url, viewers, rounds, ramp_s, window_s, think_s, cap_s))
    memory.wall_s = time.monotonic() - began
    closed_at = time.monotonic()
    # Closed sessions stay for reconnection for the TTL; after it, Streamlit frees them only on its next write to
    # the session store (another session closing), not on a timer. So: watch the TTL pass, then open and close one
    # more session, as the next visitor would, and measure again.
    while time.monotonic() - closed_at < settle_s:
        time.sleep(0.5)
    memory.after_ttl_mb = common.tree_rss_mb(server.pid)
    memory.active_after = active_sessions(server.url)
    probe = asyncio.run(ws_crowd(server.url, 1, 0, 0.0, 30, 0.0, 60))
    loaded.errors += [f"probe after the crowd: {e}" for e in probe.errors]
    time.sleep(5)
    memory.after_reap_mb = common.tree_rss_mb(server.pid)
    return loaded, memory


def run_ws(
    viewers: int,
    rounds: int,
    ramp_s: float,
    window_s: float,
    think_s: float,
    crowds: int,
    budget_s: float,
    settle_s: float,
    file_watcher: str | None,
) -> list[Row]:
    server_args = ["--server.disconnectedSessionTTL", str(WS_SESSION_TTL_S)]
    if file_watcher:
        server_args += ["--server.fileWatcherType", file_watcher]
    # Another crowd starts only with time for its window, the loads in flight when it closes, and the settling.
    crowd_needs_s = ramp_s + window_s + 30 + settle_s + 10
    loaded = WsResults()
    memories: list[CrowdMemory] = []
    skipped = 0
    with common.streamlit_server(common.DASHBOARD, server_args) as server:
        url = server.url
        asyncio.run(ws_crowd(url, 1, 1, 0.0, 60, 0.0, 120))  # warm-up: imports, st.cache_data, every page once
        alone = WsResults()
        for i in range(2):  # the same journey with nobody else on the server
            alone.extend(asyncio.run(ws_crowd(url, 1, rounds, 0.0, window_s, think_s, 120)), f"single run {i}: ")
        time.sleep(WS_SESSION_TTL_S + 1)
        sampler = MemorySampler(server.pid)
        sampler.start()
        budget = common.Deadline(budget_s)  # for the crowds and their settling, as in browser mode
        for i in range(crowds):
            # The same crowd again: if closed sessions leaked, each crowd would leave the server bigger; if the
            # memory is only the allocator keeping its high-water mark, later crowds reuse it.
            if i and budget.left() < crowd_needs_s:
                skipped = crowds - i
                break
            one, memory = ws_crowd_and_settle(server, viewers, rounds, ramp_s, window_s, think_s, settle_s, budget)
            loaded.extend(one, f"crowd {i + 1}: " if crowds > 1 else "")
            memories.append(memory)
        sampler.stop()
    mem_start = memories[0].before_mb
    peak = max(sampler.peak(), mem_start)

    errors = loaded.errors + alone.errors
    every_alone = alone.pages()
    every_loaded = loaded.pages()
    alone_median = common.median(every_alone)
    p50, p95 = common.median(every_loaded), common.percentile(every_loaded, 95)
    think = f", {think_s:.1f} s between pages" if think_s else ", no pause between pages"
    walls = ", ".join(f"{m.wall_s:.0f} s" for m in memories)
    print(f"Concurrency (websocket clients): {len(memories)} crowd(s) of {viewers} viewers, each viewer up to "
          f"{rounds} rounds of 3 footprints + overview within {window_s:.0f} s{think}, ramp {ramp_s:.0f} s; "
          f"crowds took {walls}; server.disconnectedSessionTTL={WS_SESSION_TTL_S} s, "
          f"server.fileWatcherType={file_watcher or 'as in .streamlit/config.toml (none)'}")  # fmt: skip
    if skipped:
        print(f"  {skipped} crowd(s) skipped: not enough of the {budget_s:.0f} s budget left")
    print(common.describe_ms("  alone: first page (connect + overview)", alone.first))
    print(common.describe_ms("  alone: overview ready", alone.overview))
    print(common.describe_ms("  alone: footprint ready", alone.footprint))
    print(common.describe_ms(f"  {viewers} viewers: first page (connect + overview)", loaded.first))
    print(common.describe_ms(f"  {viewers} viewers: overview ready", loaded.overview))
    print(common.describe_ms(f"  {viewers} viewers: footprint ready", loaded.footprint))
    print(f"  all page loads: alone median {alone_median * 1000:.0f} ms (n={len(every_alone)}); "
          f"{viewers} viewers p50 {p50 * 1000:.0f} ms ({p50 / alone_median:.1f}x alone), "
          f"p95 {p95 * 1000:.0f} ms ({p95 / alone_median:.1f}x alone), n={len(every_loaded)}")  # fmt: skip
    print(f"  bytes per page (median, websocket payload): first overview {median_kb(loaded.first_bytes)}, "
          f"overview again {median_kb(loaded.overview_bytes)}, footprint {median_kb(loaded.footprint_bytes)}; "
          f"{loaded.refs_resolved} elements served from the client's message cache")  # fmt: skip
    print(f"  viewers finished without error: {loaded.viewers_done}/{viewers * len(memories)}; errors: {len(errors)}")
    for error in errors[:10]:
        print(f"    {error}")
    print(f"  server RSS: start {mem_start:.0f} MB, peak {peak:.0f} MB")
    for i, m in enumerate(memories):
        print(f"    crowd {i + 1}: before {m.before_mb:.0f} MB, {settle_s:.0f} s after the last close "
              f"{m.after_ttl_mb:.0f} MB ({m.active_after} open sessions), after one more session closed "
              f"{m.after_reap_mb:.0f} MB")  # fmt: skip
    after = [m.after_reap_mb for m in memories]
    rows = [
        Row(f"{viewers} ws viewers p50 page ready", f"{p50 * 1000:.0f} ms ({p50 / alone_median:.1f}x alone)"),
        Row(f"{viewers} ws viewers p95 page ready", f"{p95 * 1000:.0f} ms ({p95 / alone_median:.1f}x)"),
        Row(f"{viewers} ws viewers errors", f"{len(errors)}", "0", not errors),
        Row("ws server RSS start/peak", f"{mem_start:.0f} / {peak:.0f} MB"),
        Row("ws server RSS after each crowd", " / ".join(f"{mb:.0f}" for mb in after) + " MB"),
    ]
    if len(after) > 1:
        # A leak grows with every crowd; the allocator's high-water mark does not. So the test is the average
        # growth per crowd after the first, against 10% of the first crowd's rise (at least 5 MB) for noise:
        # caches filling, fragmentation.
        growth = after[-1] - after[0]
        per_crowd = growth / (len(after) - 1)
        allowance = max(5.0, 0.1 * (peak - mem_start))
        per_session_kb = per_crowd * 1024 / viewers
        print(f"  growth from crowd 1 to crowd {len(after)} (after each): {growth:+.0f} MB, {per_crowd:+.1f} MB per "
              f"crowd, {per_session_kb:+.0f} kB per session")  # fmt: skip
        label, limit = "ws RSS growth per crowd after the first", f"<= {allowance:.0f} MB"
        rows.append(Row(label, f"{per_crowd:+.1f} MB", limit, per_crowd <= allowance))
    details = {
        "client": "ws",
        "viewers": viewers,
        "rounds": rounds,
        "window_s": window_s,
        "think_s": think_s,
        "crowds": [m.__dict__ for m in memories],
        "session_ttl_s": WS_SESSION_TTL_S,
        "file_watcher": file_watcher,
        "alone": alone.__dict__,
        "loaded": loaded.__dict__,
        "errors": errors,
        "memory_samples": sampler.samples,
        "mem_start_mb": mem_start,
        "mem_peak_mb": peak,
    }
    common.save_rows("concurrency_ws", rows, details)
    return rows


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=3, budget_s=240)
    p.add_argument(
        "--client",
        choices=("browser", "ws"),
        default="browser",
        help="browser: Chromium pages (default); ws: websocket clients driving real sessions, no browser "
        "(the way to run 50 viewers on 2 cores)",
    )
    p.add_argument("--viewers", type=int, default=50)
    p.add_argument("--browsers", type=int, default=3, help="browser: Chromium processes the contexts are spread over")
    p.add_argument("--ramp-s", type=float, default=0.0, help="spread viewer starts over this many seconds")
    p.add_argument(
        "--settle-s",
        type=float,
        default=None,
        help="how long to watch memory after the last session closes (default: session TTL + 15 s, "
        f"i.e. {DISCONNECTED_SESSION_TTL_S + 15} s browser, {WS_SESSION_TTL_S + 15} s ws)",
    )
    p.add_argument("--rounds", type=int, default=3, help="ws: at most this many rounds of 3 footprints + overview")
    p.add_argument("--window-s", type=float, default=60, help="ws: start no page after this many seconds")
    p.add_argument("--think-s", type=float, default=0.0, help="ws: pause before each page switch")
    p.add_argument(
        "--crowds", type=int, default=2, help="ws: run the crowd this many times (memory after each: leak or not)"
    )
    p.add_argument(
        "--file-watcher",
        choices=("auto", "watchdog", "poll", "none"),
        default=None,
        help="ws: server.fileWatcherType (default: the app's config, which sets 'none'). With a watcher, "
        "each session's first run walks sys.modules to register watchers (0.5-1 s of the server's event loop "
        "here), and an edit to a source file mid-run evicts the app's modules while other sessions import them "
        "(KeyError in importlib); 'none' avoids both",
    )
    args = p.parse_args(argv)
    if args.viewers < 1 or args.crowds < 1 or args.runs < 0 or args.rounds < 0:
        sys.exit("--viewers and --crowds must be >= 1, --runs and --rounds >= 0")
    if args.client == "ws":
        settle_s = WS_SESSION_TTL_S + 15 if args.settle_s is None else args.settle_s
        rows = run_ws(
            args.viewers,
            args.rounds,
            args.ramp_s,
            args.window_s,
            args.think_s,
            args.crowds,
            args.budget_s,
            settle_s,
            args.file_watcher,
        )
    else:
        # --runs is the number of deep-link switches per viewer.
        settle_s = DISCONNECTED_SESSION_TTL_S + 15 if args.settle_s is None else args.settle_s
        rows = run(args.viewers, args.browsers, args.runs, args.ramp_s, args.budget_s, settle_s)
    common.print_rows(rows)


if __name__ == "__main__":
    main()
