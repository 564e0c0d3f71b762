"""The fast path for a clean UTF-8 CSV: pyarrow reads it with every column dictionary-encoded.

Kept apart from reading.py (which falls back to pandas for anything unusual) so each module stays small.
"""

from __future__ import annotations

import codecs
import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv


def read_rectangular_csv(data: bytes, width: int, max_rows: int) -> pd.DataFrame | None:
    """A rectangular UTF-8 CSV read by pyarrow, every column dictionary-encoded into a pandas Categorical of
    text (each distinct cell text once, so every later check reads each distinct text once); None for anything
    else (ragged rows, a parse error), which the pandas reader then reads exactly as before."""
    text = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    try:
        table = pacsv.read_csv(
            io.BytesIO(text),
            # One block for the whole file: each column is then one dictionary, with no per-block dictionaries to
            # unify afterwards (a third less CPU; columns are still converted in parallel).
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=max(len(text), 1 << 20)),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.dictionary(pa.int32(), pa.string()) for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.num_columns != width:
        return None
    table = table.slice(0, max_rows + 1)
    columns = {}
    for i, column in enumerate(table.columns):
        encoded = column.unify_dictionaries().combine_chunks() if column.num_chunks else None
        if encoded is None:
            return None
        categories = pd.Index(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        columns[i] = pd.Categorical.from_codes(codes, categories=categories, validate=False)
    return pd.DataFrame(columns)
