"""Concurrency: many simultaneous viewers on loopback, page-ready times, errors and server memory.

Each viewer is its own browser context (own cookies, cache and Streamlit session); contexts are spread over a
few Chromium processes. A viewer opens the overview, then follows deep links /?stp=CODE a bounded number of
times. Reported: p50/p95 page-ready vs one viewer alone, errors (must be 0), and the server's resident memory
at start, at peak, ~20 s after every session closed, and after Streamlit's disconnected-session TTL.

On a 2-core machine the browsers, not the server, are most of the load: page-ready under load therefore
over-states what 50 people on their own laptops would see. The server-side cost shows in its memory and in
the "script done" time (Streamlit reports the run finished) measured separately from "drawn".
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from dataclasses import dataclass, field

import common
from common import Row
from playwright.async_api import Browser, Page, async_playwright

POLL_MS = 100  # fixed-interval polling: requestAnimationFrame polling in 50 pages would itself load the CPU
DISCONNECTED_SESSION_TTL_S = 120  # Streamlit's default server.disconnectedSessionTTL

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


async def crowd(url: str, viewers: int, browsers: int, switches: int, ramp_s: float, budget_s: float) -> Results:
    results = Results()
    async with async_playwright() as playwright:
        pool = [
            await playwright.chromium.launch(executable_path=common.CHROMIUM, headless=True, args=common.CHROMIUM_ARGS)
            for _ in range(browsers)
        ]
        try:

            async def start(i: int) -> None:
                await asyncio.sleep(ramp_s * i / max(1, viewers))
                await viewer(i, pool[i % len(pool)], url, switches, results)

            tasks = [asyncio.create_task(start(i)) for i in range(viewers)]
            _, pending = await asyncio.wait(tasks, timeout=budget_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=30)
                results.errors.append(f"{len(pending)} viewers unfinished after the {budget_s:.0f} s budget")
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


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=3, budget_s=240)
    p.add_argument("--viewers", type=int, default=50)
    p.add_argument("--browsers", type=int, default=3, help="Chromium processes the contexts are spread over")
    p.add_argument("--ramp-s", type=float, default=0.0, help="spread viewer starts over this many seconds")
    p.add_argument(
        "--settle-s",
        type=float,
        default=DISCONNECTED_SESSION_TTL_S + 15,
        help="how long to watch memory after the last session closes (default: session TTL + 15 s)",
    )
    args = p.parse_args(argv)
    # --runs is the number of deep-link switches per viewer.
    if args.viewers < 1 or args.runs < 0:
        sys.exit("--viewers must be >= 1 and --runs >= 0")
    common.print_rows(run(args.viewers, args.browsers, args.runs, args.ramp_s, args.budget_s, args.settle_s))


if __name__ == "__main__":
    main()
