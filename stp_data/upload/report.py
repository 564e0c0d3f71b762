"""What an upload hands back: the accepted rows in the bundled layout, the catalogue rows of its measures, and
one line per rejected user row with its reasons and cells."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandera.api.pandas.components import Column
from pandera.api.pandas.container import DataFrameSchema
from pandera.engines.pandas_engine import Engine
from pandera.errors import SchemaError

from stp_data import schemas
from stp_data.metrics import METRIC_COLUMNS, catalogue_schema
from stp_data.upload import checks, periods
from stp_data.upload.reading import RawTable

USER_THEME = "your data"
USER_FILE = "metrics_your_data.csv"
REPORT = ["row", "column", "reason"]


def periods_used(labels: np.ndarray) -> pd.DataFrame:
    """Each canonical period once, with its last day and granularity (a month and a year are different)."""
    parsed = [periods.parse_period(label) for label in pd.unique(labels)]
    return pd.DataFrame(
        {
            "period": [p.label for p in parsed],
            "period_end": pd.array([p.end for p in parsed], dtype=object),
            "granularity": [p.granularity for p in parsed],
        }
    )


def accepted_frame(records: pd.DataFrame, checked: dict, good: np.ndarray, filename: str) -> pd.DataFrame:
    rows = records["row"].to_numpy()[good]
    # Blankness is tested once per distinct cell; the sources are read as text only when a row gives one.
    given = ~checks.blank(records["source"])[good]
    if given.any():
        given_source = checks.stripped(records["source"])[good]
        default_source = np.asarray([f"Your file {filename}, row {r}" for r in rows.tolist()], dtype=object)
        source = pd.array(np.where(given_source != "", given_source, default_source), dtype="str")
    else:  # no row names a source: "Your file <name>, row <r>" built in Arrow, not 100k Python strings
        written = pc.cast(pa.array(rows, type=pa.int64()), pa.string())
        source = pd.array(pc.binary_join_element_wise(f"Your file {filename}, row ", written, ""), dtype="str")
    population = checked["population"][good]
    known = ~np.isnan(population)
    coded = checked["coded"]
    return pd.DataFrame(
        {
            "code": text_array(*coded["code"], good),
            "measure": text_array(*coded["measure"], good),
            "period": text_array(*coded["period"], good),
            "period_end": text_array(*coded["period_end"], good),
            "value": pd.array(checked["value"][good], dtype="float64"),
            # Whole numbers (checked), so the integers are exact; missing ones masked.
            "population": pd.arrays.IntegerArray(np.where(known, population, 0).astype(np.int64), ~known),
            "source": source,
        },
        columns=METRIC_COLUMNS,
    )


def text_array(codes: np.ndarray, uniques: np.ndarray, good: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text typed as the bundled tables' (pandas' str) for the `good` records, converting each distinct value once."""
    return pd.array(np.asarray(uniques, dtype=object), dtype="str").take(codes[good])


def targets_frame(records: pd.DataFrame, checked: dict, good: np.ndarray) -> pd.DataFrame:
    kept = good & ~np.isnan(checked["target"])
    return pd.DataFrame(
        {
            "code": pd.array(checked["code"][kept], dtype="str"),
            "measure": pd.array(checked["measure"][kept], dtype="str"),
            "period": pd.array(checked["period"][kept], dtype="str"),
            "target": pd.array(checked["target"][kept], dtype="float64"),
        }
    )


def rejected_lines(raw: RawTable, problems: pd.DataFrame, names: list[str], records: pd.DataFrame) -> pd.DataFrame:
    """One line per rejected user row: the first problem's column, every reason, and the row's cells."""
    if problems.empty:
        return _no_lines([*REPORT, *names])
    problems = problems.sort_values(["record", "order"], kind="stable")
    record = problems["record"].to_numpy()
    fields = problems["field"].to_numpy()
    rows = records["row"].to_numpy()[record]
    wide_column = records["at_measure"].to_numpy()[record] if "at_measure" in records else np.full(len(record), "")
    columns = []
    reasons = problems["reason"].to_numpy().copy()
    for i, f in enumerate(fields):
        column, position = records.attrs.get(f"at_{f}", (f, 0))
        if (wide_column[i] and f in ("measure", "value", "unit", "polarity")) or (
            wide_column[i] and f == "period" and position == 0
        ):
            column, position = wide_column[i], int(records["at_position"].iat[record[i]])
        columns.append(column)
        if (raw.merged or raw.formulas) and str(reasons[i]).startswith("missing") and position > 0:
            reasons[i] = raw.blank_cell_reason(int(rows[i]), position) or reasons[i]
    lines = pd.DataFrame({"row": rows, "column": columns, "reason": reasons})
    lines["reason"] = np.where(
        lines.groupby("row")["column"].transform("nunique").to_numpy() > 1
        if len(records.attrs) and "at_position" in records
        else False,
        lines["column"] + ": " + lines["reason"],
        lines["reason"],
    )
    grouped = lines.groupby("row", sort=True).agg(
        column=("column", "first"), reason=("reason", lambda r: "; ".join(dict.fromkeys(r)))
    )
    grouped = grouped.reset_index()
    cells = raw.cells.iloc[grouped["row"].to_numpy() - 1].astype(object).reset_index(drop=True)
    cells = cells.reindex(columns=range(len(names)), fill_value="")
    cells.columns = names
    return pd.concat([grouped[REPORT], cells], axis=1).astype({"row": "int64"})


def _no_lines(columns: list[str]) -> pd.DataFrame:
    """The empty report: row as int64, every other column object (built directly: astype on an empty frame costs
    a few milliseconds on every clean upload)."""
    if len(set(columns)) < len(columns):
        return pd.DataFrame(columns=columns).astype({"row": "int64"})
    return pd.DataFrame({c: np.zeros(0, dtype=np.int64 if c == "row" else object) for c in columns})


# Catalogue fields this package sets the same on every upload's rows: the file cannot change them.
FIXED = {
    "theme": USER_THEME,
    "decimals": 1,
    "england_method": "none",
    "file": USER_FILE,
    "publisher": "Your data",
    "url": None,
    "licence": "Loaded by the user",
}


def catalogue_rows(table: pd.DataFrame, filename: str, loaded: dt.datetime) -> pd.DataFrame:
    """The catalogue rows of the upload's measures, validated by the catalogue's own pandera schema."""
    schema, varying, plain = _user_schemas()
    rows = {
        "measure": table["measure"].tolist(),
        "name": table["name"].tolist(),
        "short_name": table["name"].tolist(),
        "unit": table["unit"].tolist(),
        "polarity": table["polarity"].tolist(),
        "title": filename,
        "published": loaded.date().isoformat(),
        "notes": f"Loaded from {filename} at {loaded:%Y-%m-%d %H:%M}",
    } | FIXED
    frame = _text_frame(rows, len(table), list(schema.columns))
    if not len(table):
        return frame
    # The fields FIXED sets were checked once by the same schema (_fixed_fields_valid); each upload checks the
    # fields its file gives. Stops at the first failure, then the whole check below names every one.
    _fixed_fields_valid()
    if _plain_text_valid(frame, schema, plain):
        with contextlib.suppress(SchemaError):
            varying.validate(frame)
            return frame
    return schemas.validate(frame, schema, filename)


def _text_frame(rows: dict, n: int, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            column: pd.array(
                value if isinstance(value, list) else [value] * n, dtype="Int64" if column == "decimals" else "str"
            )
            for column, value in rows.items()
        },
        columns=columns,
    )


@functools.cache
def _user_schemas() -> tuple[DataFrameSchema, DataFrameSchema, tuple[str, ...]]:
    """(the catalogue schema for a user's rows; its columns the file gives that have checks; the columns the file
    gives that the schema asks only to be text). Free-text units (score, index, days) are the user's own: the
    catalogue's unit list does not bind them."""
    relaxed = catalogue_schema().update_column("unit", checks=[])
    varying = [c for c in relaxed.columns if c not in FIXED]
    # Of a column with no checks pandera tests only the dtype and the nulls, at about 2 ms of overhead a column
    # (a third of a 100k-row upload's validation): _plain_text_valid tests the same two things directly.
    plain = tuple(c for c in varying if _only_text(relaxed.columns[c]))
    return relaxed, relaxed.select_columns([c for c in varying if c not in plain]), plain


def _only_text(column: Column) -> bool:
    return not (column.checks or column.unique or column.coerce) and column.dtype.check(Engine.dtype(str))


def _plain_text_valid(frame: pd.DataFrame, schema: DataFrameSchema, plain: tuple[str, ...]) -> bool:
    """What pandera would test of each plain text column: its dtype, and no nulls unless the schema allows them."""
    for name in plain:
        column = schema.columns[name]
        if not column.dtype.check(Engine.dtype(frame[name].dtype)):
            return False
        if not column.nullable and frame[name].isna().any():
            return False
    return True


@functools.cache
def _fixed_fields_valid() -> bool:
    """FIXED checked by the catalogue schema, once per process (SchemaError, not cached, if ever not)."""
    schema = _user_schemas()[0]
    schema.select_columns(list(FIXED)).validate(_text_frame(dict(FIXED), 1, [c for c in schema.columns if c in FIXED]))
    return True
