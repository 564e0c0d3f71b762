"""Data scale: load and render tidy metrics CSVs of 10k, 100k and 1M rows.

The files (code, measure, period, value, unit) are generated in a temporary directory; every
(code, measure, period) is unique, as a real metrics file's would be. Each median of --runs:

- upload: stp_data.upload.parse_metrics_file (the path a user's file takes: read, validate, every row
  accounted for), then grouping its accepted rows by measure and period;
- pandas: pandas.read_csv + the same grouping, the floor any reader could reach (the baseline, same run);
- render: the loaded file in a session (AppTest), script time of the Your data page (map, bell curve, table
  of the first measure; the first run merges the file into the bundled tables) and of a footprint page
  with its "your data" gauge row.

A file over the upload limits (20 MB, 200k rows, 2M cells) is refused at once, as in the app; it is then measured again
with the limits lifted, to show where the in-memory design itself stops.

First, the file an analyst exports (issue 23's goal: read and validated within 5x of pandas.read_csv on the same
bytes): 100,000 tidy rows of code, name, measure, period, value, unit, with 50 named measures in several units and
periods written as month names ("January 2019"). Each of --pairs runs reads it with pandas.read_csv and then with
stp_data.upload.parse_metrics_file (read, header and mapping inferred, every check), alternately, so both see the
same machine; printed: the median of each and the median of the pairs' ratios, with their range.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import common
import numpy as np
import pandas as pd
from common import Row

SIZES = (10_000, 100_000, 1_000_000)
MONTH_NAME_ROWS = 100_000
MONTH_NAME_UNITS = ("per 100,000 population", "%", "count", "£ million", "FTE")
LAST_UPLOAD: list[object] = [None]  # the most recent successful upload, for the render step
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


def make_month_name_csv(rows: int, folder: Path) -> Path:
    """The shape an analyst's export has: footprint code and name, a named measure with its unit, a month written
    out ("January 2019"), a value; row i is footprint i mod 44, measure (i // 44) mod 50, month i // 2200."""
    names = common.footprint_names()
    codes = np.array(e54_codes())
    footprints = np.array([names[c] for c in codes])
    index = np.arange(rows)
    measure = (index // len(codes)) % MEASURES
    months = np.array([f"{pd.Timestamp(2019 + i // 12, i % 12 + 1, 1):%B %Y}" for i in range(rows // 2200 + 1)])
    measure_names = np.array([f"Indicator {k + 1:02d}" for k in range(MEASURES)])
    units = np.array([MONTH_NAME_UNITS[k % len(MONTH_NAME_UNITS)] for k in range(MEASURES)])
    frame = pd.DataFrame(
        {
            "code": codes[index % len(codes)],
            "name": footprints[index % len(codes)],
            "measure": measure_names[measure],
            "period": months[index // (len(codes) * MEASURES)],
            "value": np.round(np.random.default_rng(11).gamma(2.0, 20.0, rows), 1),
            "unit": units[measure],
        }
    )
    path = folder / f"month_names_{rows}.csv"
    frame.to_csv(path, index=False)
    return path


def measure_month_names(folder: Path, pairs: int, deadline: common.Deadline) -> tuple[str, Row, dict]:
    """pandas.read_csv and the upload path alternately on the month-name file; medians and the pairs' ratios."""
    from stp_data import upload

    path = make_month_name_csv(MONTH_NAME_ROWS, folder)
    data = path.read_bytes()
    codes = e54_codes()
    result = upload.parse_metrics_file(data, path.name, codes)  # untimed: imports and first-call caches
    assert result.rows_accepted == MONTH_NAME_ROWS, (result.rows_accepted, result.rejected.head())
    pd.read_csv(io.BytesIO(data))
    pandas_s: list[float] = []
    upload_s: list[float] = []
    for _ in range(pairs):
        if deadline.expired():
            break
        start = time.perf_counter()
        pd.read_csv(io.BytesIO(data))
        pandas_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        upload.parse_metrics_file(data, path.name, codes)
        upload_s.append(time.perf_counter() - start)
    path.unlink()
    ratios = sorted(u / p for u, p in zip(upload_s, pandas_s, strict=True))
    if not ratios:
        return "  month names: not run (budget)", Row("upload 100k month names", "not run"), {}
    ratio = common.median(ratios)
    text = (
        f"  {MONTH_NAME_ROWS:>9,} rows ({len(data) / 1e6:5.1f} MB), code/name/measure/period/value/unit, "
        f"{MEASURES} measures, periods 'January 2019'...:\n"
        f"{'':14}upload {fmt(common.median(upload_s))}, pandas.read_csv {fmt(common.median(pandas_s))}: "
        f"{ratio:.1f}x (median of {len(ratios)} interleaved pairs; {ratios[0]:.1f}-{ratios[-1]:.1f}x; goal <= 5x)"
    )
    entry = {
        "rows": MONTH_NAME_ROWS,
        "bytes": len(data),
        "pairs": len(ratios),
        "upload_s": upload_s,
        "pandas_s": pandas_s,
        "ratio_median": ratio,
        "ratio_range": [ratios[0], ratios[-1]],
    }
    row = Row("upload 100k month names / read_csv", f"{ratio:.1f}x (n={len(ratios)})", "<= 5x", ratio <= 5)
    return text, row, entry


def group(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(["measure", "period"], sort=False)["value"].agg(["count", "mean"])


def pandas_path(data: bytes, filename: str) -> int:
    return len(group(pd.read_csv(io.BytesIO(data))))


@contextmanager
def limits_lifted() -> Iterator[None]:
    """Upload limits off for a measurement only (the app never runs without them)."""
    from stp_data.upload import reading

    saved = reading.MAX_CELLS, reading.MAX_ROWS, reading.MAX_UPLOAD_BYTES
    reading.MAX_CELLS = reading.MAX_ROWS = reading.MAX_UPLOAD_BYTES = 10**10
    try:
        yield
    finally:
        reading.MAX_CELLS, reading.MAX_ROWS, reading.MAX_UPLOAD_BYTES = saved


def render_times(upload: object, budget: common.Deadline) -> dict[str, float]:
    """Seconds of page-script time with the file loaded in the session: Your data (cold, warm), a footprint."""
    from streamlit.testing.v1 import AppTest

    from stp_data.user_data import LoadedFile

    loaded = LoadedFile(file_name="bench.csv", loaded_at="now", upload=upload)
    timeout = max(30.0, budget.left())
    at = AppTest.from_file(str(common.DASHBOARD), default_timeout=timeout)
    at.session_state["user_files"] = [loaded]
    at.run()
    times: dict[str, float] = {}
    for label, page, params in (
        ("your data, first", "pages/your_data.py", {}),
        ("your data, again", "pages/your_data.py", {}),
        ("footprint", "pages/footprint.py", {"stp": common.SWITCH_CODES[0]}),
    ):
        at.switch_page(page)
        for key, value in params.items():
            at.query_params[key] = value
        start = time.perf_counter()
        at.run()
        times[label] = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"{label}: {at.exception[0].value}")
    return times


def upload_path() -> Callable[[bytes, str], int]:
    """The upload reader, adapted to (data, filename); keeps its result for the render step."""
    from stp_data import upload
    from stp_data.upload import reading

    codes = e54_codes()

    def run(data: bytes, filename: str) -> int:
        # max_bytes read at call time, so limits_lifted() applies to it too.
        result = upload.parse_metrics_file(data, filename, codes, max_bytes=reading.MAX_UPLOAD_BYTES)
        LAST_UPLOAD[0] = result
        return len(group(result.accepted))

    return run


def peak_memory(reader: Callable[[bytes, str], int], data: bytes, name: str) -> int | None:
    """Peak Python allocation during one upload (tracemalloc), apart from the bytes already in memory."""
    import tracemalloc

    tracemalloc.start()
    try:
        reader(data, name)
        return tracemalloc.get_traced_memory()[1]
    except Exception:  # refused: no peak to report
        return None
    finally:
        tracemalloc.stop()


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


def measure_size(size: int, folder: Path, runs: int, deadline: common.Deadline) -> tuple[str, Row, dict]:
    """One file size: pandas floor, the upload path (lifting its limits if it refuses), then render."""
    read = upload_path()
    path = make_csv(size, folder)
    data = path.read_bytes()
    pandas_s, pandas_note = time_path(pandas_path, data, path.name, runs, deadline)
    LAST_UPLOAD[0] = None
    upload_s, upload_note = time_path(read, data, path.name, runs, deadline)
    refused = upload_s is None and upload_note.startswith("refused")
    lines = [f"  {size:>9,} rows ({len(data) / 1e6:5.1f} MB)  pandas {fmt(pandas_s)} ({pandas_note})"]
    if refused:
        lines.append(f"{'':14}upload as in the app: {upload_note}")
        with limits_lifted():
            upload_s, upload_note = time_path(read, data, path.name, 1, deadline)
        upload_note += ", limits lifted"
    ratio = upload_s / pandas_s if upload_s and pandas_s else None
    shown = f" = {ratio:.1f}x pandas.read_csv (goal <= 5x)" if ratio else ""
    lines.append(f"{'':14}upload {fmt(upload_s)}{shown} ({upload_note})")
    peak = peak_memory(read, data, path.name) if upload_s is not None else None
    if peak is not None:
        lines.append(
            f"{'':14}peak memory of one upload (tracemalloc): {peak / 1e6:,.0f} MB for a {len(data) / 1e6:,.1f} MB file"
        )
    entry: dict[str, object] = {
        "bytes": len(data),
        "pandas_s": pandas_s,
        "upload_s": upload_s,
        "ratio_vs_pandas": ratio,
        "peak_bytes": peak,
        "note": upload_note,
    }
    value = f"upload {fmt(upload_s)}{' (limits lifted)' if refused else ''}, pandas {fmt(pandas_s)}"
    if LAST_UPLOAD[0] is not None and not deadline.expired():
        times = render_times(LAST_UPLOAD[0], deadline)
        entry["render_s"] = times
        lines.append(f"{'':14}render: " + ", ".join(f"{k} {fmt(v)}" for k, v in times.items()))
        value += f", render {fmt(times['your data, first'])}"
    path.unlink()
    return "\n".join(lines), Row(f"load+render {size:,} rows", value), entry


def run(runs: int, budget_s: float, sizes: tuple[int, ...], pairs: int = 9) -> list[Row]:
    deadline = common.Deadline(budget_s)
    rows: list[Row] = []
    details: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="stp-bench-") as folder:
        if pairs:
            print("Upload of an analyst's export: read and validated (parse_metrics_file) / pandas.read_csv")
            text, row, entry = measure_month_names(Path(folder), pairs, deadline)
            print(text)
            rows.append(row)
            details["month_names"] = entry
        print("Data scale: upload (stp_data.upload.parse_metrics_file) and pandas.read_csv, both then grouped by "
              "measure and period; render = page script time with the file loaded (AppTest)")  # fmt: skip
        for size in sizes:
            if deadline.expired():
                print(f"budget of {budget_s:.0f} s reached before {size:,} rows", file=sys.stderr)
                break
            text, row, entry = measure_size(size, Path(folder), runs, deadline)
            print(text)
            rows.append(row)
            details[str(size)] = entry
    common.save_rows("data_scale", rows, details)
    return rows


def fmt(seconds: float | None) -> str:
    return "  —   " if seconds is None else f"{seconds * 1000:,.0f} ms"


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], runs=3, budget_s=300)
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="row counts (default 10k 100k 1M)")
    p.add_argument(
        "--pairs", type=int, default=9, help="interleaved runs of the 100k month-name file (default 9; 0 skips it)"
    )
    args = p.parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s, tuple(args.sizes), args.pairs))


if __name__ == "__main__":
    main()
