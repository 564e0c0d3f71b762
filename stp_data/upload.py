"""Bring your own data: read the metrics or ratings file an analyst already has, validated, nothing lost.

Every data row ends up either in `accepted` or in `rejected` (with the spreadsheet row, the column and a
plain-English reason), so ``len(accepted) + len(rejected) == rows_read`` always holds. A problem with the
file as a whole (too large, empty, unreadable, unsupported type, no header, a required column missing)
raises DataValidationError naming the file, and never any other exception.

What is accepted
- CSV (UTF-8 with or without BOM, else Windows-1252) and Excel .xlsx / .xlsm (the first sheet).
- Title rows above the header: the header is the first of the top 30 rows that names a code column or
  two other known columns. Row numbers are the ones the spreadsheet shows (the first data row is the
  header's row + 1), counting the title rows.
- Column names matched ignoring case, spaces, underscores and punctuation ("STP Code", "stp_code" and
  "stp-code" are one name). The aliases (COLUMN_ALIASES):

      code        code, stp code, stp17cd, stp18cd, footprint code, ons code, area code
      measure     measure, indicator, metric
      period      period, date, month, year
      value       value, val, figure
      unit        unit, units
      polarity    polarity, direction
      target      target
      source      source
      population  population, denominator
      name        name, stp name, footprint name, stp17nm, stp18nm, area name   (shown back, not used)
      rating      rating, overall rating, overall rating 2017, rating 2017      (ratings files only)

- Tidy layout: a measure and a value column, one row per footprint x measure x period.
  Required columns: code, measure, period, value; the rest are optional.
- Wide layout (no measure or value column): a code column and one column per measure, named by its
  header, with an optional period column. Units, polarities and periods that apply to a whole measure
  column come from rows whose code cell says "unit", "polarity" or "period" (any alias). A value with
  no unit from any of these (and no % sign) is rejected as "missing unit"; no period column or row
  means "missing period". Each footprint x measure value is one record, so the same spreadsheet row
  can be rejected once per measure column (the `column` names the measure).
- Codes: spaces removed and upper-cased. Values: thousands separators ("1,234.5"), a leading "£", and a
  trailing "%" ("12.5%" is 12.5, unit "%" when none is given). Excel cells formatted as percentages
  are read as shown (0.125 shown as 12.5% is 12.5).
- A unit is a property of a measure: it may be given on any one of the measure's rows; common
  spellings are normalised (UNIT_SPELLINGS). A later row giving a different unit or polarity for the
  same measure is rejected. Polarity defaults to neutral.
- Periods are kept as written; `period_end` is read from "2018-09", "2018-09-30", "30/09/2018",
  "Sep 2018", "September 2018", "Sep-18", "2018/19" (financial year: 2019-03-31), "2018-2019" and
  "2018", else None. An Excel date cell formatted without a day (e.g. "mmm-yy") is a month.

Counting
- One rejected line per rejected record: when a record has several problems the reasons are joined
  with "; " and `column` names the first. Later duplicates of footprint x measure x period (or of a
  footprint, for ratings) are rejected naming the first row; duplicates are looked for only among
  otherwise good rows, so accepted keys are unique.
- Wholly empty rows are skipped (not counted) and mentioned in the notes.
"""

from __future__ import annotations

import calendar
import contextlib
import csv
import datetime as dt
import functools
import io
import math
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Literal

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from stp_data import schemas
from stp_data.errors import DataValidationError, Problem
from stp_data.export import safe_csv_bytes
from stp_data.metrics import METRIC_COLUMNS, UNITS, catalogue_schema

MAX_UPLOAD_BYTES = 20_000_000
# An .xlsx is compressed: cap what it unpacks to, as well as the upload's size.
MAX_ROWS = 200_000
MAX_COLUMNS = 500
# Rows x columns bounds a wide file's records: checked up front so a small file can't take the server down.
MAX_CELLS = 2_000_000
HEADER_SEARCH_ROWS = 30

CSV_SUFFIXES = (".csv",)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "stp code", "stp17cd", "stp18cd", "footprint code", "ons code", "area code"),
    "measure": ("measure", "indicator", "metric"),
    "period": ("period", "date", "month", "year"),
    "value": ("value", "val", "figure"),
    "unit": ("unit", "units"),
    "polarity": ("polarity", "direction"),
    "target": ("target",),
    "source": ("source",),
    "population": ("population", "denominator"),
    "name": ("name", "stp name", "footprint name", "stp17nm", "stp18nm", "area name"),
    "rating": ("rating", "overall rating", "overall rating 2017", "rating 2017"),
}
METRICS_FIELDS = ("code", "measure", "period", "value", "unit", "polarity", "target", "source", "population", "name")
TIDY_REQUIRED = ("code", "measure", "period", "value")
# In a wide file these columns describe the row; every other named column is a measure.
WIDE_ROW_FIELDS = ("code", "period", "source", "population", "name")
# Rows of a wide file whose code cell names one of these give that field for every measure column.
WIDE_SETTING_ROWS = ("unit", "polarity", "period")
RATINGS_FIELDS = ("code", "rating", "source", "name")

UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "per 100,000 population": (
        "per 100,000",
        "per 100000",
        "per 100k",
        "per 100k population",
        "per 100,000 people",
        "rate per 100,000",
    ),
    "£ million": ("£m", "£ m", "£mn", "£ millions", "gbp million", "gbp m", "gbpm", "million pounds"),
    "£ per head": ("£/head", "£ per capita", "gbp per head", "per head (£)", "£ per person"),
    "FTE": ("fte", "wte", "whole time equivalent", "full time equivalent"),
    "%": ("percent", "per cent", "percentage", "pct"),
    "count": ("number", "no.", "n", "headcount"),
}
POLARITY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "higher_is_better": ("higher is better", "higher", "high is good", "up"),
    "lower_is_better": ("lower is better", "lower", "low is good", "down"),
    "neutral": ("neutral", "none", "n/a"),
}
POLARITY_WORDS = {"higher_is_better": "higher is better", "lower_is_better": "lower is better", "neutral": "neutral"}

STP_CODE = re.compile(r"E54[0-9]{6}")
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")

USER_THEME = "your data"
USER_FILE = "metrics_your_data.csv"
REJECTED_FIXED = ["row", "column", "reason"]
MISSING_UNIT = "missing unit"


def _squash(text: str) -> str:
    """The key a column name is matched by: letters and digits only, case-folded."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _spelling(text: str) -> str:
    """The key a unit or word is matched by: case-folded, without spaces or commas."""
    return re.sub(r"[\s,]", "", text.casefold())


_FIELD_BY_ALIAS = {_squash(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
_UNIT_BY_SPELLING = {_spelling(s): unit for unit, spellings in UNIT_SPELLINGS.items() for s in (unit, *spellings)}
_POLARITY_BY_SPELLING = {
    _squash(s): polarity for polarity, spellings in POLARITY_SPELLINGS.items() for s in (polarity, *spellings)
}
_RATING_BY_SPELLING = {" ".join(r.casefold().split()): r for r in schemas.RATINGS}


@dataclass(frozen=True)
class MetricsUpload:
    """A metrics file read into the bundled layout, with every row accounted for."""

    accepted: pd.DataFrame  # METRIC_COLUMNS
    measures: pd.DataFrame  # catalogue rows (catalogue_schema) for the measures with accepted rows
    rejected: pd.DataFrame  # row, column, reason, then the record's original cells
    rows_read: int
    layout: Literal["tidy", "wide"]
    notes: list[str]
    targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["code", "measure", "period", "target"]))


@dataclass(frozen=True)
class RatingsUpload:
    """A ratings file: one rating per footprint, with every row accounted for."""

    accepted: pd.DataFrame  # code, rating, source
    rejected: pd.DataFrame
    rows_read: int
    notes: list[str]


# ---------------------------------------------------------------- reading bytes into a grid of text


@dataclass(frozen=True)
class _Grid:
    cells: list[list[str]]  # every row from spreadsheet row 1, text as the user sees it
    notes: list[str]


def _refuse(filename: str, reason: str, row: int | None = None, column: str | None = None) -> DataValidationError:
    return DataValidationError([Problem(filename, row, column, reason)])


def _read_grid(data: bytes, filename: str, max_bytes: int) -> _Grid:
    if len(data) > max_bytes:
        raise _refuse(filename, f"the file is {len(data):,} bytes, more than the {max_bytes:,}-byte limit")
    suffix = Path(filename).suffix.lower()
    if suffix == ".xls":
        raise _refuse(filename, "old Excel .xls files cannot be read: save it as .xlsx or CSV")
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES:
        raise _refuse(filename, f"unsupported file type '{suffix or 'none'}': upload a CSV or an Excel .xlsx file")
    if not data.strip():
        raise _refuse(filename, "the file is empty")
    grid = _excel_grid(data, filename) if suffix in EXCEL_SUFFIXES else _csv_grid(data, filename)
    if len(grid.cells) > MAX_ROWS:
        raise _refuse(filename, f"the file has more than {MAX_ROWS:,} rows")
    if any(len(row) > MAX_COLUMNS for row in grid.cells):
        raise _refuse(filename, f"the file has more than {MAX_COLUMNS} columns")
    if sum(len(row) for row in grid.cells) > MAX_CELLS:
        raise _refuse(filename, f"the file has more than {MAX_CELLS:,} cells")
    return grid


def _csv_grid(data: bytes, filename: str) -> _Grid:
    if b"\x00" in data:
        # UTF-16 text (Excel's "Unicode text") or a binary file renamed .csv.
        raise _refuse(filename, "unreadable bytes: this is not CSV text (save it as 'CSV UTF-8')")
    notes = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _refuse(filename, "unreadable bytes: the file is neither UTF-8 nor Windows-1252 text") from None
        notes.append("Read as Windows-1252 (the file is not UTF-8).")
    try:
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise _refuse(filename, f"could not be read as CSV ({exc})") from None
    return _Grid(rows, notes)


def _excel_grid(data: bytes, filename: str) -> _Grid:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = workbook.worksheets
            if not sheets:
                raise _refuse(filename, "the workbook has no worksheet")
            # min_row/min_col 1 so that row and column numbers are those Excel shows; one past each
            # limit so that _read_grid can refuse a sheet beyond it.
            rows = [
                _without_trailing_blanks([_excel_text(cell) for cell in islice(row, MAX_COLUMNS + 1)])
                for row in islice(sheets[0].iter_rows(min_row=1, min_col=1), MAX_ROWS + 1)
            ]
            names = [sheet.title for sheet in sheets]
        finally:
            workbook.close()
    except DataValidationError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many types; all mean "not a workbook we can read"
        raise _refuse(filename, f"could not be read as an Excel .xlsx workbook ({type(exc).__name__})") from None
    notes = []
    if len(names) > 1:
        notes.append(
            f"Read the first sheet, '{names[0]}'; the workbook's other {len(names) - 1} sheet(s) were not read."
        )
    return _Grid(rows, notes)


def _without_trailing_blanks(cells: list[str]) -> list[str]:
    """Excel pads rows to the sheet's used range; formatting far to the right is not data."""
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _excel_text(cell: object) -> str:
    """A cell as the user sees it in Excel, as far as a value needs (percentages, months, numbers)."""
    value = getattr(cell, "value", None)
    number_format = str(getattr(cell, "number_format", None) or "General")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date):
        # A date shown without a day ("mmm-yy") stands for its month, not for the 1st.
        return f"{value:%b %Y}" if "d" not in number_format.lower() else f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        if "%" in number_format:
            return f"{value * 100:.10g}%"
        return f"{value:.15g}"
    return str(value).strip()


# ---------------------------------------------------------------- the header and the records under it


@dataclass(frozen=True)
class _Header:
    index: int  # position in the grid; the spreadsheet row is index + 1
    texts: list[str]  # the header cells as written
    names: list[str]  # a unique display name for every column
    fields: dict[str, int]  # field -> column position, for the recognised columns
    data: list[tuple[int, list[str]]]  # (spreadsheet row, cells padded to the header's width), non-empty rows
    notes: list[str]

    @property
    def row(self) -> int:
        return self.index + 1

    def name_of(self, field_name: str) -> str:
        return self.names[self.fields[field_name]]

    def cell(self, cells: list[str], field_name: str) -> str:
        return cells[self.fields[field_name]] if field_name in self.fields else ""


def _field_of(text: str, fields: Iterable[str]) -> str | None:
    found = _FIELD_BY_ALIAS.get(_squash(text))
    return found if found in fields else None


def _find_header(grid: _Grid, fields: tuple[str, ...], filename: str) -> _Header:
    for index, row in enumerate(grid.cells[:HEADER_SEARCH_ROWS]):
        found = [_field_of(cell, fields) for cell in row]
        if "code" in found or sum(f is not None for f in found) >= 2:
            return _header_at(grid, index, fields)
    if not any(any(row) for row in grid.cells):
        raise _refuse(filename, "the file is empty")
    raise _refuse(
        filename,
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows: expected a column named "
        + " or ".join(f"'{alias}'" for alias in COLUMN_ALIASES["code"]),
    )


def _header_at(grid: _Grid, index: int, fields: tuple[str, ...]) -> _Header:
    rows = grid.cells
    width = max(len(row) for row in rows[index:])
    header = rows[index] + [""] * (width - len(rows[index]))
    names = _display_names(header)
    recognised: dict[str, int] = {}
    notes = list(grid.notes)
    for position, text in enumerate(header):
        found = _field_of(text, fields)
        if found is None:
            continue
        if found in recognised:
            notes.append(f"Used column '{names[recognised[found]]}' for {found}; ignored '{names[position]}'.")
        else:
            recognised[found] = position
    if index > 0:
        notes.append(f"Found the header on row {index + 1} (rows above look like a title).")
    data, blank = [], 0
    for offset, row in enumerate(rows[index + 1 :], start=index + 2):
        if any(row):
            data.append((offset, row + [""] * (width - len(row))))
        else:
            blank += 1
    if blank and data:
        notes.append(f"Skipped {blank} empty row(s).")
    return _Header(index, header, names, recognised, data, notes)


def _display_names(header: list[str]) -> list[str]:
    """Unique names for the columns, as the user knows them; blank headers by column letter."""
    names: list[str] = []
    for position, text in enumerate(header):
        name = text or f"column {get_column_letter(position + 1)}"
        if name in REJECTED_FIXED:
            name += " (in file)"
        while name in names:
            name += " (again)"
        names.append(name)
    return names


def _require(header: _Header, required: tuple[str, ...], filename: str) -> None:
    missing = [f for f in required if f not in header.fields]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    filename,
                    header.row,
                    name,
                    "required column is missing (looked for: " + ", ".join(COLUMN_ALIASES[name]) + ")",
                )
                for name in missing
            ]
        )
    if not header.data:
        raise _refuse(filename, "has a header but no rows", row=header.row)


@dataclass
class _Record:
    """One candidate row of the output, with where each of its fields came from."""

    row: int
    cells: dict[str, str]  # the original cells of the spreadsheet row, by display name
    values: dict[str, str]  # field -> text
    where: dict[str, str]  # field -> column name (or description) to name in a rejection
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)

    def reject(self, field_name: str, reason: str) -> None:
        self.problems.append((self.where.get(field_name, field_name), reason))


def _tidy_records(header: _Header) -> list[_Record]:
    where = {name: header.name_of(name) for name in header.fields}
    return [
        _Record(
            row,
            dict(zip(header.names, cells, strict=True)),
            {name: cells[position] for name, position in header.fields.items()},
            where,
        )
        for row, cells in header.data
    ]


def _wide_records(header: _Header, filename: str) -> tuple[list[_Record], list[str]]:
    """One record per footprint row x measure column; setting rows give each column's unit etc."""
    measures = [p for p, text in enumerate(header.texts) if text and p not in header.fields.values()]
    if not measures:
        raise _refuse(
            filename,
            "found a code column but no measure and value columns (tidy layout) and no measure columns (wide layout)",
            row=header.row,
        )
    # With a period column a row saying "period" is data (and rejected as such), not a setting.
    settings, data = _wide_setting_rows(header, [n for n in WIDE_SETTING_ROWS if n not in header.fields])
    notes = [
        f"Converted a wide layout: {len(measures)} measure column(s) became rows "
        f"({len(data)} footprint row(s) x {len(measures)} measure(s))."
    ]
    notes += [f"Read each measure's {name} from the '{name}' row (row {row})." for name, (row, _) in settings.items()]
    unused = [header.name_of(f) for f in header.fields if f not in WIDE_ROW_FIELDS]
    if unused:
        notes.append("Not used in a wide layout: column(s) " + ", ".join(f"'{n}'" for n in unused) + ".")
    records = []
    for row, cells in data:
        original = dict(zip(header.names, cells, strict=True))
        for position in measures:
            measure = header.names[position]
            values = {name: header.cell(cells, name) for name in WIDE_ROW_FIELDS}
            values |= {"measure": measure, "value": cells[position]}
            where = {name: measure for name in ("measure", "value", "unit", "polarity", "period")}
            where |= {name: header.name_of(name) for name in WIDE_ROW_FIELDS if name in header.fields}
            for name, (setting_row, setting_cells) in settings.items():
                values[name] = setting_cells[position]
                where[name] = f"{measure} ({name} row {setting_row})"
            records.append(_Record(row, original, values, where))
    return records, notes


def _wide_setting_rows(
    header: _Header, names: list[str]
) -> tuple[dict[str, tuple[int, list[str]]], list[tuple[int, list[str]]]]:
    """Split the first row setting each of names (unit, polarity, period) for every measure column from the rest."""
    settings: dict[str, tuple[int, list[str]]] = {}
    data = []
    for row, cells in header.data:
        name = _field_of(header.cell(cells, "code"), names)
        if name is not None and name not in settings:
            settings[name] = (row, cells)
        else:
            data.append((row, cells))
    return settings, data


def _unused_columns_note(header: _Header, used: Iterable[str]) -> list[str]:
    unused = [header.names[p] for p, text in enumerate(header.texts) if text and p not in header.fields.values()]
    unused += [header.name_of(f) for f in header.fields if f not in used]
    return ["Not used: column(s) " + ", ".join(f"'{n}'" for n in unused) + "."] if unused else []


# ---------------------------------------------------------------- checking cells


def _number(text: str) -> tuple[float | None, bool]:
    """(value, had a % sign); value None unless the text is a finite number as analysts write one."""
    cleaned = text.strip().replace("\u00a0", "")
    percent = cleaned.endswith("%")
    cleaned = cleaned.removesuffix("%").strip().removeprefix("£").strip()
    # Only well-formed thousands groups: "1,5" may be a European decimal and must not become 15.
    if GROUPED_NUMBER.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not NUMBER.fullmatch(cleaned):
        return None, percent
    number = float(cleaned)
    return (number if math.isfinite(number) else None), percent


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def _check_code(record: _Record, known: Collection[str]) -> str:
    code = re.sub(r"\s+", "", record.values.get("code", "")).upper()
    if not code:
        record.reject("code", "missing footprint code")
    elif not STP_CODE.fullmatch(code):
        record.reject("code", f"malformed footprint code {code[:40]!r} (expected E54 and six digits)")
    elif code not in known:
        record.reject("code", f"unknown footprint code {code!r} (not one of the {len(known)} footprints)")
    return code


def _duplicates(records: list[_Record], keys: list[tuple], describe: str) -> None:
    """Reject later repeats among otherwise good records, naming the first row."""
    first: dict[tuple, int] = {}
    for record, key in zip(records, keys, strict=True):
        if record.problems:
            continue
        if key in first:
            record.reject("code", f"duplicate {describe}: row {first[key]} already gives it")
        else:
            first[key] = record.row


def _rejected_frame(records: list[_Record], names: list[str]) -> pd.DataFrame:
    rows = [
        {"row": r.row, "column": r.problems[0][0], "reason": "; ".join(reason for _, reason in r.problems), **r.cells}
        for r in records
        if r.problems
    ]
    return pd.DataFrame(rows, columns=[*REJECTED_FIXED, *names]).astype({"row": "int64"})


# ---------------------------------------------------------------- period labels


_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_MONTH_FORMATS = ("%Y-%m", "%b %Y", "%B %Y", "%b-%y", "%b-%Y", "%B-%y", "%B-%Y", "%b %y")
_FINANCIAL_YEAR = re.compile(r"([0-9]{4})\s*(?:/\s*([0-9]{2}|[0-9]{4})|-\s*([0-9]{2}|[0-9]{4}))")


@functools.lru_cache(maxsize=4096)
def period_end_of(label: str) -> str | None:
    """The last day of the period a label names, as YYYY-MM-DD; None when the label is not a date."""
    text = " ".join(label.split())
    for fmt in _DAY_FORMATS:
        with contextlib.suppress(ValueError):
            return dt.datetime.strptime(text, fmt).date().isoformat()
    for fmt in _MONTH_FORMATS:
        with contextlib.suppress(ValueError):
            month = dt.datetime.strptime(text, fmt)
            return dt.date(month.year, month.month, calendar.monthrange(month.year, month.month)[1]).isoformat()
    financial = _FINANCIAL_YEAR.fullmatch(text)
    if financial:
        start, end = int(financial[1]), financial[2] or financial[3]
        follows = int(end) == start + 1 if len(end) == 4 else int(end) == (start + 1) % 100
        if follows and start < 9999:
            return dt.date(start + 1, 3, 31).isoformat()  # UK financial year: April to March
    if re.fullmatch(r"[0-9]{4}", text) and int(text) > 0:
        return dt.date(int(text), 12, 31).isoformat()
    return None


# ---------------------------------------------------------------- metrics


def parse_metrics_file(
    data: bytes,
    filename: str,
    known_codes: Collection[str],
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    loaded_at: dt.datetime | None = None,
) -> MetricsUpload:
    """Read a tidy or wide metrics file (CSV or .xlsx); see the module docstring for what is accepted."""
    name = Path(filename).name
    grid = _read_grid(data, name, max_bytes)
    header = _find_header(grid, METRICS_FIELDS, name)
    notes = list(header.notes)
    if "measure" in header.fields or "value" in header.fields:
        layout: Literal["tidy", "wide"] = "tidy"
        _require(header, TIDY_REQUIRED, name)
        records = _tidy_records(header)
        notes += _unused_columns_note(header, METRICS_FIELDS)
    else:
        layout = "wide"
        _require(header, ("code",), name)
        records, wide_notes = _wide_records(header, name)
        notes += wide_notes
    known = set(known_codes)
    checked = [_check_metric(record, known) for record in records]
    units = _settle_per_measure(records, checked, "unit", missing=MISSING_UNIT)
    if any(MISSING_UNIT in reason for r in records for _, reason in r.problems):
        notes.append(
            "Some measures have no unit: give one in a 'unit' column (in a wide file, a row whose code cell says "
            "'unit'), on at least one row of each measure, as one of: " + "; ".join(UNITS) + "."
        )
    polarities = _settle_per_measure(records, checked, "polarity", missing=None)
    _duplicates(
        records,
        [(c.code, c.measure, period_end_of(c.period) or c.period) for c in checked],
        "footprint, measure and period",
    )
    good = [(record, cell) for record, cell in zip(records, checked, strict=True) if not record.problems]
    accepted = _accepted_metrics(good, name)
    loaded = loaded_at or dt.datetime.now()
    measures = _catalogue_rows(good, units, polarities, name, loaded)
    undated = accepted.loc[accepted["period_end"].isna(), "period"].unique()
    if len(undated):
        notes.append(f"{len(undated)} period label(s) could not be read as dates; they are kept as written.")
    return MetricsUpload(
        accepted=accepted,
        measures=measures,
        rejected=_rejected_frame(records, header.names),
        rows_read=len(records),
        layout=layout,
        notes=notes,
        targets=_targets(good),
    )


@dataclass(frozen=True)
class _MetricCells:
    """One record's cells, read; a field that failed its check is left at its default."""

    code: str = ""
    measure: str = ""  # the measure's id (slug of its name)
    measure_name: str = ""
    period: str = ""
    value: float | None = None
    unit: str | None = None  # given or implied by a % sign
    polarity: str | None = None
    population: int | None = None
    target: float | None = None


def _check_metric(record: _Record, known: Collection[str]) -> _MetricCells:
    cells = record.values
    code = _check_code(record, known)
    measure_name = " ".join(cells.get("measure", "").split())
    if not measure_name:
        record.reject("measure", "missing measure")
    elif not _slug(measure_name):
        record.reject("measure", f"measure name {measure_name[:60]!r} has no letters or digits")
    period = " ".join(cells.get("period", "").split())
    if not period:
        record.reject("period", "missing period")
    value, percent = _number(cells.get("value", ""))
    if not cells.get("value"):
        record.reject("value", "missing value")
    elif value is None:
        record.reject("value", f"non-numeric value {cells['value'][:60]!r}")
    return _MetricCells(
        code=code,
        measure=_slug(measure_name),
        measure_name=measure_name,
        period=period,
        value=value,
        unit=_word(record, "unit", _UNIT_BY_SPELLING, _spelling, UNITS) or ("%" if percent else None),
        polarity=_word(record, "polarity", _POLARITY_BY_SPELLING, _squash, POLARITY_WORDS.values()),
        population=_population(record),
        target=_optional_number(record, "target"),
    )


def _word(record: _Record, name: str, spellings: dict[str, str], key, allowed: Iterable[str]) -> str | None:
    """A unit or polarity normalised from its common spellings; None when absent or unknown."""
    text = record.values.get(name, "")
    if not text:
        return None
    word = spellings.get(key(text))
    if word is None:
        record.reject(name, f"unknown {name} {text[:60]!r} (use one of: {'; '.join(allowed)})")
    return word


def _population(record: _Record) -> int | None:
    number = _optional_number(record, "population")
    if number is not None and (number <= 0 or not number.is_integer()):
        record.reject("population", "population must be a positive whole number")
        return None
    return None if number is None else int(number)


def _optional_number(record: _Record, name: str) -> float | None:
    text = record.values.get(name, "")
    number, _ = _number(text)
    if text and number is None:
        record.reject(name, f"non-numeric {name} {text[:60]!r}")
    return number


def _settle_per_measure(
    records: list[_Record], checked: list[_MetricCells], name: str, *, missing: str | None
) -> dict[str, str]:
    """A unit (or polarity) belongs to a measure: the first row giving one sets it for all its rows."""
    first: dict[str, tuple[str, int]] = {}
    for record, cells in zip(records, checked, strict=True):
        given = getattr(cells, name)
        if not cells.measure or given is None:
            continue
        if cells.measure not in first:
            first[cells.measure] = (given, record.row)
        elif first[cells.measure][0] != given:
            settled, row = first[cells.measure]
            record.reject(name, f"{name} {given!r} differs from {settled!r} given on row {row} for this measure")
    if missing is not None:
        for record, cells in zip(records, checked, strict=True):
            # An unknown unit was reported already; "missing" would repeat it.
            if cells.measure and cells.measure not in first and not record.values.get(name):
                record.reject(name, missing)
    return {measure: given for measure, (given, _) in first.items()}


def _accepted_metrics(good: list[tuple[_Record, _MetricCells]], filename: str) -> pd.DataFrame:
    # Text typed as in the bundled metrics; period_end stays object so that an undated period is None.
    return pd.DataFrame(
        {
            "code": pd.array([c.code for _, c in good], dtype="str"),
            "measure": pd.array([c.measure for _, c in good], dtype="str"),
            "period": pd.array([c.period for _, c in good], dtype="str"),
            "period_end": pd.array([period_end_of(c.period) for _, c in good], dtype=object),
            "value": pd.array([c.value for _, c in good], dtype="float64"),
            "population": pd.array([c.population for _, c in good], dtype="Int64"),
            "source": pd.array(
                [r.values.get("source") or f"Your file {filename}, row {r.row}" for r, _ in good], "str"
            ),
        },
        columns=METRIC_COLUMNS,
    )


def _catalogue_rows(
    good: list[tuple[_Record, _MetricCells]],
    units: dict[str, str],
    polarities: dict[str, str],
    filename: str,
    loaded: dt.datetime,
) -> pd.DataFrame:
    names: dict[str, str] = {}
    for _, cells in good:
        names.setdefault(cells.measure, cells.measure_name)
    rows = [
        {
            "measure": measure,
            "theme": USER_THEME,
            "name": name,
            "short_name": name,
            "unit": units[measure],
            "polarity": polarities.get(measure, "neutral"),
            "decimals": 1,
            "england_method": "none",
            "file": USER_FILE,
            "publisher": "Your data",
            "title": filename,
            "url": None,
            "published": loaded.date().isoformat(),
            "licence": "Loaded by the user",
            "notes": f"Loaded from {filename} at {loaded:%Y-%m-%d %H:%M}",
        }
        for measure, name in names.items()
    ]
    schema = catalogue_schema()
    # Typed as the bundled catalogue, so that the two concatenate (and an empty frame is typed too).
    frame = pd.DataFrame(
        {
            column: pd.array([row[column] for row in rows], dtype="Int64" if column == "decimals" else "str")
            for column in schema.columns
        }
    )
    return schemas.validate(frame, schema, filename) if rows else frame


def _targets(good: list[tuple[_Record, _MetricCells]]) -> pd.DataFrame:
    kept = [c for _, c in good if c.target is not None]
    return pd.DataFrame(
        {
            "code": pd.array([c.code for c in kept], dtype="str"),
            "measure": pd.array([c.measure for c in kept], dtype="str"),
            "period": pd.array([c.period for c in kept], dtype="str"),
            "target": pd.array([c.target for c in kept], dtype="float64"),
        }
    )


# ---------------------------------------------------------------- ratings


def parse_ratings_file(
    data: bytes, filename: str, known_codes: Collection[str], *, max_bytes: int = MAX_UPLOAD_BYTES
) -> RatingsUpload:
    """Read a file of footprint ratings (code, rating; source optional), one rating per footprint."""
    name = Path(filename).name
    header = _find_header(_read_grid(data, name, max_bytes), RATINGS_FIELDS, name)
    _require(header, ("code", "rating"), name)
    records = _tidy_records(header)
    known = set(known_codes)
    ratings = [_check_rating(record, known) for record in records]
    _duplicates(records, [(code,) for code, _ in ratings], "footprint")
    good = [(record, cells) for record, cells in zip(records, ratings, strict=True) if not record.problems]
    accepted = pd.DataFrame(
        {
            "code": [code for _, (code, _) in good],
            "rating": [rating for _, (_, rating) in good],
            "source": [r.values.get("source") or f"Your file {name}, row {r.row}" for r, _ in good],
        },
        columns=["code", "rating", "source"],
        dtype="str",
    )
    return RatingsUpload(
        accepted=accepted,
        rejected=_rejected_frame(records, header.names),
        rows_read=len(records),
        notes=[*header.notes, *_unused_columns_note(header, RATINGS_FIELDS)],
    )


def _check_rating(record: _Record, known: Collection[str]) -> tuple[str, str]:
    code = _check_code(record, known)
    text = " ".join(record.values.get("rating", "").split())
    rating = _RATING_BY_SPELLING.get(text.casefold(), "")
    if not text:
        record.reject("rating", "missing rating")
    elif not rating:
        record.reject("rating", f"rating {text[:60]!r} is not one of: {', '.join(schemas.RATINGS)}")
    return code, rating


# ---------------------------------------------------------------- files out


def rejected_csv_bytes(upload: MetricsUpload | RatingsUpload) -> bytes:
    """The rejected rows with their reasons, safe to open in a spreadsheet."""
    return safe_csv_bytes(upload.rejected)


def template_csv_bytes(metrics: pd.DataFrame, catalogue: pd.DataFrame) -> bytes:
    """The tidy layout this module reads, pre-filled with the bundled figures."""
    described = catalogue.set_index("measure")
    template = pd.DataFrame(
        {
            "code": metrics["code"],
            "measure": metrics["measure"].map(described["name"]),
            "period": metrics["period"],
            "value": metrics["value"],
            "unit": metrics["measure"].map(described["unit"]),
            "polarity": metrics["measure"].map(described["polarity"]).map(POLARITY_WORDS),
            "target": "",
            "source": metrics["source"],
        }
    )
    return safe_csv_bytes(template)
