"""Server CPU per page served, and the websocket bytes of a cold page, without a browser.

One `streamlit run dashboard.py`; websocket clients (ws_client.StreamlitWsClient) ask for pages one at a time
and the server process's CPU seconds (utime + stime from /proc, all its threads) are read before and after each
batch. Batches:

* `overview`: a fresh session's overview, again and again (each a new client, so no message cache);
* `footprint`: a fresh session's footprint deep link, cycling through Frimley, Lincolnshire and Dorset;
* `mix`: the viewer journey of replicas.py (overview, then three footprints, then the overview again...), one
  client per journey, so later pages may use its message cache as a browser's would.

CPU per page is what a replica pays per page view; `replicas.py` turns it into queueing under a crowd. One
client at a time, so the number is the server's own work, not contention (the client's CPU is not counted).

With --warm the server runs as a replica does (STP_WARM_CACHES=1: every footprint's figures built in the background,
then frozen out of the collector's sight) and measuring starts once that warm-up is done (minutes on a busy
machine); without it, only the pages the warm-up journey opens are built first. One idle session stays
connected throughout, as other viewers would be: when a server's last session closes, Streamlit drops its compiled
scripts, and every next page would pay for compiling dashboard.py and the page again.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import common
from common import Row
from ws_client import PageLoad, StreamlitWsClient

TARGET_MS = 40.0  # the goal for the viewer mix
MIX_STEPS = [("footprint", code) for code in common.SWITCH_CODES] + [("", None)]


@dataclass
class Batch:
    """Pages served in one batch, the server's CPU seconds for them, and each page's websocket bytes."""

    name: str
    pages: int = 0
    cpu_s: float = 0.0
    bytes_received: list[int] = field(default_factory=list)
    wire_bytes: list[int] = field(default_factory=list)  # compressed, when the server compresses
    errors: list[str] = field(default_factory=list)

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else float("nan")


def query(code: str | None) -> str:
    return f"stp={code}" if code else ""


async def fresh_pages(url: str, path: str, codes: tuple[str | None, ...]) -> list[PageLoad]:
    """One page per code, each from a new session (a first visit: no message cache)."""
    loads = []
    for code in codes:
        async with StreamlitWsClient(url) as client:
            await client.connect()
            loads.append(await client.load(path, query(code)))
    return loads


async def journey(url: str, pages: int) -> list[PageLoad]:
    """One viewer: overview, then footprints and the overview in replicas.py's order."""
    loads = []
    async with StreamlitWsClient(url) as client:
        await client.connect()
        loads.append(await client.load(""))
        for step in range(pages - 1):
            path, code = MIX_STEPS[step % len(MIX_STEPS)]
            loads.append(await client.load(path, query(code)))
    return loads


@asynccontextmanager
async def bystander(url: str) -> AsyncIterator[None]:
    """A viewer who opened the overview and stays: the server always has a session, as a shared one does."""
    async with StreamlitWsClient(url) as client:
        await client.connect()
        await client.load("")
        yield


async def measure(pid: int, batch: Batch, work: Awaitable[list[PageLoad]]) -> None:
    before = common.cpu_seconds(pid)
    loads = await work
    batch.cpu_s += common.cpu_seconds(pid) - before
    batch.pages += len(loads)
    batch.bytes_received += [load.bytes_received for load in loads]
    batch.wire_bytes += [load.wire_bytes for load in loads]
    batch.errors += [error for load in loads for error in load.errors]


async def one_round(url: str, pid: int, pages: int, batches: dict[str, Batch]) -> None:
    await measure(pid, batches["overview"], fresh_pages(url, "", (None,) * 3))
    await measure(pid, batches["footprint"], fresh_pages(url, "footprint", common.SWITCH_CODES))
    await measure(pid, batches["mix"], journey(url, pages))


BARE_PAGES_PER_ROUND = 6


async def measure_batches(
    servers: list[common.Server], pages: int, rounds: int, budget_s: float, bare: common.Server
) -> tuple[list[dict[str, Batch]], Batch]:
    """Each server's batches; with two servers, rounds alternate between them and which goes first flips. Every
    round also serves the bare page (benchmarks/baseline_app.py) a few times: the CPU a page costs on this machine
    at this moment, which the dashboard's figures are divided by (the VM's speed varies by a third between runs)."""
    results = [{name: Batch(name) for name in ("overview", "footprint", "mix")} for _ in servers]
    bare_batch = Batch("bare")
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(bystander(bare.url))
        await fresh_pages(bare.url, "", (None,) * 3)
        for server in servers:
            await stack.enter_async_context(bystander(server.url))
            # Warm-up (excluded): imports, the pages' shared figures (and with --warm, every footprint's).
            await journey(server.url, 1 + len(MIX_STEPS))
            waited = await asyncio.to_thread(common.wait_idle, server.pid, 3.0, 900.0)
            print(f"warm-up of {server.script} done after {waited:.0f} s", file=sys.stderr)
        deadline = common.Deadline(budget_s)
        for round_number in range(rounds):  # rounds interleave, so load from other jobs falls on all of them
            if deadline.expired():
                print("budget reached", file=sys.stderr)
                break
            order = list(range(len(servers)))
            if round_number % 2:
                order.reverse()
            for index in order:
                await one_round(servers[index].url, servers[index].pid, pages, results[index])
            await measure(bare.pid, bare_batch, fresh_pages(bare.url, "", (None,) * BARE_PAGES_PER_ROUND))
    return results, bare_batch


def run(pages: int, rounds: int, budget_s: float, warm: bool = False, against: Path | None = None) -> list[Row]:
    with ExitStack() as stack:
        servers = []
        for root in (common.ROOT, against) if against else (common.ROOT,):
            env = stack.enter_context(common.empty_state(**(common.WARM_ENV if warm else {})))
            servers.append(stack.enter_context(common.streamlit_server(root / "dashboard.py", env=env, cwd=root)))
        bare = stack.enter_context(common.streamlit_server(common.BENCH / "baseline_app.py"))
        results, bare_batch = asyncio.run(measure_batches(servers, pages, rounds, budget_s, bare))
        # Memory after all the runs: what skipping the post-run full collection (runner.postScriptGC) costs.
        memory = [common.tree_rss_mb(server.pid) for server in servers]
    rows = [*describe(results[0], ""), Row("server memory after the runs", f"{memory[0]:.0f} MiB")]
    if against:
        rows += [
            *describe(results[1], f" ({against})"),
            Row(f"memory after the runs ({against})", f"{memory[1]:.0f} MiB"),
        ]
    rows += bare_rows(bare_batch, results)
    common.save_rows(
        "cpu_per_page",
        rows,
        {str(s.script): {n: b.__dict__ for n, b in r.items()} for s, r in zip(servers, results, strict=True)},
    )
    return rows


def bare_rows(bare: Batch, results: list[dict[str, Batch]]) -> list[Row]:
    """The bare page's CPU in the same run, and each server's viewer mix as a multiple of it."""
    if not bare.pages:
        return []
    rows = [
        Row("server CPU per page: bare Streamlit page, same run", f"{bare.cpu_ms_per_page:.1f} ms (n={bare.pages})")
    ]
    for index, batches in enumerate(results):
        label = "" if index == 0 else " (against)"
        ratio = batches["mix"].cpu_ms_per_page / bare.cpu_ms_per_page
        rows.append(Row(f"viewer mix ÷ bare page{label}", f"{ratio:.1f}×"))
    return rows


def describe(batches: dict[str, Batch], label: str) -> list[Row]:
    print(f"Server CPU per page{label}")
    rows = []
    for batch in batches.values():
        if not batch.pages:
            continue
        cold = common.median(batch.bytes_received) if batch.name != "mix" else sum(batch.bytes_received) / batch.pages
        wire = common.median(batch.wire_bytes) if batch.name != "mix" else sum(batch.wire_bytes) / batch.pages
        print(
            f"  {batch.name:<10} pages {batch.pages:<4} CPU {batch.cpu_ms_per_page:6.1f} ms/page   "
            f"websocket {cold / 1024:7.1f} kB/page ({wire / 1024:.1f} kB on the wire)   errors {len(batch.errors)}"
        )
        for error in batch.errors[:5]:
            print(f"    {error}", file=sys.stderr)
        ok = batch.cpu_ms_per_page <= TARGET_MS and not batch.errors if batch.name == "mix" else None
        rows.append(
            Row(
                f"server CPU per page: {batch.name}{label}",
                f"{batch.cpu_ms_per_page:.1f} ms (n={batch.pages})",
                f"<= {TARGET_MS:.0f} ms" if batch.name == "mix" and not label else "",
                ok if not label else None,
            )
        )
        rows.append(Row(f"websocket bytes per page: {batch.name}{label}", f"{cold / 1024:.1f} kB"))
        rows.append(Row(f"bytes on the wire per page: {batch.name}{label}", f"{wire / 1024:.1f} kB"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = common.parser(__doc__.splitlines()[0], runs=5, budget_s=300)
    parser.add_argument("--pages", type=int, default=9, help="pages per journey in the mix batch (default 9)")
    parser.add_argument("--warm", action="store_true", help="every footprint built and frozen first, as on a replica")
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout (e.g. `git archive COMMIT | tar -x -C DIR`, with its .venv linked) measured in the "
        "same run, rounds alternating",
    )
    args = parser.parse_args(argv)
    common.print_rows(run(args.pages, args.runs, args.budget_s, args.warm, args.against))


if __name__ == "__main__":
    main()
