"""Reading one bundled CSV table as text: the first step of the one way in (types come from the schemas)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stp_data.errors import DataValidationError, Problem

# Past this a "table" is not one of ours: refuse before parsing, not after. The largest is ten years of A&E
# (44 footprints x 119 months x 7 measures, each row with its source): about 4.7 MB, room for years more.
MAX_TABLE_BYTES = 10_000_000


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV as text (types come from the schema), empty cells as missing."""
    name = path.name
    if not path.exists():
        raise DataValidationError([Problem(name, None, None, "file not found")])
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise DataValidationError([Problem(name, None, None, f"file is larger than {MAX_TABLE_BYTES:,} bytes")])
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError([Problem(name, None, None, f"could not be read as CSV: {exc}")]) from None
    if frame.empty:
        raise DataValidationError([Problem(name, None, None, "has a header but no rows")])
    return frame.apply(lambda column: column.str.strip())
