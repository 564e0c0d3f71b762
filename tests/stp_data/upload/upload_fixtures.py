"""Shared helpers for the upload tests: the fixture builders, and small CSV/XLSX writers."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

import openpyxl

_spec = importlib.util.spec_from_file_location(
    "upload_builders", Path(__file__).resolve().parents[2] / "fixtures" / "upload" / "builders.py"
)
builders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builders)

KNOWN = ("E54000005", "E54000006", "E54000007")


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Data"
    for row in rows:
        book.active.append(row)
    for name, more in (sheets or {}).items():
        sheet = book.create_sheet(name)
        for row in more:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
