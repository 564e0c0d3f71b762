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
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import common
from common import Row
from ws_client import PageLoad, StreamlitWsClient

CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_MS = 40.0  # the goal for the viewer mix
MIX_STEPS = [("footprint", code) for code in common.SWITCH_CODES] + [("", None)]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class Batch:
    """Pages served in one batch, the server's CPU seconds for them, and each page's websocket bytes."""

    name: str
    pages: int = 0
    cpu_s: float = 0.0
    bytes_received: list[int] = field(default_factory=list)
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


def measure(pid: int, batch: Batch, work: Callable[[], Awaitable[list[PageLoad]]]) -> None:
    before = cpu_seconds(pid)
    loads = asyncio.run(work())
    batch.cpu_s += cpu_seconds(pid) - before
    batch.pages += len(loads)
    batch.bytes_received += [load.bytes_received for load in loads]
    batch.errors += [error for load in loads for error in load.errors]


def run(pages: int, rounds: int, budget_s: float) -> list[Row]:
    deadline = common.Deadline(budget_s)
    batches = {name: Batch(name) for name in ("overview", "footprint", "mix")}
    with common.streamlit_server(common.DASHBOARD) as server:
        # Warm-up (excluded): imports and the shared caches of every footprint the batches open.
        asyncio.run(journey(server.url, 1 + len(MIX_STEPS)))
        for _ in range(rounds):  # rounds interleave the batches, so load from other jobs falls on all of them
            if deadline.expired():
                print("budget reached", file=sys.stderr)
                break
            measure(server.pid, batches["overview"], lambda: fresh_pages(server.url, "", (None,) * 3))
            measure(server.pid, batches["footprint"], lambda: fresh_pages(server.url, "footprint", common.SWITCH_CODES))
            measure(server.pid, batches["mix"], lambda: journey(server.url, pages))
    rows = []
    for batch in batches.values():
        cold = common.median(batch.bytes_received) if batch.name != "mix" else sum(batch.bytes_received) / batch.pages
        print(
            f"  {batch.name:<10} pages {batch.pages:<4} CPU {batch.cpu_ms_per_page:6.1f} ms/page   "
            f"websocket {cold / 1024:7.1f} kB/page   errors {len(batch.errors)}"
        )
        for error in batch.errors[:5]:
            print(f"    {error}", file=sys.stderr)
        ok = batch.cpu_ms_per_page <= TARGET_MS and not batch.errors if batch.name == "mix" else None
        rows.append(
            Row(
                f"server CPU per page: {batch.name}",
                f"{batch.cpu_ms_per_page:.1f} ms (n={batch.pages})",
                f"<= {TARGET_MS:.0f} ms" if batch.name == "mix" else "",
                ok,
            )
        )
        rows.append(Row(f"websocket bytes per page: {batch.name}", f"{cold / 1024:.1f} kB"))
    common.save_rows("cpu_per_page", rows, {name: batch.__dict__ for name, batch in batches.items()})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = common.parser(__doc__.splitlines()[0], runs=5, budget_s=300)
    parser.add_argument("--pages", type=int, default=9, help="pages per journey in the mix batch (default 9)")
    args = parser.parse_args(argv)
    common.print_rows(run(args.pages, args.runs, args.budget_s))


if __name__ == "__main__":
    main()
