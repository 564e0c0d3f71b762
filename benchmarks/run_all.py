"""Run every benchmark in sequence, each in its own process, then print one summary table.

    .venv/bin/python benchmarks/run_all.py            # full run, about 15 minutes on 2 cores
    .venv/bin/python benchmarks/run_all.py --quick    # fewer repetitions, 3 viewers

Each script also runs alone (see its --help). Results, server logs, profiles and screenshots go to
benchmarks/results/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import common

# (script, arguments for a full run, arguments for --quick); every run is bounded by its own --budget-s.
PLAN: list[tuple[str, list[str], list[str]]] = [
    ("first_paint", ["--runs", "7"], ["--runs", "5"]),
    ("interaction", ["--runs", "5", "--app-runs", "15"], ["--runs", "3", "--app-runs", "7"]),
    ("payload", ["--runs", "2"], ["--runs", "1"]),
    ("data_scale", ["--runs", "3"], ["--runs", "1", "--sizes", "10000", "100000"]),
    # Each viewer is a real Chromium page (software WebGL): on a 2-core machine 10 at once already saturate the
    # CPUs, so the default here is 5; pass --viewers 50 to concurrency.py on a machine with the cores for it.
    (
        "concurrency",
        ["--viewers", "5", "--browsers", "2", "--runs", "3"],
        ["--viewers", "3", "--runs", "2", "--settle-s", "30"],
    ),
]
SCRIPT_TIMEOUT_S = 900  # hard stop per script, beyond each script's own budget


def run_script(name: str, args: list[str]) -> tuple[int, float]:
    print(f"\n=== {name} {' '.join(args)}", flush=True)
    start = time.monotonic()
    try:
        completed = subprocess.run(
            [common.PYTHON, str(common.BENCH / f"{name}.py"), *args], cwd=common.ROOT, timeout=SCRIPT_TIMEOUT_S
        )
        code = completed.returncode
    except subprocess.TimeoutExpired:
        print(f"{name} stopped after {SCRIPT_TIMEOUT_S} s", file=sys.stderr)
        code = -1
    return code, time.monotonic() - start


def summary(outcomes: dict[str, tuple[int, float]]) -> None:
    print("\n=== Summary (ratios are against the baseline measured in the same run)")
    rows: list[common.Row] = []
    for name, (code, seconds) in outcomes.items():
        path = common.RESULTS / f"{name}.json"
        if code != 0 or not path.exists():
            rows.append(common.Row(name, f"FAILED (exit {code}) after {seconds:.0f} s", ok=False))
            continue
        rows += [common.Row(**row) for row in json.loads(path.read_text())["rows"]]
    common.print_rows(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions and 3 viewers instead of 5")
    p.add_argument("--only", nargs="+", choices=[name for name, _, _ in PLAN], help="run just these")
    args = p.parse_args(argv)
    outcomes: dict[str, tuple[int, float]] = {}
    for name, full, quick in PLAN:
        if args.only and name not in args.only:
            continue
        # Stale results from an earlier run must not pass for this one.
        (common.RESULTS / f"{name}.json").unlink(missing_ok=True)
        outcomes[name] = run_script(name, quick if args.quick else full)
    summary(outcomes)
    return 0 if all(code == 0 for code, _ in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
