"""Faults under load: a replica SIGKILLed, and PostgreSQL restarted, while 50 viewers with think time browse.

The layout is deploy/cluster.py's trial (2 replicas behind nginx, a private PostgreSQL), started once. Each viewer is
a websocket session (benchmarks/ws_client.py) carrying its own affinity cookie, as a browser does, so nginx pins it
to one replica. It opens the overview, then switches among three footprints and the overview with a random pause.
Like Streamlit's page in a browser, a viewer whose websocket closes reconnects at once (nginx then picks a replica
that answers) and asks again for the view it was showing.

* replica kill: after --before-s, one replica is SIGKILLed. Counted: the page loads that failed (a load in flight
  when the socket closed, a reconnect refused), the viewers moved, and the seconds from the kill until each moved
  viewer had its view drawn again (median and the last one: "every viewer served again"). The killed replica is
  restarted between runs (Cluster.restart_replica) and left dead after the last one; the cluster then stops.
* database restart: PostgreSQL is stopped (pg_ctl -m fast) for --outage-s, then started. Counted: page loads that
  failed (the aim: none), loads showing the "Published data unavailable" banner, the seconds from PostgreSQL's
  return until no replica shows the banner (needs dashboard.py to call publish.outage_banner()), and until a publish
  through a fresh engine succeeds (a publish during the outage fails; afterwards no half-written rows).

    .venv/bin/python benchmarks/faults.py                  # 3 runs of each fault (~12 min)
    .venv/bin/python benchmarks/faults.py --runs 1 --viewers 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import common
from common import Row
from concurrency import WS_LOAD_TIMEOUT_S, check_page
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.typing import Origin, Subprotocol
from ws_client import PageLoad, StreamlitWsClient

from deploy.cluster import AFFINITY_COOKIE, Cluster, cluster, nginx_binary, postgres_binaries

BANNER = "Published data unavailable since"
RECONNECT_PAUSE_S = 1.0  # Streamlit's frontend waits about this long before its first reconnect attempt
SESSION_TTL_S = 5  # server.disconnectedSessionTTL: closed sessions go quickly between runs


class PinnedClient(StreamlitWsClient):
    """A viewer with a browser's affinity cookie (so nginx keeps it on one replica) that notices the banner."""

    def __init__(self, base_url: str, cookie: str) -> None:
        super().__init__(base_url)
        self.cookie = cookie
        self.banner = False  # the last load showed the outage banner

    async def connect(self, timeout_s: float = 30) -> None:
        # As a browser does before its websocket (the page, then /_stcore/host-config): a plain request that ends.
        # It matters after a replica returns: nginx hands a once-failed replica one request per fail_timeout until
        # a request to it has *ended* well, which a websocket does only when it closes.
        await asyncio.to_thread(self._host_config, timeout_s)
        self._ws = await connect(
            self.ws_url,
            subprotocols=[Subprotocol("streamlit")],
            origin=Origin(self.base_url),
            additional_headers={"Cookie": f"{AFFINITY_COOKIE}={self.cookie}"},
            open_timeout=timeout_s,
            max_size=None,
            max_queue=64,
            ping_interval=None,
            close_timeout=5,
        )
        self._reader = asyncio.create_task(self._read_forever(), name="st-ws-reader")

    def _host_config(self, timeout_s: float) -> None:
        request = urllib.request.Request(
            f"{self.base_url}/_stcore/host-config", headers={"Cookie": f"{AFFINITY_COOKIE}={self.cookie}"}
        )
        urllib.request.urlopen(request, timeout=timeout_s).close()

    async def load(self, url_path: str = "", query_string: str = "", *, timeout_s: float = 60) -> PageLoad:
        self.banner = False
        return await super().load(url_path, query_string, timeout_s=timeout_s)

    def _on_delta(self, msg: ForwardMsg, load: PageLoad | None) -> None:
        super()._on_delta(msg, load)
        element = msg.delta.new_element if msg.delta.WhichOneof("type") == "new_element" else None
        if element is not None and element.WhichOneof("type") == "alert" and BANNER in element.alert.body:
            self.banner = True


@dataclass
class Tally:
    fault_started: float = 0.0  # time.monotonic() just before the fault: failures from here on are its doing
    fault_at: float = 0.0  # time.monotonic() of the kill / of PostgreSQL's return: recovery is timed from here
    failed_loads: list[tuple[float, str]] = field(default_factory=list)
    served: list[tuple[float, int, bool]] = field(default_factory=list)  # (when, viewer, banner shown)
    moved: dict[int, float] = field(default_factory=dict)  # viewer -> first failure after the fault
    back: dict[int, float] = field(default_factory=dict)  # viewer -> first page drawn after that failure


async def viewer(index: int, url: str, window: common.Deadline, think: tuple[float, float], tally: Tally) -> None:
    rng = random.Random(index)
    names = common.footprint_names()
    codes = common.SWITCH_CODES[index % 3 :] + common.SWITCH_CODES[: index % 3]
    steps = [("footprint", code) for code in codes] + [("", None)]
    view: tuple[str, str | None] = ("", None)
    cookie = f"bench-{index}-{secrets.token_hex(4)}"
    client: PinnedClient | None = None
    step = 0
    try:
        while not window.expired():
            if client is None or not client.usable:
                if client is not None:
                    await client.close()
                    await asyncio.sleep(RECONNECT_PAUSE_S)
                client = PinnedClient(url, cookie)
                try:
                    await client.connect(timeout_s=WS_LOAD_TIMEOUT_S)
                except Exception as exc:  # refused, reset: a browser shows "Connecting" and tries again
                    note(tally, index, f"connect: {type(exc).__name__}")
                    client = None
                    continue
            else:
                pause = rng.uniform(*think)
                end = time.monotonic() + min(pause, window.left())
                while time.monotonic() < end and client.usable:  # a browser notices a closed socket at once
                    await asyncio.sleep(0.2)
                if not client.usable or window.expired():
                    if not client.usable:
                        note(tally, index, "websocket closed while reading")
                    continue
                view = steps[step % len(steps)]
                step += 1
            path, code = view
            load = await client.load(path, f"stp={code}" if code else "", timeout_s=WS_LOAD_TIMEOUT_S)
            problems = check_page(load, client, path, names[code] if code else None)
            if problems:
                note(tally, index, problems[0][:160])
                continue
            now = time.monotonic()
            tally.served.append((now, index, client.banner))
            if index in tally.moved and index not in tally.back:
                tally.back[index] = now
    finally:
        if client is not None:
            await client.close()


def note(tally: Tally, index: int, problem: str) -> None:
    now = time.monotonic()
    tally.failed_loads.append((now, f"viewer {index}: {problem}"))
    if tally.fault_started and now >= tally.fault_started and index not in tally.moved:
        tally.moved[index] = now


async def crowd_with_fault(
    url: str,
    viewers: int,
    ramp_s: float,
    before_s: float,
    after_s: float,
    think: tuple[float, float],
    fault: Callable[[], float],
) -> Tally:
    """`fault` (blocking, run in a thread) is called `before_s` after the first viewer arrives; it returns when
    the fault's clock starts (the kill, or PostgreSQL answering again)."""
    tally = Tally()
    window = common.Deadline(before_s + after_s)

    async def start(i: int) -> None:
        await asyncio.sleep(ramp_s * i / max(1, viewers))
        await viewer(i, url, window, think, tally)

    tasks = [asyncio.create_task(start(i)) for i in range(viewers)]
    await asyncio.sleep(before_s)
    tally.fault_started = time.monotonic()
    tally.fault_at = await asyncio.to_thread(fault)
    _, pending = await asyncio.wait(tasks, timeout=after_s + WS_LOAD_TIMEOUT_S + 30)
    for task in pending:
        task.cancel()
    return tally


# --- the two faults ---------------------------------------------------------------------------------------------


def kill_run(trial: Cluster, args: argparse.Namespace) -> dict[str, Any]:
    victim = trial.replicas[0]

    def kill() -> float:
        killed = time.monotonic()
        victim.kill()
        return killed

    think = (args.think_min_s, args.think_max_s)
    tally = asyncio.run(
        crowd_with_fault(trial.url, args.viewers, args.ramp_s, args.before_s, args.after_s, think, kill)
    )
    waits = [tally.back[i] - tally.moved[i] for i in tally.moved if i in tally.back]
    since_kill = [tally.back[i] - tally.fault_at for i in tally.back]
    return {
        "viewers": args.viewers,
        "moved": len(tally.moved),
        "not_back": len(set(tally.moved) - set(tally.back)),
        "failed_loads": sum(1 for when, _ in tally.failed_loads if when >= tally.fault_started),
        "failed_before_fault": sum(1 for when, _ in tally.failed_loads if when < tally.fault_started),
        "back_s": sorted(round(tally.back[i] - tally.fault_at, 1) for i in tally.back),
        "load_average": os.getloadavg()[0],
        "median_back_s": statistics.median(since_kill) if since_kill else float("nan"),
        "all_back_s": max(since_kill) if since_kill else float("nan"),
        "median_wait_s": statistics.median(waits) if waits else float("nan"),
        "pages_after": sum(1 for when, _, _ in tally.served if when >= tally.fault_at),
        "failures": [f"{when - tally.fault_at:+.1f} s {text}" for when, text in tally.failed_loads[:12]],
    }


def database_run(trial: Cluster, args: argparse.Namespace) -> dict[str, Any]:
    from stp_data import store

    assert trial.postgres is not None
    publisher = store.Actor("bench@trust.nhs.uk", store.Role.PUBLISHER)
    report = {"kind": "metrics", "rows_read": 1, "rows_accepted": 1, "rows_rejected": 0, "notes": []}
    outcome: dict[str, Any] = {}

    def restart() -> float:
        trial.postgres.stop()
        stopped = time.monotonic()
        engine = store.make_engine(trial.database_url)
        try:
            store.publish(engine, publisher, "bench-outage.csv", b"code,measure,period,value\n", report)
            outcome["publish_during_outage_ok"] = 1
        except Exception:
            outcome["publish_during_outage_ok"] = 0
        time.sleep(max(0.0, args.outage_s - (time.monotonic() - stopped)))
        trial.postgres.start()
        returned = time.monotonic()
        for _ in range(600):  # a publish through a fresh engine, as a publisher pressing the button again
            try:
                name = f"bench-{secrets.token_hex(3)}.csv"
                store.publish(engine, publisher, name, b"code,measure,period,value\nE54000034,x,Sep 2026,1\n", report)
                break
            except Exception:
                time.sleep(0.1)
        outcome["publish_back_s"] = time.monotonic() - returned
        outcome["outage_s"] = returned - stopped
        engine.dispose()
        return returned

    think = (args.think_min_s, args.think_max_s)
    tally = asyncio.run(
        crowd_with_fault(trial.url, args.viewers, args.ramp_s, args.before_s, args.after_s, think, restart)
    )
    banners_after = [when for when, _, banner in tally.served if banner and when >= tally.fault_at]
    outcome.update(
        viewers=args.viewers,
        failed_loads=len(tally.failed_loads),
        pages_with_banner=sum(1 for _, _, banner in tally.served if banner),
        pages=len(tally.served),
        banner_gone_s=(max(banners_after) - tally.fault_at) if banners_after else 0.0,
        failures=[f"{when - tally.fault_at:+.1f} s {text}" for when, text in tally.failed_loads[:12]],
    )
    return outcome


def settle(trial: Cluster) -> None:
    time.sleep(SESSION_TTL_S + 2)


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in runs if key in r and r[key] == r[key]]  # NaN != NaN: runs with nothing to measure
    return statistics.median(values) if values else float("nan")


def run(args: argparse.Namespace) -> list[Row]:
    replica_args = ["--server.disconnectedSessionTTL", str(SESSION_TTL_S)]
    kills: list[dict[str, Any]] = []
    restarts: list[dict[str, Any]] = []
    with cluster(replicas=2, replica_args=replica_args, use_postgres=True) as trial:
        time.sleep(args.warm_wait_s)  # the replicas' background cache warm-up, as a deployment before opening
        for number in range(args.runs):
            if "database" in args.faults and trial.migrated:
                restarts.append(database_run(trial, args))
                print(f"  database restart run {number + 1}: {restarts[-1]}", flush=True)
                settle(trial)
            if "replica" in args.faults:
                kills.append(kill_run(trial, args))
                print(f"  replica kill run {number + 1}: {kills[-1]}", flush=True)
                if number + 1 < args.runs:
                    trial.restart_replica(0)
                    time.sleep(args.warm_wait_s)
                settle(trial)
    rows: list[Row] = []
    if kills:
        rows += [
            Row(f"replica kill ({args.viewers} viewers): moved", f"{median_of(kills, 'moved'):.0f} viewers"),
            Row("replica kill: failed loads after the kill", f"{median_of(kills, 'failed_loads'):.0f}"),
            Row("replica kill: viewers never back", f"{median_of(kills, 'not_back'):.0f}", "0"),
            Row("replica kill: median moved viewer back", f"{median_of(kills, 'median_back_s'):.1f} s"),
            Row("replica kill: every viewer served again", f"{median_of(kills, 'all_back_s'):.1f} s"),
        ]
    if restarts:
        rows += [
            Row(
                f"database restart ({args.outage_s:.0f} s down): failed loads",
                f"{median_of(restarts, 'failed_loads'):.0f}",
                "0",
            ),
            Row("database restart: pages with the banner", f"{median_of(restarts, 'pages_with_banner'):.0f}"),
            Row("database restart: banner gone after return", f"{median_of(restarts, 'banner_gone_s'):.1f} s", "30 s"),
            Row("database restart: publish works after return", f"{median_of(restarts, 'publish_back_s'):.1f} s"),
        ]
    common.save_rows("faults", rows, {"kills": kills, "restarts": restarts, "args": vars(args)})
    return rows


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=3, budget_s=1800)
    p.add_argument("--viewers", type=int, default=50)
    p.add_argument("--ramp-s", type=float, default=10, help="viewers arrive spread over this many seconds")
    p.add_argument("--before-s", type=float, default=25, help="browsing before the fault (ramp included)")
    p.add_argument("--after-s", type=float, default=40, help="browsing after the fault")
    p.add_argument("--outage-s", type=float, default=10, help="how long PostgreSQL stays down")
    p.add_argument("--think-min-s", type=float, default=2)
    p.add_argument("--think-max-s", type=float, default=6)
    p.add_argument("--warm-wait-s", type=float, default=30, help="wait for a replica's cache warm-up (default 30)")
    p.add_argument("--faults", nargs="+", choices=("replica", "database"), default=["database", "replica"])
    args = p.parse_args(argv)
    if nginx_binary() is None or postgres_binaries() is None:
        sys.exit("needs Debian's nginx and postgresql packages (bash .ci/setup dev installs them)")
    common.print_rows(run(args))


if __name__ == "__main__":
    main()
