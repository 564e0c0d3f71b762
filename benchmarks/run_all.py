"""Run every benchmark in sequence, each in its own process, then print one summary table.

    .venv/bin/python benchmarks/run_all.py            # full run, about 35 minutes on 2 cores
    .venv/bin/python benchmarks/run_all.py --quick    # fewer repetitions and viewers

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

# (label, script, arguments for a full run, arguments for --quick, results file); every run is bounded by its own
# --budget-s.
PLAN: list[tuple[str, str, list[str], list[str], str]] = [
    ("first_paint", "first_paint", ["--runs", "7"], ["--runs", "5"], "first_paint_overview"),
    *(
        (
            f"first_paint_{page.replace('-', '_')}",
            "first_paint",
            ["--runs", "5", "--page", page],
            ["--runs", "3", "--page", page],
            f"first_paint_{page}",
        )
        for page in ("footprint", "workforce", "emergency-care", "progress", "your-data", "compare")
    ),
    # Each page's first paint split into its charts alone, Streamlit's deep-link probe and everything else.
    *(
        (
            f"first_paint_parts_{page.replace('-', '_')}",
            "first_paint_parts",
            ["--runs", "4", "--page", page],
            ["--runs", "2", "--page", page],
            f"first_paint_parts_{page}",
        )
        for page in ("overview", "footprint", "workforce", "emergency-care", "progress", "your-data", "compare")
    ),
    # Server CPU per page (no browser): the number the replicas' queueing comes from.
    ("cpu_per_page", "cpu_per_page", ["--runs", "5"], ["--runs", "2"], "cpu_per_page"),
    ("provider_files", "provider_files", [], [], "provider_files"),
    ("packs", "packs", [], [], "packs"),
    # Viewers with think time against 1 replica and 2 behind nginx (deploy/cluster.py starts them).
    (
        "replicas",
        "replicas",
        ["--viewers", "100", "200", "--duration-s", "90", "--budget-s", "780"],
        ["--viewers", "50", "--duration-s", "45", "--ramp-s", "10", "--budget-s", "400"],
        "replicas",
    ),
    (
        "interaction",
        "interaction",
        ["--runs", "5", "--app-runs", "15"],
        ["--runs", "3", "--app-runs", "7"],
        "interaction",
    ),
    ("payload", "payload", ["--runs", "2"], ["--runs", "1"], "payload"),
    ("data_scale", "data_scale", ["--runs", "3"], ["--runs", "1", "--sizes", "10000", "100000"], "data_scale"),
    # 50 viewers as websocket clients driving real sessions (no browser: 50 Chromium pages do not fit 2 cores).
    (
        "concurrency_ws",
        "concurrency",
        ["--client", "ws", "--viewers", "50"],
        ["--client", "ws", "--viewers", "20", "--crowds", "1", "--window-s", "30"],
        "concurrency_ws",
    ),
    # A few real Chromium viewers, so drawing is in the picture too.
    (
        "concurrency_browser",
        "concurrency",
        ["--viewers", "5", "--browsers", "2", "--runs", "3"],
        ["--viewers", "3", "--runs", "2", "--settle-s", "30"],
        "concurrency",
    ),
]
SCRIPT_TIMEOUT_S = 900  # hard stop per script, beyond each script's own budget


def run_script(name: str, args: list[str]) -> tuple[int, float]:
    print(f"\n=== {name}.py {' '.join(args)}", flush=True)
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


def summary(outcomes: dict[str, tuple[int, float, str]]) -> None:
    print("\n=== Summary (ratios are against the baseline measured in the same run)")
    rows: list[common.Row] = []
    for name, (code, seconds, result) in outcomes.items():
        path = common.RESULTS / f"{result}.json"
        if code != 0 or not path.exists():
            rows.append(common.Row(name, f"FAILED (exit {code}) after {seconds:.0f} s", ok=False))
            continue
        rows += [common.Row(**row) for row in json.loads(path.read_text())["rows"]]
    common.print_rows(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions and viewers")
    p.add_argument("--only", nargs="+", choices=[label for label, *_ in PLAN], help="run just these")
    args = p.parse_args(argv)
    outcomes: dict[str, tuple[int, float, str]] = {}
    for label, script, full, quick, result in PLAN:
        if args.only and label not in args.only:
            continue
        # Stale results from an earlier run must not pass for this one.
        (common.RESULTS / f"{result}.json").unlink(missing_ok=True)
        outcomes[label] = (*run_script(script, quick if args.quick else full), result)
    summary(outcomes)
    return 0 if all(code == 0 for code, _, _ in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
