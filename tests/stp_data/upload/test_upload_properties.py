"""Properties of the upload readers: any table or any bytes either reads, with every row accounted for,
or raises DataValidationError, never anything else."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from geo.boundaries import BoundaryError
from geo.upload import read_uploaded_boundaries
from stp_data.errors import DataValidationError
from stp_data.metrics import METRIC_COLUMNS
from stp_data.upload import COLUMN_ALIASES, UNIT_SPELLINGS, parse_metrics_file, parse_ratings_file
from stp_data.upload.vocab import measure_key

KNOWN = ("E54000005", "E54000006", "E54000007")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALIASES = [alias for aliases in COLUMN_ALIASES.values() for alias in aliases]
CODES = [*KNOWN, "e54 000 006", "E54000099", "E5400005", "X", ""]
NUMBERS = ["5", "1,234.5", "12.5%", "£1,200", "-0.5", "1,5", "1e999", "nan", "", "five"]
UNITS = [unit for unit, spellings in UNIT_SPELLINGS.items() for unit in (unit, *spellings[:2])] + ["per capita"]
PERIODS = ["2018", "2018/19", "Sep 2018", "2018-09", "30/09/2018", "Q1", ""]
WORDS = ["Beds", "GP FTE", "%%", "Outstanding", "making progress", "Good", "higher", "unit", "period", "Title"]

text = st.text(max_size=12).map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s))
anything = st.one_of(st.sampled_from(CODES + NUMBERS + UNITS + PERIODS + WORDS), text)
# Cells likely for a column of each kind, so that many rows are good and some are not.
LIKELY = {
    "code": [*KNOWN, "e54 000 006"],
    "measure": ["Beds", "GP FTE", "Vacancy rate"],
    "period": ["2018", "2018/19", "Sep 2018"],
    "value": ["5", "1,234.5", "12.5%", "-0.5"],
    "unit": ["count", "FTE", "%", ""],
    "rating": ["Outstanding", "advanced", "Making progress", "needs most improvement"],
}
# Headers that name the required columns, in any order, as well as anything at all.
usable_header = st.permutations(["STP code", "Indicator", "period", "value", "units", "rating", "Source"])
header = st.one_of(
    usable_header, usable_header, st.lists(st.one_of(st.sampled_from(ALIASES + WORDS), text), min_size=1, max_size=7)
)


def likely_cell(column: str) -> st.SearchStrategy[str]:
    field = next((f for f, aliases in COLUMN_ALIASES.items() if column.casefold() in aliases), None)
    return st.sampled_from(LIKELY[field]) if field in LIKELY else anything


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    """A header (perhaps under a title row), rows of cells likely for their column, then rows of anything."""
    titles = draw(st.lists(st.lists(text, max_size=2), max_size=1))
    names = draw(header)
    likely_rows = draw(st.lists(st.tuples(*map(likely_cell, names)).map(list), max_size=6))
    messy_rows = draw(st.lists(st.lists(anything, max_size=8), max_size=3))  # ragged rows, setting rows, footers
    order = draw(st.permutations(range(len(likely_rows) + len(messy_rows))))
    rows = [*likely_rows, *messy_rows]
    return [*titles, names, *(rows[i] for i in order)]


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def as_xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def typed(rows: list[list[str]], numbers: list[float], when: dt.datetime) -> list[list[object]]:
    """Some cells as Excel numbers and dates rather than text, as a workbook holds them."""
    return [
        [numbers[i % len(numbers)] if c == "5" else when if c == "2018" else c for i, c in enumerate(r)] for r in rows
    ]


def assert_accounted_for(upload) -> None:
    event("some rows accepted" if len(upload.accepted) else "no row accepted")
    event("some rows rejected" if len(upload.rejected) else "no row rejected")
    assert upload.rows_accepted + upload.rows_rejected == upload.rows_read
    assert upload.rejected["row"].notna().all() and upload.rejected["row"].is_unique


def assert_sound_metrics(upload) -> None:
    assert_accounted_for(upload)
    accepted = upload.accepted
    assert list(accepted.columns) == METRIC_COLUMNS
    assert set(accepted["code"]) <= set(KNOWN)
    assert all(math.isfinite(v) for v in accepted["value"])
    assert not accepted.duplicated(["code", "measure", "period"]).any()
    assert set(upload.measures["measure"]) == set(accepted["measure"])


@FAST
@given(tables())
def test_any_table_reads_or_raises_the_one_error(rows):
    filename = "t.csv"
    data = as_csv(rows)
    try:
        upload = parse_metrics_file(data, filename, KNOWN)
    except DataValidationError as error:
        assert error.file == filename
        event("whole file refused")
        return
    assert_sound_metrics(upload)


@FAST
@given(
    tables(),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=3),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
def test_any_workbook_with_numbers_and_dates_reads_or_raises_the_one_error(rows, numbers, when):
    try:
        upload = parse_metrics_file(as_xlsx(typed(rows, numbers, when)), "t.xlsx", KNOWN)
    except DataValidationError:
        return
    assert_sound_metrics(upload)


@FAST
@given(tables())
def test_any_ratings_table_reads_or_raises_the_one_error(rows):
    # CSV only: workbooks reach the same reader through the metrics properties.
    filename = "r.csv"
    data = as_csv(rows)
    try:
        upload = parse_ratings_file(data, filename, KNOWN)
    except DataValidationError as error:
        assert error.file == filename
        return
    assert_accounted_for(upload)
    assert list(upload.accepted.columns) == ["code", "rating", "source"]
    assert upload.accepted["code"].is_unique and set(upload.accepted["code"]) <= set(KNOWN)


VALID_XLSX = as_xlsx([["code", "measure", "period", "value", "unit"], ["E54000005", "Beds", "2018", 5, "count"]])


@FAST
@given(
    st.one_of(
        st.binary(max_size=3000),
        # A real workbook with a few bytes changed reaches deeper into the zip and XML readers.
        st.lists(st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=4).map(
            lambda changes: bytes(_changed(VALID_XLSX, changes))
        ),
    ),
    st.sampled_from(["b.csv", "b.xlsx", "b.xlsm", "b.txt"]),
    st.booleans(),
)
def test_any_bytes_read_or_raise_the_one_error(data, filename, ratings):
    parse = parse_ratings_file if ratings else parse_metrics_file
    try:
        upload = parse(data, filename, KNOWN)
    except DataValidationError as error:
        assert error.file == filename
        return
    assert_accounted_for(upload)


def _changed(data: bytes, changes: list[tuple[int, int]]) -> bytearray:
    changed = bytearray(data)
    for position, value in changes:
        changed[position] = value
    return changed


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["b.geojson", "b.json", "b.gpkg", "b.zip", "b.kml"]))
def test_any_bytes_as_boundaries_read_or_raise_boundary_error(data, filename):
    try:
        upload = read_uploaded_boundaries(data, filename)
    except BoundaryError as error:
        assert error.file == filename
        return
    assert upload.candidate_code_columns


# Names as analysts write them: letters first, then anything including the symbols that change a meaning.
measure_names = st.text(alphabet="abcAB 0123456789≤><&()-%/.£", max_size=12).map(lambda tail: "M" + tail)


@st.composite
def tidy_tables(draw: st.DrawFn) -> list[list[str]]:
    """Rows with unique footprint x measure x period, the measures distinct (not just by case or spacing)."""
    names = draw(st.lists(measure_names, min_size=1, max_size=5, unique_by=measure_key))
    periods = draw(
        st.lists(
            st.sampled_from(["2018", "2018/19", "Sep 2018", "Q3 2018/19", "2017"]), min_size=1, max_size=3, unique=True
        )
    )
    keys = [(c, m, p) for c in KNOWN for m in names for p in periods]
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=20, unique=True))
    values = draw(st.lists(st.floats(-1e11, 1e11, allow_nan=False), min_size=len(chosen), max_size=len(chosen)))
    return [["code", "measure", "period", "value", "unit"]] + [
        [c, m, p, repr(v), "count"] for (c, m, p), v in zip(chosen, values, strict=True)
    ]


@FAST
@given(tidy_tables(), st.sampled_from(["t.csv", "t.xlsx"]))
def test_any_table_written_out_and_read_back_loses_no_row_and_merges_no_measure(rows, filename):
    data = as_csv(rows) if filename.endswith(".csv") else as_xlsx(rows)
    upload = parse_metrics_file(data, filename, KNOWN)
    assert upload.rows_read == len(rows) - 1 and upload.rows_accepted == len(rows) - 1, upload.rejected
    names = {" ".join(row[1].split()) for row in rows[1:]}
    assert upload.accepted["measure"].nunique() == len(names)
    assert set(upload.measures["name"]) == names
    assert sorted(upload.accepted["value"]) == sorted(float(row[3]) for row in rows[1:])
