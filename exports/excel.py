"""Tables out as Excel workbooks: text stays text, numbers stay numbers, the source travels with the table."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from exports.csv import FORMULA_PREFIXES

SHEET_NAME_MAX = 31
EXCEL_CELL_MAX = 32_767
ABOUT_SHEET = "About"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET_NAMES = {"history"}  # Excel reserves "History" for change tracking


def sheet_title(name: str, default: str = "Table") -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\, no apostrophe at either end."""
    cleaned = " ".join(_SHEET_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", str(name))).split()).strip("'").strip()
    cleaned = cleaned[:SHEET_NAME_MAX].strip().strip("'").strip()
    if not cleaned or cleaned.lower() in _RESERVED_SHEET_NAMES or cleaned.lower() == ABOUT_SHEET.lower():
        cleaned = f"{cleaned} {default}".strip()[:SHEET_NAME_MAX] if cleaned else default
    return cleaned


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_MAX]


def _excel_value(value: Any) -> Any:
    """Python value openpyxl can write; missing values become empty cells."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return _excel_value(value.item())
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.time) and value.tzinfo is not None:
        return value.isoformat()  # Excel has no time zones; keep the offset visible as text
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _write(ws: Any, row: int, column: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=column)
    value = _excel_value(value)
    if isinstance(value, str):
        text = _text(value)
        cell.value = text
        # openpyxl would store "=..." as a formula; a string cell never runs. quotePrefix is what Excel itself
        # sets for '=…, so the text also survives someone editing the cell.
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def table_xlsx_bytes(frame: pd.DataFrame, sheet_name: str, *, source_line: str | None = None) -> bytes:
    """One sheet with the table (bold header, frozen, filterable) and, with a source line, an "About" sheet.

    Formula-like text (=, +, -, @, tab, CR at the start) is written as plain text, never as a formula;
    numbers and booleans keep their types; missing values are empty cells.
    """
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet_title(sheet_name)
    columns = [str(c) for c in frame.columns]
    bold = Font(bold=True)
    for col, name in enumerate(columns, start=1):
        _write(ws, 1, col, name).font = bold
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for col, value in enumerate(row, start=1):
            _write(ws, r, col, value)
    if columns:
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame) + 1, 1)}"
        for col, name in enumerate(columns, start=1):
            longest = max([len(name), *(len(str(v)) for v in frame.iloc[:200, col - 1] if v is not None)])
            ws.column_dimensions[get_column_letter(col)].width = min(max(longest + 2, 8), 60)

    if source_line:
        about = workbook.create_sheet(ABOUT_SHEET)
        _write(about, 1, 1, "Table").font = bold
        _write(about, 1, 2, ws.title)
        _write(about, 2, 1, "Source").font = bold
        _write(about, 2, 2, source_line).alignment = Alignment(wrap_text=True, vertical="top")
        _write(about, 3, 1, "Rows").font = bold
        _write(about, 3, 2, len(frame))
        about.column_dimensions["A"].width = 10
        about.column_dimensions["B"].width = 100

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
