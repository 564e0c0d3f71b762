"""Provider files: load 12 monthly NHS England A&E files (a year of months) at once, as the Load data page does.

The 12 files are the real April 2021 file (tests/fixtures/provider/, OGL v3) with its Period relabelled to each
month of 2024/25, written to a temporary directory and read back as bytes. Each median of --runs:

- 12 files: stp_data.upload.provider.parse_provider_files on the 12 files (read, recognise, check every provider
  row, map by the bundled trust lookup, sum to footprints), then compare_with_bundled (2024/25 is bundled, so
  every footprint figure is compared with the bundled one: the heavier path);
- zip of 12: the same files in one zip;
- 1 file: one month, for scale.

Goal: 12 files under 2 s.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import common
from common import Row

from stp_data.loading import load_bundle
from stp_data.upload.provider import compare_with_bundled, parse_provider_files

SOURCE = common.ROOT / "tests" / "fixtures" / "provider" / "April-2021-revised-120522-ABC456.csv"
MONTHS = ("APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")
GOAL_S = 2.0


def twelve_files(folder: Path) -> list[Path]:
    """The April 2021 file relabelled April 2024 .. March 2025, one file per month."""
    data = SOURCE.read_bytes()
    labels = [f"{m}-2024" for m in MONTHS] + [f"{m}-2025" for m in ("JANUARY", "FEBRUARY", "MARCH")]
    paths = []
    for label in labels:
        path = folder / f"Monthly-AE-{label.title()}.csv"
        path.write_bytes(data.replace(b"MSitAE-APRIL-2021", f"MSitAE-{label}".encode()))
        paths.append(path)
    return paths


def timed(files: list[tuple[str, bytes]], codes: list[str], metrics, runs: int) -> tuple[float, int]:
    times, months = [], 0
    for _ in range(runs + 1):  # the first run warms imports and the lookups' schemas: not counted
        start = time.perf_counter()
        upload = parse_provider_files(files, codes)
        new, _, _ = compare_with_bundled(upload.accepted, metrics)
        times.append(time.perf_counter() - start)
        months = len(new)
    return common.median(times[1:]), months


def run(runs: int, budget_s: float) -> list[Row]:
    deadline = common.Deadline(budget_s)
    bundle = load_bundle()
    print("Provider files: parse_provider_files + compare_with_bundled, median of", runs, "runs")
    rows = []
    with tempfile.TemporaryDirectory(prefix="stp-bench-provider-") as folder:
        paths = twelve_files(Path(folder))
        files = [(p.name, p.read_bytes()) for p in paths]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(name, data)
        cases = [("1 file", files[:1]), ("12 files", files), ("zip of 12", [("year.zip", buffer.getvalue())])]
        details = {}
        for label, given in cases:
            if deadline.expired():
                print(f"budget of {budget_s:.0f} s reached before {label}", file=sys.stderr)
                break
            median, months = timed(given, bundle.codes, bundle.metrics, runs)
            print(f"  {label:<10} {median * 1000:8,.0f} ms  ({months} new months)")
            details[label] = median
            goal = label != "1 file"
            rows.append(
                Row(
                    f"provider A&E, {label}",
                    f"{median * 1000:,.0f} ms",
                    f"< {GOAL_S:.0f} s" if goal else "",
                    median < GOAL_S if goal else None,
                )
            )
    common.save_rows("provider_files", rows, details)
    return rows


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=5, budget_s=120)
    args = p.parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s))


if __name__ == "__main__":
    main()
