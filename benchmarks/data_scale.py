"""Data scale: read and group tidy metrics CSVs of 10k, 100k and 1M rows.

The files (code, measure, period, value, unit) are generated in a temporary directory; every
(code, measure, period) is unique, as a real metrics file's would be. Two paths, each median of --runs:

- upload: stp_data.upload.parse_metrics_file(data, filename, ...) when that module exists (the path a user's
  file takes), then grouping its accepted rows by measure and period;
- pandas: pandas.read_csv + the same grouping, the floor any reader could reach.

The baseline here is plain pandas, measured in the same run, so the ratio says what validation costs.
"""

from __future__ import annotations

import importlib
import inspect
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import common
import numpy as np
import pandas as pd
from common import Row

SIZES = (10_000, 100_000, 1_000_000)
MEASURES = 50
UNIT = "per 100,000 population"


def e54_codes() -> list[str]:
    codes = sorted(common.footprint_names())
    assert len(codes) == 44 and all(c.startswith("E54") for c in codes), codes
    return codes


def month_labels(count: int) -> list[str]:
    """'January 1990', 'February 1990', ...: labels the upload reads as periods."""
    return [f"{pd.Timestamp(1990 + i // 12, i % 12 + 1, 1):%B %Y}" for i in range(count)]


def make_csv(rows: int, folder: Path) -> Path:
    """Row i is footprint i mod 44, measure (i // 44) mod 50, period i // 2200: unique keys, realistic shape."""
    codes = np.array(e54_codes())
    index = np.arange(rows)
    periods = np.array(month_labels(rows // (len(codes) * MEASURES) + 1))
    frame = pd.DataFrame(
        {
            "code": codes[index % len(codes)],
            "measure": np.char.add("measure_", ((index // len(codes)) % MEASURES).astype(str)),
            "period": periods[index // (len(codes) * MEASURES)],
            "value": np.round(np.random.default_rng(7).gamma(2.0, 50.0, rows), 2),
            "unit": UNIT,
        }
    )
    path = folder / f"metrics_{rows}.csv"
    frame.to_csv(path, index=False)
    return path


def group(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(["measure", "period"], sort=False)["value"].agg(["count", "mean"])


def pandas_path(data: bytes, filename: str) -> int:
    return len(group(pd.read_csv(io.BytesIO(data))))


def upload_path() -> Callable[[bytes, str], int] | None:
    """The upload reader if stp_data.upload.parse_metrics_file exists, adapted to (data, filename)."""
    try:
        module = importlib.import_module("stp_data.upload")
        parse = module.parse_metrics_file
    except (ImportError, AttributeError) as exc:
        print(f"upload path not available ({exc}); measuring pandas only", file=sys.stderr)
        return None
    # The signature is still moving; pass the footprint codes only if it asks for them.
    wants_codes = "known_codes" in inspect.signature(parse).parameters
    codes = e54_codes()

    def run(data: bytes, filename: str) -> int:
        result = parse(data, filename, codes) if wants_codes else parse(data, filename)
        accepted = result.accepted if hasattr(result, "accepted") else result
        return len(group(accepted))

    return run


def time_path(reader: Callable[[bytes, str], int], data: bytes, name: str, runs: int, deadline: common.Deadline):
    """Median seconds over up to `runs` runs, or the refusal message if the reader refuses the file."""
    times: list[float] = []
    for _ in range(runs):
        if deadline.expired():
            break
        start = time.perf_counter()
        try:
            groups = reader(data, name)
        except Exception as exc:  # a refusal (size or row limit) is a result, not a crash
            return None, f"refused after {time.perf_counter() - start:.2f} s: {str(exc).splitlines()[0][:120]}"
        times.append(time.perf_counter() - start)
        if times[-1] > deadline.left() / 2:
            break  # one more would not fit the budget; report what we have
    if not times:
        return None, "not run (budget)"
    return common.median(times), f"{groups} groups, n={len(times)}"


def run(runs: int, budget_s: float, sizes: tuple[int, ...]) -> list[Row]:
    deadline = common.Deadline(budget_s)
    upload = upload_path()
    print(f"Data scale: measured path(s): {'upload (stp_data.upload.parse_metrics_file) and ' if upload else ''}"
          "pandas.read_csv; both then group by measure and period")  # fmt: skip
    rows: list[Row] = []
    details: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="stp-bench-") as folder:
        for size in sizes:
            path = make_csv(size, Path(folder))
            data = path.read_bytes()
            pandas_s, pandas_note = time_path(pandas_path, data, path.name, runs, deadline)
            line = f"  {size:>9,} rows ({len(data) / 1e6:5.1f} MB)  pandas {fmt(pandas_s)} ({pandas_note})"
            entry = {"bytes": len(data), "pandas_s": pandas_s, "pandas_note": pandas_note}
            value = f"pandas {fmt(pandas_s)}"
            if upload is not None:
                upload_s, upload_note = time_path(upload, data, path.name, runs, deadline)
                ratio = f" = {upload_s / pandas_s:.0f}x pandas" if upload_s and pandas_s else ""
                line += f"   upload {fmt(upload_s)}{ratio} ({upload_note})"
                entry |= {"upload_s": upload_s, "upload_note": upload_note}
                value = f"upload {fmt(upload_s)}, " + value
            print(line)
            rows.append(Row(f"read+group {size:,} rows", value))
            details[str(size)] = entry
            path.unlink()
    common.save_rows("data_scale", rows, details)
    return rows


def fmt(seconds: float | None) -> str:
    return "  —   " if seconds is None else f"{seconds * 1000:,.0f} ms"


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=3, budget_s=300)
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="row counts (default 10k 100k 1M)")
    args = p.parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s, tuple(args.sizes)))


if __name__ == "__main__":
    main()
