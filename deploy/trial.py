"""One command for a one-machine trial: N dashboard replicas behind nginx, sharing one PostgreSQL.

    .venv/bin/python deploy/trial.py                      # 2 replicas, nginx on http://127.0.0.1:8080
    .venv/bin/python deploy/trial.py --replicas 3 --port 9000 --run-dir /srv/stp-trial

Waits until every replica and nginx answer /_stcore/health, prints the address, and stops everything on Ctrl-C
(nginx, then the replicas, then PostgreSQL). Logs are in the run folder; see deploy/README.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy.cluster import Cluster, cluster


def describe(trial: Cluster) -> str:
    lines = [f"STP Progress trial: open {trial.url}", f"  run folder (logs, nginx config): {trial.run_dir}"]
    for replica in trial.replicas:
        lines.append(f"  replica {replica.url}  pid {replica.process.pid}  log {replica.log.name}")
    lines.append(f"  nginx pid {trial.nginx.process.pid}  access log {trial.nginx.access_log}")
    if trial.postgres:
        lines.append(f"  PostgreSQL: STP_DATABASE_URL={trial.database_url}  (data {trial.postgres.root / 'data'})")
    lines += [f"  note: {note}" for note in trial.notes]
    lines.append("Ctrl-C stops everything.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicas", type=int, default=2, help="Streamlit processes (default 2: one per core here)")
    p.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1 (0: any free port)")
    p.add_argument("--run-dir", type=Path, help="keep logs and the database here (default: a temporary folder)")
    p.add_argument("--no-postgres", action="store_true", help="replicas on their own SQLite: nothing shared")
    args = p.parse_args(argv)
    stop = threading.Event()
    # SIGTERM (e.g. from a service manager) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with cluster(args.replicas, args.port, args.run_dir, use_postgres=not args.no_postgres) as trial:
        print(describe(trial), flush=True)
        try:
            while not stop.wait(1):
                for process in [trial.nginx.process, *(r.process for r in trial.replicas)]:
                    if process.poll() is not None:
                        print(f"{process.args[0]} (pid {process.pid}) exited with {process.returncode}", flush=True)
                        stop.set()
        except KeyboardInterrupt:
            pass
        print("Stopping nginx, the replicas and PostgreSQL...", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
