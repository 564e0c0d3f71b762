"""Tables out: CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import pandas as pd

# A cell starting with one of these is run as a formula by Excel and others.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that would be read as formulas with an apostrophe.

    Numbers stay numbers: a negative deficit is data, not a formula.
    """
    safe = frame.copy()
    safe.columns = [_neutral(str(c)) for c in safe.columns]
    for column in safe.columns:
        if pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column]):
            continue
        safe[column] = safe[column].map(lambda v: _neutral(v) if isinstance(v, str) else v)
    return safe


def _neutral(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel shows £ and accents correctly."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")
