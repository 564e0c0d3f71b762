"""Bytes to a grid of text, with every safety limit applied while reading, never after.

A CSV is read by pandas' C parser in one call (falling back to the csv module only for ragged rows). An .xlsx is
a zip: its members' declared sizes are checked before anything is unpacked (zipfile never returns more than a
member declares, so a decompression bomb is refused in milliseconds), then the chosen sheet's XML is streamed once
to count rows and columns and to find merged cells and formulas without a saved result, and only then read by
openpyxl in read-only mode. Limits are module attributes read at call time (the benchmarks lift them).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from xml.etree.ElementTree import iterparse

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string as column_index
from openpyxl.utils.cell import coordinate_from_string, range_boundaries

from settings import MAX_UPLOAD_BYTES, TABLE_EXTENSIONS
from stp_data.errors import DataValidationError, Problem
from stp_data.upload import vocab
from stp_data.upload.arrow_csv import read_rectangular_csv

MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_CELLS = 2_000_000
# What an .xlsx may unpack to: a 20 MB workbook of plain numbers unpacks to well under this.
MAX_UNZIPPED_BYTES = 150_000_000
MAX_SHARED_STRINGS_BYTES = 40_000_000
MAX_SHARED_STRINGS = 1_000_000
MAX_ZIP_MEMBERS = 1_000
HEADER_SEARCH_ROWS = 30
HEAD_CHARS, HEAD_ROWS = 200_000, 60  # how much of a CSV is read to count its columns
CSV_SUFFIXES = (".csv",)
EXCEL_SUFFIXES = tuple(f".{ext}" for ext in TABLE_EXTENSIONS if ext != "csv")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True)
class RawTable:
    """One sheet (or a CSV) as text, exactly as laid out: spreadsheet row r is cells.iloc[r - 1]."""

    filename: str
    cells: pd.DataFrame  # every cell as str ("" when blank); columns 0..width-1
    sheet: str | None = None  # the sheet read (None for a CSV)
    sheets: tuple[str, ...] = ()  # every sheet in the workbook, in order
    notes: tuple[str, ...] = ()
    merged: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) covered, not the anchor -> range
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> formula with no saved result

    def blank_cell_reason(self, row: int, column: int) -> str | None:
        """Why a cell the user sees filled is blank to a reader, or None (row and column 1-based)."""
        where = f"{get_column_letter(column)}{row}"
        if (row, column) in self.merged:
            return (
                f"cell {where} is part of merged cells {self.merged[(row, column)]}: only the first cell holds the "
                "value, so unmerge and fill the value into every row"
            )
        if (row, column) in self.formulas:
            return (
                f"cell {where} holds a formula ({self.formulas[(row, column)][:40]}) with no saved result: open the "
                "file in Excel and save it again, or paste the values"
            )
        return None


def refuse(filename: str, reason: str, row: int | None = None, column: str | None = None) -> DataValidationError:
    return DataValidationError([Problem(filename, row, column, reason)])


def read_raw_table(data: bytes, filename: str, *, sheet: str | None = None, max_bytes: int | None = None) -> RawTable:
    """The file as a grid of text; DataValidationError (naming the file) for anything unreadable or too large.

    For a workbook, `sheet` picks the sheet by name; by default the first sheet with a table is read, and the
    notes say which and why.
    """
    name = Path(filename).name
    limit = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise refuse(
            name,
            f"the file is {len(data):,} bytes, more than the {limit:,}-byte limit ({limit / 1e6:,.0f} MB)",
        )
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise refuse(name, "old Excel .xls files cannot be read: save it as .xlsx or CSV")
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES:
        raise refuse(name, f"unsupported file type '{suffix or 'none'}': upload a CSV or an Excel .xlsx file")
    if not data or data.isspace():  # as `not data.strip()`, without copying the file
        raise refuse(name, "the file is empty")
    table = _excel_table(data, name, sheet) if suffix in EXCEL_SUFFIXES else _csv_table(data, name)
    rows, columns = table.cells.shape
    if rows > MAX_ROWS:
        raise refuse(name, f"the file has more than {MAX_ROWS:,} rows")
    if columns > MAX_COLUMNS:
        raise refuse(name, f"the file has more than {MAX_COLUMNS} columns")
    if rows * columns > MAX_CELLS:
        raise refuse(name, f"the file has more than {MAX_CELLS:,} cells")
    return table


def list_sheets(data: bytes, filename: str) -> list[str]:
    """The sheets of a workbook, in order ([] for a CSV), checked for size before anything is unpacked."""
    name = Path(filename).name
    if Path(name).suffix.lower() not in EXCEL_SUFFIXES:
        return []
    with _workbook(data, name) as (_, workbook):
        return list(workbook.sheetnames)


def header_row(cells: pd.DataFrame) -> int | None:
    """Position of the header among the top rows: the first naming a code column or two known columns, else
    the first row directly above a cell holding an ONS footprint code."""
    top = cells.iloc[:HEADER_SEARCH_ROWS]
    for position, row in enumerate(top.itertuples(index=False)):
        found = [vocab.field_of(str(cell)) for cell in row if cell]
        if "code" in found or sum(f is not None for f in found) >= 2:
            return position
    for position, row in enumerate(top.itertuples(index=False)):
        if position and any(vocab.STP_CODE.fullmatch(str(cell).strip().upper()) for cell in row):
            above = [cell for cell in top.iloc[position - 1] if cell]
            return position - 1 if len(above) >= 2 else None
    return None


# ---------------------------------------------------------------- CSV


def _csv_table(data: bytes, filename: str) -> RawTable:
    if b"\x00" in data:
        # UTF-16 text (Excel's "Unicode text") or a binary file renamed .csv.
        raise refuse(filename, "unreadable bytes: this is not CSV text (save it as 'CSV UTF-8')")
    head = _utf8_head(data)
    if head is not None:
        # Most files: UTF-8 and rectangular. pyarrow checks every cell is UTF-8 as it reads, so the file is decoded
        # to Python text only when pyarrow cannot read it (then everything below runs exactly as before).
        with contextlib.suppress(DataValidationError):  # a refusal is left to the reading below, as before
            cells = read_rectangular_csv(data, _width(head, filename), MAX_ROWS)
            if cells is not None:
                return RawTable(filename, _trim(cells))
    notes = []
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise refuse(filename, "unreadable bytes: the file is neither UTF-8 nor Windows-1252 text") from None
        encoding = "cp1252"
        notes.append("Read as Windows-1252 (the file is not UTF-8).")
    width = _width(text[:HEAD_CHARS], filename)
    try:
        cells = pd.read_csv(
            io.BytesIO(data),
            header=None,
            names=range(width),
            index_col=False,
            dtype=object,  # Python strings: half the time of pandas' arrow-backed str here
            keep_default_na=False,
            skip_blank_lines=False,
            encoding=encoding,
            nrows=MAX_ROWS + 1,
        )
    except (pd.errors.ParserError, ValueError, csv.Error):
        # A later row wider than the first 60: the csv module reads ragged rows (slower, only then).
        cells = _ragged_csv(text, filename)
    return RawTable(filename, _trim(cells), notes=tuple(notes))


def _utf8_head(data: bytes) -> str | None:
    """The first HEAD_CHARS characters of a UTF-8 file (a BOM dropped), or None if they are not UTF-8. Decodes
    enough bytes for that many characters (at most 4 bytes each), never the whole file."""
    part = data[: 4 * HEAD_CHARS]
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(part, final=len(part) == len(data))
    except UnicodeDecodeError:
        return None
    return text[:HEAD_CHARS]


def _width(head: str, filename: str) -> int:
    """The number of columns: the widest of the first rows (the csv module reads them, quotes and all)."""
    try:
        rows = list(islice(csv.reader(io.StringIO(head, newline="")), HEAD_ROWS))
    except csv.Error as exc:
        raise refuse(filename, f"could not be read as CSV ({exc})") from None
    width = max((len(row) for row in rows), default=1) or 1
    if width > MAX_COLUMNS:
        raise refuse(filename, f"the file has more than {MAX_COLUMNS} columns")
    return width


def _ragged_csv(text: str, filename: str) -> pd.DataFrame:
    try:
        rows = list(islice(csv.reader(io.StringIO(text, newline="")), MAX_ROWS + 1))
    except csv.Error as exc:
        raise refuse(filename, f"could not be read as CSV ({exc})") from None
    if any(len(row) > MAX_COLUMNS for row in rows):
        raise refuse(filename, f"the file has more than {MAX_COLUMNS} columns")
    return pd.DataFrame(rows, dtype=object)


def _trim(cells: pd.DataFrame) -> pd.DataFrame:
    """Drop blank columns on the right and blank rows at the end (formatting, not data); labels 0..n-1.

    Walks in from the edges, so a table with data to its last row and column costs almost nothing.
    """
    if _categorical(cells):
        last_row, last_column = _used_extent(cells)
    else:
        if cells.isna().to_numpy().any() if cells.size < 1_000_000 else False:
            cells = cells.fillna("")
        values = cells.to_numpy(dtype=object)

        def blank(block: np.ndarray) -> bool:
            return all(_blank_cell(v) for v in block.ravel())

        last_row = len(values)
        while last_row and blank(values[last_row - 1]):
            last_row -= 1
        last_column = values.shape[1] if values.ndim == 2 else 0
        while last_column and blank(values[:last_row, last_column - 1]):
            last_column -= 1
    trimmed = cells.iloc[:last_row, :last_column]
    trimmed.columns = range(trimmed.shape[1])
    return trimmed.reset_index(drop=True)


def _used_extent(cells: pd.DataFrame) -> tuple[int, int]:
    """(rows, columns) up to the last non-blank row and column of a frame of Categoricals, testing each distinct
    text once and the cells by their integer codes; walks in from the edges (usually one row, one column)."""

    def blank(j: int, rows: slice) -> np.ndarray:
        values = cells[cells.columns[j]].array
        categories = values.categories
        empty = np.asarray(categories.isna() | (categories == ""), dtype=bool)
        codes = values.codes[rows]
        return np.where(codes < 0, True, empty[np.maximum(codes, 0)] if len(empty) else True)

    n, width = cells.shape
    if n and not all(blank(j, slice(n - 1, n)).all() for j in range(width)):
        last_row = n
    else:
        every = np.column_stack([blank(j, slice(0, n)) for j in range(width)]) if n else np.ones((0, width), bool)
        filled_rows = np.flatnonzero(~every.all(axis=1))
        last_row = int(filled_rows[-1]) + 1 if len(filled_rows) else 0
    last_column = width
    while last_column and blank(last_column - 1, slice(0, last_row)).all():
        last_column -= 1
    return last_row, last_column


def _categorical(cells: pd.DataFrame) -> bool:
    return cells.shape[1] > 0 and all(isinstance(t, pd.CategoricalDtype) for t in cells.dtypes)


def _blank_cell(v: object) -> bool:
    return v is None or v == "" or (isinstance(v, float) and v != v)


# ---------------------------------------------------------------- Excel


class _workbook:  # noqa: N801 - used as a context manager, like open()
    """Size-checked zip, then openpyxl's read-only workbook over it; both closed on exit."""

    def __init__(self, data: bytes, filename: str) -> None:
        self.data, self.filename = data, filename

    def __enter__(self):
        self.archive = _checked_zip(self.data, self.filename)
        try:
            self.book = load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl and zipfile raise many types; all mean "not a workbook we can read"
            self.archive.close()
            raise refuse(
                self.filename, f"could not be read as an Excel .xlsx workbook ({type(exc).__name__})"
            ) from None
        if len(self.book.shared_strings) > MAX_SHARED_STRINGS:
            self.__exit__()
            raise refuse(self.filename, f"the workbook has more than {MAX_SHARED_STRINGS:,} distinct texts")
        return self.archive, self.book

    def __exit__(self, *_: object) -> None:
        self.book.close()
        self.archive.close()


def guarded_zip(
    data: bytes, filename: str, *, read_as: str, called: str, too_many: Callable[[list[zipfile.ZipInfo]], str | None]
) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open a zip (an .xlsx workbook, or a zip of monthly files) only if its directory says it is safe to read:
    members counted and their declared sizes summed before anything is unpacked (a zip bomb is refused here).

    `read_as` and `called` word the messages ("an Excel .xlsx workbook", "the workbook"); `too_many(members)` says
    why there are too many members, or None."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception as exc:  # BadZipFile, and struct errors for damaged directories
        raise refuse(filename, f"could not be read as {read_as} ({type(exc).__name__})") from None
    reason = too_many(members)
    if reason:
        raise refuse(filename, reason)
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNZIPPED_BYTES:
        raise refuse(
            filename,
            f"{called} unpacks to {unpacked / 1e6:,.0f} MB, more than the {MAX_UNZIPPED_BYTES / 1e6:,.0f} MB "
            "limit (a file this compressed is refused before it is read)",
        )
    return archive, members


def _checked_zip(data: bytes, filename: str) -> zipfile.ZipFile:
    archive, members = guarded_zip(
        data,
        filename,
        read_as="an Excel .xlsx workbook",
        called="the workbook",
        too_many=lambda m: (
            f"the workbook holds more than {MAX_ZIP_MEMBERS:,} parts" if len(m) > MAX_ZIP_MEMBERS else None
        ),
    )
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if strings > MAX_SHARED_STRINGS_BYTES:
        raise refuse(filename, f"the workbook's text table unpacks to {strings / 1e6:,.0f} MB, more than the limit")
    return archive


def _excel_table(data: bytes, filename: str, sheet: str | None) -> RawTable:
    with _workbook(data, filename) as (archive, book):
        names = list(book.sheetnames)
        if not names:
            raise refuse(filename, "the workbook has no worksheet")
        if sheet is not None and sheet not in names:
            raise refuse(filename, f"the workbook has no sheet '{sheet}' (sheets: {', '.join(names)})")
        order = [sheet] if sheet is not None else names
        skipped: list[str] = []
        for chosen in order:
            table = _sheet_table(archive, book, chosen, filename)
            if sheet is not None or header_row(table.cells) is not None or chosen == order[-1]:
                break
            skipped.append(chosen)
    notes = list(table.notes)
    others = [n for n in names if n != chosen]
    if skipped and header_row(table.cells) is not None:
        notes.append(
            f"Read the sheet '{chosen}': the first sheet, '{names[0]}', has no table"
            + (f" (nor has {', '.join(repr(s) for s in skipped[1:])})" if len(skipped) > 1 else "")
            + "."
        )
    elif skipped:
        table = _sheet_table_again(data, filename, names[0])
        chosen = names[0]
        notes = [
            *table.notes,
            f"No sheet has a table the reader recognises; the data may be on another sheet: {', '.join(names)}.",
        ]
    elif others:
        notes.append(
            f"Read the sheet '{chosen}'; the workbook's other {len(others)} sheet(s) were not read: "
            + ", ".join(f"'{n}'" for n in others)
            + "."
        )
    return RawTable(filename, table.cells, chosen, tuple(names), tuple(notes), table.merged, table.formulas)


def _sheet_table_again(data: bytes, filename: str, sheet: str) -> RawTable:
    with _workbook(data, filename) as (archive, book):
        return _sheet_table(archive, book, sheet, filename)


def _sheet_table(archive: zipfile.ZipFile, book, sheet: str, filename: str) -> RawTable:
    worksheet = book[sheet]
    path = str(getattr(worksheet, "_worksheet_path", "")).lstrip("/")
    merged, formulas, width = _scan_sheet(archive, path, filename)
    try:
        rows = [
            [_excel_text(cell) for cell in islice(row, width)]
            for row in islice(worksheet.iter_rows(min_row=1, min_col=1, max_col=max(width, 1)), MAX_ROWS + 1)
        ]
    except DataValidationError:
        raise
    except Exception as exc:  # a damaged sheet: openpyxl raises many types
        raise refuse(filename, f"could not be read as an Excel .xlsx workbook ({type(exc).__name__})") from None
    cells = _trim(pd.DataFrame(rows, dtype=object)) if rows else pd.DataFrame(dtype=object)
    return RawTable(filename, cells, sheet, merged=merged, formulas=formulas)


def _scan_sheet(archive: zipfile.ZipFile, path: str, filename: str) -> tuple[dict, dict, int]:
    """One streamed pass over the sheet's XML: refuse it past the limits, note merges and unsaved formulas.

    Returns (merged, formulas, width of the used columns). Elements are cleared as they end, so memory stays flat
    however long a row is.
    """
    merged: dict[tuple[int, int], str] = {}
    formulas: dict[tuple[int, int], str] = {}
    rows = cells = width = in_row = 0
    try:
        stream = archive.open(path)
    except KeyError:
        return merged, formulas, MAX_COLUMNS
    with stream:
        for _, element in _ends(stream, filename):
            tag = element.tag
            if tag == f"{_MAIN}c":
                # Formatting far to the right is not data: only cells with a value count towards the width.
                has_value = len(element) > 0
                in_row += has_value
                cells += 1
                reference = element.get("r")
                if reference and has_value:
                    width = max(width, _column_of(reference))
                if in_row > MAX_COLUMNS or width > MAX_COLUMNS:
                    raise refuse(filename, f"the sheet has more than {MAX_COLUMNS} columns")
                if cells > MAX_CELLS:
                    raise refuse(filename, f"the sheet has more than {MAX_CELLS:,} cells")
                formula = element.find(f"{_MAIN}f")
                value = element.find(f"{_MAIN}v")
                if formula is not None and (value is None or not value.text) and reference and len(formulas) < 10_000:
                    column, row = coordinate_from_string(reference)
                    formulas[(row, column_index(column))] = "=" + (formula.text or "…")
                element.clear()
            elif tag == f"{_MAIN}row":
                rows += 1
                width = max(width, in_row)
                in_row = 0
                if rows > MAX_ROWS:
                    raise refuse(filename, f"the sheet has more than {MAX_ROWS:,} rows")
                element.clear()
            elif tag == f"{_MAIN}mergeCell" and len(merged) < 100_000:
                _note_merge(merged, element.get("ref", ""))
    return merged, formulas, min(max(width, 1), MAX_COLUMNS)


def _ends(stream, filename: str) -> Iterator:
    try:
        yield from iterparse(stream, events=("end",))
    except DataValidationError:
        raise
    except Exception as exc:  # ParseError, zlib errors, BadZipFile (CRC): all mean a damaged sheet
        raise refuse(filename, f"could not be read as an Excel .xlsx workbook ({type(exc).__name__})") from None


def _column_of(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    return column_index(letters) if letters.isalpha() and len(letters) <= 3 else 0


def _note_merge(merged: dict[tuple[int, int], str], ref: str) -> None:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return
    if (max_row - min_row + 1) * (max_col - min_col + 1) > 10_000:
        return  # a banner across the sheet, not cells of the table
    for row in range(min_row, max_row + 1):
        for column in range(min_col, max_col + 1):
            if (row, column) != (min_row, min_col):
                merged[(row, column)] = ref


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
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return str(value).strip()
