"""Reading nginx's access log and each replica's own counters, for the deploy tests."""

from __future__ import annotations

import re
import time
import urllib.request
from dataclasses import dataclass

from playwright.sync_api import Browser, BrowserContext

from deploy.cluster import AFFINITY_COOKIE, Cluster

LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ upstream=(?P<upstream>\S+(?:, \S+)*) '
    r"affinity=(?P<affinity>\S+)"
)


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    status: int
    upstream: str
    affinity: str


def access_log(trial: Cluster) -> list[Logged]:
    entries = []
    for line in trial.nginx.access_log.read_text().splitlines():
        match = LOG_LINE.search(line)
        if match:
            entries.append(
                Logged(
                    match["method"],
                    match["path"],
                    int(match["status"]),
                    match["upstream"].split(", ")[-1],  # after a retry: the replica that answered
                    match["affinity"],
                )
            )
    return entries


def logged_for(trial: Cluster, affinity: str, path_prefix: str = "", at_least: int = 1) -> list[Logged]:
    """The access log's lines for one browser. nginx writes a line when a request ends (a websocket's when it
    closes), a moment after the client has its answer: so wait, up to 10 s, for the lines expected."""
    deadline = time.monotonic() + 10
    while True:
        found = [e for e in access_log(trial) if e.affinity == affinity and e.path.startswith(path_prefix)]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def active_sessions(url: str) -> int:
    """Open websocket sessions in one replica, from its own /_stcore/metrics (not through nginx)."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics?families=active_sessions", timeout=10) as response:
        text = response.read().decode()
    return next(int(float(line.split()[-1])) for line in text.splitlines() if line.startswith("active_sessions"))


def affinity_cookie(context: BrowserContext) -> str:
    values = [c["value"] for c in context.cookies() if c["name"] == AFFINITY_COOKIE]
    assert len(values) == 1, context.cookies()
    return values[0]


def new_context(chromium: Browser, base_url: str) -> BrowserContext:
    return chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
