"""Vectorised cell checks: each distinct cell text is read once (pd.factorize) and the result spread back.

Every check returns per-record results plus a reason array ("" = fine), so one pass of numpy masks collects every
problem of every record, with no per-row Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import numpy as np
import pandas as pd

from stp_data.upload import vocab

GROUPED_NUMBER = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
# Beyond this no NHS footprint figure is real (England's whole NHS budget is about £1.6e5 million).
SANE_ABS = 1e12
SANE_PERCENT = (-1000.0, 1000.0)


def distinct(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(integer code per record, each distinct cell once as an object array), in order of first appearance.

    Cells read from a CSV are Categoricals, so this costs integer work only, never a hash of 100k strings."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def recode(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of per-distinct `values` (several distinct cells may read as one value) spread to every record."""
    inner, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return inner[codes] if len(codes) else np.zeros(0, dtype=np.intp), np.asarray(uniques, dtype=object)


def per_distinct(cells: pd.Series, read: Callable[[str], tuple]) -> list[np.ndarray]:
    """read() applied once per distinct cell; each of its results spread back to every record, as arrays."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    results = [read("" if u is None else str(u)) for u in uniques]
    return [
        np.asarray([r[i] for r in results] or [None], dtype=object)[codes]
        for i in range(len(results[0]) if results else 1)
    ]


def blank(cells: pd.Series) -> np.ndarray:
    """True where a cell is empty or only spaces, testing each distinct cell once."""
    if cells.empty:
        return np.zeros(0, dtype=bool)
    found, uniques = pd.factorize(cells, use_na_sentinel=False)
    return np.asarray([u is None or not str(u).strip() for u in uniques], dtype=bool)[found]


def stripped(cells: pd.Series) -> np.ndarray:
    """Each cell's text without surrounding spaces, as an object array."""
    if cells.empty:
        return np.zeros(0, dtype=object)
    found, uniques = pd.factorize(cells, use_na_sentinel=False)
    return np.asarray(["" if u is None else str(u).strip() for u in uniques], dtype=object)[found]


def codes(cells: pd.Series, known: Collection[str]) -> tuple[np.ndarray, np.ndarray]:
    """(normalised code, reason) per record: spaces removed and upper-cased, then checked against `known`."""

    code, reason, _, _ = coded_codes(cells, known)
    return code, reason


def coded_codes(cells: pd.Series, known: Collection[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """codes() plus an integer per record naming its normalised code (equal codes, equal integers) and the
    normalised codes those integers name."""
    if cells.empty:
        empty = np.array([], dtype=object)
        return empty, empty, np.zeros(0, dtype=np.intp), empty
    raw, uniques = distinct(cells)
    read = [_read_code("" if u is None else str(u), known) for u in uniques]
    code = np.asarray([c for c, _ in read], dtype=object)
    reason = np.asarray([r for _, r in read], dtype=object)
    return code[raw], reason[raw], *recode(raw, code)


def _read_code(text: str, known: Collection[str]) -> tuple[str, str]:
    code = re.sub(r"\s+", "", text).upper()
    if not code:
        return code, "missing footprint code"
    if not vocab.STP_CODE.fullmatch(code):
        return code, f"malformed footprint code {code[:40]!r} (expected E54 and six digits)"
    if code not in known:
        return code, f"unknown footprint code {code!r} (not one of the {len(known)} footprints)"
    return code, ""


def numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, had a % sign, readable) per record, for numbers as analysts write them.

    pandas reads plain numbers in C; only cells it cannot read ("1,234.5", "£1,200", "12.5%") are cleaned.
    "1,5" is not 15 (it may be a European decimal) and "nan"/"inf" are not numbers.
    """
    if len(cells):  # each distinct text read once, then spread back by its code
        codes, uniques = distinct(cells)
        values, percent, readable = _numbers(pd.Series(uniques, dtype=object))
        return values[codes], percent[codes], readable[codes]
    return _numbers(cells)


def _numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    text = cells.astype(object)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    percent = np.zeros(len(text), dtype=bool)
    retry = ~np.isfinite(values)
    if retry.any():
        subset = text[retry].astype(str).str.strip().str.replace("\u00a0", "", regex=False)
        has_percent = subset.str.endswith("%")
        cleaned = subset.str.removesuffix("%").str.strip().str.removeprefix("£").str.strip()
        grouped = cleaned.str.fullmatch(GROUPED_NUMBER)
        cleaned = cleaned.where(~grouped, cleaned.str.replace(",", "", regex=False))
        plain = cleaned.str.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
        again = pd.to_numeric(cleaned.where(plain), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values[retry] = again
        percent[retry] = has_percent.to_numpy() & np.isfinite(again)
    readable = np.isfinite(values)
    return values, percent, readable


def value_reasons(cells: pd.Series, values: np.ndarray, readable: np.ndarray, label: str) -> np.ndarray:
    """Why each value cell is unusable ("" when it is fine): blank, or not a finite number."""
    reasons = np.full(len(cells), "", dtype=object)
    empty = blank(cells)
    reasons[empty] = f"missing {label}"
    bad = ~empty & ~readable
    if bad.any():
        shown = cells[bad].astype(str).str.strip().str.slice(0, 60)
        reasons[bad] = [f"non-numeric {label} {s!r}" for s in shown]
    return reasons


def sane_range_reasons(values: np.ndarray, units: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Values no measure in this unit can have: beyond ±1e12, or a % beyond ±1,000 (a change may be negative)."""
    reasons = np.full(len(values), "", dtype=object)
    huge = ok & (np.abs(values) > SANE_ABS)
    reasons[huge] = [f"value {v:.3g} is beyond the sane range for any measure (±{SANE_ABS:.0e})" for v in values[huge]]
    is_percent = units == "%"
    outside = ok & ~huge & is_percent & ((values < SANE_PERCENT[0]) | (values > SANE_PERCENT[1]))
    reasons[outside] = [
        f"{v:,.6g}% is outside the sane range for a percentage (-1,000 to 1,000)" for v in values[outside]
    ]
    return reasons
