"""Replicas: viewers with think time against 1 replica direct and 2 replicas behind nginx; publishing 100k rows.

The layout is deploy/cluster.py's trial (2 replicas, nginx, a private PostgreSQL), started once. Each crowd is N
websocket viewers (benchmarks/ws_client.py: real Streamlit sessions, no browser) arriving over --ramp-s; each opens
the overview, then keeps switching among three footprints and the overview with a random 5-15 s pause before each
page, until --duration-s is over. The same crowd runs against replica 1 on its own port ("1 replica") and against
nginx, which spreads viewers over both ("2 replicas"), interleaved per crowd size so both see the same machine.
Page ready = request sent (first page: websocket opened) until the run's script_finished, as in concurrency.py.

Reported per crowd: p50/p95 page ready (and against one viewer alone), errors, each replica's resident memory
(start/peak) and CPU use, sessions per replica, and the load generator's own CPU: on this 2-core machine the
viewers' client runs beside the servers, so "what limits it" is read from where the CPU went.

Then, if stp_data.store is there: a generated 100k-row metrics file is read and validated (what Load data does),
published to the trial's PostgreSQL, and another process that polls the store notes when it sees the new version
and how long reading and parsing it takes there (what a replica's next page run pays).

    .venv/bin/python benchmarks/replicas.py                       # 100 and 200 viewers, 5 min each (~25 min)
    .venv/bin/python benchmarks/replicas.py --duration-s 60 --viewers 100
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import common
from common import Row
from concurrency import WS_LOAD_TIMEOUT_S, WsResults, check_page, staggered, ws_crowd
from ws_client import StreamlitWsClient, active_sessions

from deploy.cluster import Cluster, Replica, cluster, nginx_binary, postgres_binaries

SESSION_TTL_S = 5  # server.disconnectedSessionTTL: a crowd's closed sessions are gone before the next crowd
TARGET_P95_S = 1.0  # the goal for 100 viewers on this machine
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- one viewer with think time -----------------------------------------------------------------------------


async def thinking_viewer(
    index: int, url: str, window: common.Deadline, think: tuple[float, float], results: WsResults
) -> None:
    """Overview, then footprint, footprint, footprint, overview... with a random pause before each, until the
    window closes. Seeded by index: the same crowd makes the same journeys in every layout."""
    rng = random.Random(index)
    names = common.footprint_names()
    codes = common.SWITCH_CODES[index % 3 :] + common.SWITCH_CODES[: index % 3]
    steps = [("footprint", code) for code in codes] + [("", None)]
    client = StreamlitWsClient(url)
    try:
        start = time.perf_counter()
        await client.connect(timeout_s=WS_LOAD_TIMEOUT_S)
        load = await client.load("", timeout_s=WS_LOAD_TIMEOUT_S)
        problems = check_page(load, client, "", None)
        if not problems:
            results.first.append(time.perf_counter() - start)
        step = 0
        while not problems and client.usable:
            pause = rng.uniform(*think)
            if window.left() < pause:
                break
            await asyncio.sleep(pause)
            path, code = steps[step % len(steps)]
            step += 1
            load = await client.load(path, f"stp={code}" if code else "", timeout_s=WS_LOAD_TIMEOUT_S)
            problems = check_page(load, client, path, names[code] if code else None)
            if not problems:
                (results.footprint if code else results.overview).append(load.seconds)
        results.errors += [f"viewer {index}: {p}" for p in problems]
        results.errors += [f"viewer {index}: between pages: {e}" for e in client.idle_errors]
        if not problems and not client.idle_errors:
            results.viewers_done += 1
    except Exception as exc:  # every failure counts; the benchmark reports them, never hides them
        results.errors.append(f"viewer {index}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await client.close()


async def thinking_crowd(
    url: str, viewers: int, ramp_s: float, duration_s: float, think: tuple[float, float]
) -> WsResults:
    results = WsResults()
    window = common.Deadline(duration_s)  # the ramp is inside the duration: the last to arrive still browse
    budget_s = duration_s + WS_LOAD_TIMEOUT_S + 30
    results.errors += await staggered(
        viewers, ramp_s, budget_s, lambda i: thinking_viewer(i, url, window, think, results)
    )
    return results


# --- what the replicas did meanwhile -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class ReplicaWatch(threading.Thread):
    """Every 2 s: each replica's resident memory and open sessions (its own /_stcore/metrics)."""

    def __init__(self, replicas: list[Replica]) -> None:
        super().__init__(daemon=True)
        self.replicas = replicas
        self.rss: dict[int, list[float]] = {r.port: [] for r in replicas}
        self.sessions: dict[int, list[int]] = {r.port: [] for r in replicas}
        self._halt = threading.Event()

    def run(self) -> None:
        for _ in range(5000):  # bounded, whatever happens to stop()
            for replica in self.replicas:
                self.rss[replica.port].append(common.tree_rss_mb(replica.process.pid))
                self.sessions[replica.port].append(active_sessions(replica.url, timeout_s=5) or 0)
            if self._halt.wait(2):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=15)


@dataclass
class Crowd:
    layout: str  # "1 replica" | "2 replicas"
    viewers: int
    results: WsResults
    wall_s: float
    rss_start_mb: dict[int, float]
    rss_peak_mb: dict[int, float]
    peak_sessions: dict[int, int]
    cpu_pct: dict[int, float]  # of one core, averaged over the crowd
    client_cpu_pct: float
    load_average: float = 0.0  # the machine's 1-minute load at the end: other work on the 2 shared cores shows here


def run_crowd(
    layout: str, url: str, trial: Cluster, viewers: int, ramp_s: float, duration_s: float, think: tuple[float, float]
) -> Crowd:
    watch = ReplicaWatch(trial.replicas)
    rss_start = {r.port: common.tree_rss_mb(r.process.pid) for r in trial.replicas}
    cpu_start = {r.port: cpu_seconds(r.process.pid) for r in trial.replicas}
    client_start = time.process_time()
    began = time.monotonic()
    watch.start()
    results = asyncio.run(thinking_crowd(url, viewers, ramp_s, duration_s, think))
    wall = time.monotonic() - began
    watch.stop()
    crowd = Crowd(
        layout=layout,
        viewers=viewers,
        results=results,
        wall_s=wall,
        rss_start_mb=rss_start,
        rss_peak_mb={port: max(samples, default=0.0) for port, samples in watch.rss.items()},
        peak_sessions={port: max(samples, default=0) for port, samples in watch.sessions.items()},
        cpu_pct={r.port: 100 * (cpu_seconds(r.process.pid) - cpu_start[r.port]) / wall for r in trial.replicas},
        client_cpu_pct=100 * (time.process_time() - client_start) / wall,
        load_average=os.getloadavg()[0],
    )
    settle(trial)
    return crowd


def settle(trial: Cluster) -> None:
    """Let closed sessions pass their TTL, then open and close one more on each replica: Streamlit frees expired
    sessions only when another one closes."""
    time.sleep(SESSION_TTL_S + 2)
    for replica in trial.replicas:
        asyncio.run(ws_crowd(replica.url, 1, 0, 0.0, 30, 0.0, 60))


# --- publishing 100k rows ------------------------------------------------------------------------------------

WATCHER = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from stp_data import store
from stp_data.loading import load_bundle
from stp_data.upload import parse_metrics_file
engine = store.make_engine(sys.argv[1])
codes = load_bundle().codes
before = store.revision(engine)
print("ready", flush=True)
deadline = time.monotonic() + 120
while store.revision(engine) == before and time.monotonic() < deadline:
    time.sleep(0.02)
seen = time.monotonic()
version = store.current_versions(engine)[-1]
data = store.content(engine, version.id)
fetched = time.monotonic()
parse_metrics_file(data, version.file_name, codes)
print(json.dumps({"seen": seen, "fetched": fetched, "parsed": time.monotonic(), "rows": version.rows}), flush=True)
"""


def publish_benchmark(database_url: str, rows: int) -> tuple[list[Row], dict[str, float]]:
    """Read + validate, publish (one transaction), and when a second process sees it and has it parsed."""
    from data_scale import make_csv

    from stp_data import store
    from stp_data.loading import load_bundle
    from stp_data.upload import parse_metrics_file

    with tempfile.TemporaryDirectory() as folder:
        data = make_csv(rows, Path(folder)).read_bytes()
    name = f"benchmark-{rows}-{int(time.time())}.csv"
    codes = load_bundle().codes
    watcher = subprocess.Popen(
        [common.PYTHON, "-c", WATCHER, database_url, str(common.ROOT)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert watcher.stdout is not None
        if watcher.stdout.readline().strip() != "ready":
            raise RuntimeError("the watcher process did not start")
        engine = store.make_engine(database_url)
        started = time.monotonic()
        upload = parse_metrics_file(data, name, codes)
        validated = time.monotonic()
        publisher = store.Actor("benchmark@trust.nhs.uk", store.Role.PUBLISHER)
        store.publish(engine, publisher, name, data, store.report_of(upload))
        published = time.monotonic()
        engine.dispose()
        # time.monotonic is one system-wide clock on Linux, so the two processes' times compare.
        seen = json.loads(watcher.communicate(timeout=180)[0].strip().splitlines()[-1])
    finally:
        if watcher.poll() is None:
            watcher.kill()
    times = {
        "bytes": len(data),
        "validate_s": validated - started,
        "publish_s": published - validated,
        "seen_after_commit_s": seen["seen"] - published,
        "other_fetch_s": seen["fetched"] - seen["seen"],
        "other_parse_s": seen["parsed"] - seen["fetched"],
    }
    label = f"{rows // 1000}k rows"
    rows_out = [
        Row(f"publish {label}: validate / store", f"{times['validate_s']:.2f} s / {times['publish_s']:.2f} s"),
        Row(f"publish {label}: seen by another process", f"{times['seen_after_commit_s'] * 1000:.0f} ms after commit"),
        Row(
            f"publish {label}: other process fetch / parse",
            f"{times['other_fetch_s']:.2f} s / {times['other_parse_s']:.2f} s",
        ),
    ]
    return rows_out, times


# --- report --------------------------------------------------------------------------------------------------


def pages_ms(values: list[float], q: float) -> float:
    return common.percentile(values, q) * 1000 if values else float("nan")


def describe_crowd(crowd: Crowd, alone_median: float, ports: list[int]) -> list[Row]:
    pages = crowd.results.pages()
    p50, p95 = pages_ms(pages, 50), pages_ms(pages, 95)
    tag = f"{crowd.viewers} viewers, {crowd.layout}"
    n_replicas = 1 if crowd.layout == "1 replica" else len(ports)
    used = ports[:n_replicas]
    print(f"  {tag}: {len(pages)} page loads in {crowd.wall_s:.0f} s, errors {len(crowd.results.errors)}, "
          f"viewers finished {crowd.results.viewers_done}/{crowd.viewers}")  # fmt: skip
    print(common.describe_ms("    first page (connect + overview)", crowd.results.first))
    print(common.describe_ms("    overview again", crowd.results.overview))
    print(common.describe_ms("    footprint", crowd.results.footprint))
    for port in ports:
        print(f"    replica :{port}: RSS {crowd.rss_start_mb[port]:.0f} -> peak {crowd.rss_peak_mb[port]:.0f} MB, "
              f"peak sessions {crowd.peak_sessions[port]}, CPU {crowd.cpu_pct[port]:.0f}% of a core")  # fmt: skip
    print(f"    load generator (this process): CPU {crowd.client_cpu_pct:.0f}% of a core; machine load average "
          f"{crowd.load_average:.1f} on {os.cpu_count()} cores")  # fmt: skip
    for error in crowd.results.errors[:5]:
        print(f"    {error}")
    # CPU seconds the replicas spent per page served: with think time t and c cores, about c / cpu_per_page pages
    # per second fit, i.e. c * t / cpu_per_page viewers before page runs queue (what limits the crowd).
    cpu_per_page = sum(crowd.cpu_pct[p] for p in used) / 100 * crowd.wall_s / max(1, len(pages))
    print(f"    replica CPU per page served: {cpu_per_page * 1000:.0f} ms")
    memory = " + ".join(f"{crowd.rss_peak_mb[p]:.0f}" for p in used)
    sessions = " / ".join(str(crowd.peak_sessions[p]) for p in used)
    rows = [
        Row(f"{tag}: p50 page ready", f"{p50:.0f} ms ({p50 / 1000 / alone_median:.1f}x alone)"),
        Row(
            f"{tag}: p95 page ready",
            f"{p95:.0f} ms ({p95 / 1000 / alone_median:.1f}x)",
            f"< {TARGET_P95_S * 1000:.0f} ms" if crowd.viewers <= 100 else "",
            p95 < TARGET_P95_S * 1000 if crowd.viewers <= 100 else None,
        ),
        Row(f"{tag}: errors", str(len(crowd.results.errors)), "0", not crowd.results.errors),
        Row(f"{tag}: peak RSS per replica", f"{memory} MB"),
        Row(f"{tag}: replica CPU per page", f"{cpu_per_page * 1000:.0f} ms"),
        Row(
            f"{tag}: sessions per replica / CPU",
            f"{sessions} / "
            + " + ".join(f"{crowd.cpu_pct[p]:.0f}%" for p in used)
            + f" (client {crowd.client_cpu_pct:.0f}%)",
        ),
    ]
    return rows


def alone(trial: Cluster) -> tuple[float, float]:
    """One viewer, nothing else running: median page ready direct and through nginx (no pauses)."""
    direct, proxied = WsResults(), WsResults()
    for _ in range(2):
        direct.extend(asyncio.run(ws_crowd(trial.replicas[0].url, 1, 2, 0.0, 60, 0.0, 120)), "alone direct: ")
        proxied.extend(asyncio.run(ws_crowd(trial.url, 1, 2, 0.0, 60, 0.0, 120)), "alone nginx: ")
    if direct.errors or proxied.errors:
        print("  alone errors:", (direct.errors + proxied.errors)[:5])
    return common.median(direct.pages()), common.median(proxied.pages())


def run(args: object) -> list[Row]:
    think = (args.think_min_s, args.think_max_s)
    rows: list[Row] = []
    details: dict[str, object] = {"duration_s": args.duration_s, "ramp_s": args.ramp_s, "think_s": think}
    budget = common.Deadline(args.budget_s)
    replica_args = ["--server.disconnectedSessionTTL", str(SESSION_TTL_S)]
    with cluster(replicas=args.replicas, replica_args=replica_args, use_postgres=True) as trial:
        ports = [r.port for r in trial.replicas]
        for replica in trial.replicas:  # warm-up: imports, caches and every page once, in each process
            asyncio.run(ws_crowd(replica.url, 1, 1, 0.0, 60, 0.0, 120))
        # The first session starts each replica's background build of every footprint's figures
        # (STP_WARM_CACHES=1, set by deploy/cluster.py): let it finish, as a deployment would before opening.
        time.sleep(args.warm_wait_s)
        alone_direct, alone_nginx = alone(trial)
        print(f"Replicas: {args.replicas} replicas behind nginx ({trial.run_dir}); crowds of {args.viewers} "
              f"viewers, {args.duration_s:.0f} s each incl. a {args.ramp_s:.0f} s ramp, "
              f"{think[0]:.0f}-{think[1]:.0f} s between pages")  # fmt: skip
        print(f"  one viewer alone: median page ready {alone_direct * 1000:.0f} ms direct, "
              f"{alone_nginx * 1000:.0f} ms through nginx")  # fmt: skip
        rows.append(Row("alone: page ready direct / nginx", f"{alone_direct * 1000:.0f} / {alone_nginx * 1000:.0f} ms"))
        crowds: list[Crowd] = []
        for viewers in args.viewers:
            for layout in args.layouts:
                need_s = args.duration_s + WS_LOAD_TIMEOUT_S + 30
                if budget.left() < need_s:
                    print(f"  skipped {viewers} viewers, {layout}: not enough of the {args.budget_s:.0f} s budget left")
                    continue
                url = trial.replicas[0].url if layout == "direct" else trial.url
                name = "1 replica" if layout == "direct" else f"{args.replicas} replicas"
                crowd = run_crowd(name, url, trial, viewers, args.ramp_s, args.duration_s, think)
                rows += describe_crowd(crowd, alone_direct, ports)
                crowds.append(crowd)
        details["crowds"] = [
            {**{k: v for k, v in c.__dict__.items() if k != "results"}, "results": c.results.__dict__} for c in crowds
        ]
        if args.publish_rows and trial.migrated and trial.database_url:
            publish_rows, times = publish_benchmark(trial.database_url, args.publish_rows)
            print(f"  publish {args.publish_rows} rows ({times['bytes'] / 1e6:.1f} MB): {json.dumps(times)}")
            rows += publish_rows
            details["publish"] = times
        elif args.publish_rows:
            print("  publish: skipped (stp_data.store not importable or no PostgreSQL)")
    common.save_rows("replicas", rows, details)
    return rows


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=1, budget_s=3600)
    p.add_argument("--viewers", type=int, nargs="+", default=[100, 200], help="crowd sizes (default 100 200)")
    p.add_argument("--duration-s", type=float, default=300, help="each crowd, ramp included (default 300: 5 min)")
    p.add_argument("--ramp-s", type=float, default=30, help="viewers arrive spread over this many seconds")
    p.add_argument("--think-min-s", type=float, default=5)
    p.add_argument("--think-max-s", type=float, default=15)
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--warm-wait-s", type=float, default=60, help="wait for the replicas' cache warm-up (default 60)")
    p.add_argument(
        "--layouts", nargs="+", choices=("direct", "nginx"), default=["direct", "nginx"], help="direct = 1 replica"
    )
    p.add_argument("--publish-rows", type=int, default=100_000, help="0 to skip the publishing benchmark")
    args = p.parse_args(argv)
    if nginx_binary() is None or postgres_binaries() is None:
        sys.exit("needs Debian's nginx and postgresql packages (bash .ci/setup dev installs them)")
    if min(args.viewers) < 1 or args.duration_s <= args.ramp_s or args.think_min_s > args.think_max_s:
        sys.exit("--viewers >= 1, --duration-s > --ramp-s, --think-min-s <= --think-max-s")
    common.print_rows(run(args))


if __name__ == "__main__":
    main()
