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


def run(runs: int, budget_s: float, sizes: tuple[int, ...]) -> list[Row]:
    deadline = common.Deadline(budget_s)
    print("Data scale: upload (stp_data.upload.parse_metrics_file) and pandas.read_csv, both then grouped by "
          "measure and period; render = page script time with the file loaded (AppTest)")  # fmt: skip
    rows: list[Row] = []
    details: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="stp-bench-") as folder:
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
    args = p.parse_args(argv)
    common.print_rows(run(args.runs, args.budget_s, tuple(args.sizes)))


if __name__ == "__main__":
    main()
