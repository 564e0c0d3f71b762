"""Vectorised cell checks: each distinct cell text is read once (pd.factorize) and the result spread back.

Every check returns per-record results plus a reason array ("" = fine), so one pass of numpy masks collects every
problem of every record, with no per-row Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stp_data.upload import vocab

GROUPED_NUMBER = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
# Beyond this no NHS footprint figure is real (England's whole NHS budget is about £1.6e5 million).
SANE_ABS = 1e12
SANE_PERCENT = (-1000.0, 1000.0)


# A check's problems, held sparsely: (the records with a problem, each one's reason). A clean file has none, so
# no per-record array of "" is ever built or compared.
Found = tuple[np.ndarray, np.ndarray]
NONE: Found = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))


def found(reasons: np.ndarray, codes: np.ndarray) -> Found:
    """The problems of records whose distinct cell (`codes`) has a reason ("" = fine) in `reasons`."""
    bad = np.asarray(reasons != "", dtype=bool) if len(reasons) else np.zeros(0, dtype=bool)
    if not bad.any():
        return NONE
    where = np.flatnonzero(bad[codes])
    return where, np.asarray(reasons, dtype=object)[codes[where]]


def found_where(mask: np.ndarray, reason: str) -> Found:
    """The same reason for every record in `mask`."""
    where = np.flatnonzero(mask)
    return where, np.full(len(where), reason, dtype=object)


def joined(*parts: Found) -> Found:
    """Problems of one field from disjoint sets of records."""
    parts = tuple(p for p in parts if len(p[0]))
    if not parts:
        return NONE
    return np.concatenate([p[0] for p in parts]), np.concatenate([np.asarray(p[1], dtype=object) for p in parts])


def first_index(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each distinct code, ascending; the position of its first record): np.unique(return_index=True), by hash,
    or for the small non-negative integer codes this package passes, by one minimum per code (no hashing)."""
    n = len(codes)
    if n and codes.dtype.kind in "iu" and codes.min() >= 0 and codes.max() < 2 * n:
        first = np.full(int(codes.max()) + 1, n, dtype=np.intp)
        np.minimum.at(first, codes, np.arange(n, dtype=np.intp))
        values = np.flatnonzero(first < n)
        return values.astype(codes.dtype, copy=False), first[values]
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    values = codes[first]
    order = np.argsort(values, kind="stable")
    return values[order], first[order]


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


def _any_order(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """distinct() in any order (for per-record results): a Categorical's own codes and categories, no hashing."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        codes = cells.array.codes
        values = np.append(np.asarray(cells.array.categories, dtype=object), np.nan)  # code -1 (NaN), as factorize
        return np.where(codes < 0, len(values) - 1, codes), values
    return distinct(cells)


def _present(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """_any_order() without the texts no record has (a Categorical sliced from a table keeps its header's text
    among its categories, and the header of a value column is not a number)."""
    codes, values = _any_order(cells)
    used = np.bincount(codes, minlength=len(values)) > 0
    if used.all():
        return codes, values
    return (np.cumsum(used) - 1)[codes], values[used]


def blank(cells: pd.Series) -> np.ndarray:
    """True where a cell is empty or only spaces, testing each distinct cell once."""
    if cells.empty:
        return np.zeros(0, dtype=bool)
    found, uniques = _any_order(cells)
    return np.asarray([u is None or not str(u).strip() for u in uniques], dtype=bool)[found]


def stripped(cells: pd.Series) -> np.ndarray:
    """Each cell's text without surrounding spaces, as an object array."""
    if cells.empty:
        return np.zeros(0, dtype=object)
    found, uniques = _any_order(cells)
    return np.asarray(["" if u is None else str(u).strip() for u in uniques], dtype=object)[found]


def readings(cells: pd.Series, normal: Callable[[str], str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(each record's reading as a code into the readings, -1 where none; the readings; True where a cell is
    written but cannot be read), each distinct cell read once."""
    raw, uniques = distinct(cells)
    texts = ["" if u is None else str(u) for u in uniques]
    readings = [normal(t) for t in texts]
    choice, choices = pd.factorize(pd.Series(readings, dtype=object), use_na_sentinel=True)
    unknown = np.asarray([bool(t.strip()) and pd.isna(r) for t, r in zip(texts, readings, strict=True)], dtype=bool)
    return choice[raw], np.asarray(choices, dtype=object), unknown[raw]


def codes(cells: pd.Series, known: Collection[str]) -> tuple[np.ndarray, np.ndarray]:
    """(normalised code, reason) per record: spaces removed and upper-cased, then checked against `known`."""
    if cells.empty:
        return np.array([], dtype=object), np.array([], dtype=object)
    raw, code, reason = _distinct_codes(cells, known)
    return code[raw], reason[raw]


def coded_codes(cells: pd.Series, known: Collection[str]) -> tuple[np.ndarray, Found, np.ndarray, np.ndarray]:
    """(normalised code per record, the records' problems, an integer per record naming its normalised code
    (equal codes, equal integers), the normalised codes those integers name)."""
    if cells.empty:
        empty = np.array([], dtype=object)
        return empty, NONE, np.zeros(0, dtype=np.intp), empty
    raw, code, reason = _distinct_codes(cells, known)
    return code[raw], found(reason, raw), *recode(raw, code)


def _distinct_codes(cells: pd.Series, known: Collection[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw, uniques = distinct(cells)
    read = [_read_code("" if u is None else str(u), known) for u in uniques]
    return raw, np.asarray([c for c, _ in read], dtype=object), np.asarray([r for _, r in read], dtype=object)


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
        codes, uniques = _present(cells)
        values, percent, readable = _numbers(pd.Series(uniques, dtype=object))
        return values[codes], percent[codes], readable[codes]
    return _numbers(cells)


def _numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    text = cells.astype(object)
    values = _plain_numbers(text.to_numpy())
    if values is None:
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


def _plain_numbers(texts: np.ndarray) -> np.ndarray | None:
    """Every text read as a number by Arrow in C (a quarter of pandas.to_numeric's time on Python strings), or None
    if any is not a plain number to Arrow ("1,234", " 5", "£3"): then pandas reads them all, as before.

    Where Arrow reads every text it reads each exactly as pandas.to_numeric and float() do (correctly rounded);
    "nan" and "inf" read as non-finite and go to the same cleaning as under pandas, and a missing cell to NaN."""
    try:
        read = pc.cast(pa.array(texts, type=pa.string(), from_pandas=True), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return np.array(read.to_numpy(zero_copy_only=False), dtype=float)  # a writable copy, nulls as NaN


def value_problems(cells: pd.Series, readable: np.ndarray, label: str) -> Found:
    """Why each unusable value cell is unusable: blank, or not a finite number (a blank cell is never readable)."""
    where = np.flatnonzero(~readable)
    if not len(where):
        return NONE
    subset = cells.iloc[where]
    empty = blank(subset)
    shown = [str(s).strip()[:60] for s in subset.to_numpy(dtype=object)]
    reasons = [f"missing {label}" if e else f"non-numeric {label} {s!r}" for e, s in zip(empty, shown, strict=True)]
    return where, np.asarray(reasons, dtype=object)


def sane_range_problems(values: np.ndarray, units: np.ndarray, ok: np.ndarray) -> Found:
    """Values no measure in this unit can have: beyond ±1e12, or a % beyond ±1,000 (a change may be negative)."""
    huge = np.flatnonzero(ok & (np.abs(values) > SANE_ABS))
    wide = np.flatnonzero(ok & (np.abs(values) <= SANE_ABS) & ((values < SANE_PERCENT[0]) | (values > SANE_PERCENT[1])))
    outside = wide[units[wide] == "%"]
    return joined(
        (huge, [f"value {v:.3g} is beyond the sane range for any measure (±{SANE_ABS:.0e})" for v in values[huge]]),
        (outside, [f"{v:,.6g}% is outside the sane range for a percentage (-1,000 to 1,000)" for v in values[outside]]),
    )


def settle(
    rows: np.ndarray,
    key_codes: np.ndarray,
    key_uniques: np.ndarray,
    given: np.ndarray,
    choices: np.ndarray,
    label: str,
) -> tuple[dict[str, str], Found]:
    """The first value given for each measure; later records giving another are rejected naming that row.

    `given` is each record's value as a code into `choices` (-1: none given, or not to be read)."""
    has = given >= 0
    if not has.any():
        return {}, NONE
    # Integer codes and numpy throughout: a DataFrame of 100k strings costs more than the check itself.
    at = np.flatnonzero(has)
    keys = key_codes[at]
    seen, first_at = first_index(keys)  # the measure keys given here, and where (in `at`) each is first given
    first_of = np.zeros(int(seen.max()) + 1, dtype=np.intp)
    first_of[seen] = first_at
    first = first_of[keys]  # for each record giving one, where its measure's first value is
    written = given[at]
    differs = written != written[first]
    problems = NONE
    if differs.any():
        where = at[differs]
        first_rows = rows[at][first[differs]]
        problems = (
            where,
            np.asarray(
                [
                    f"{label} {g!r} differs from {e!r} given on row {r} for this measure"
                    for g, e, r in zip(choices[given[where]], choices[written[first[differs]]], first_rows, strict=True)
                ],
                dtype=object,
            ),
        )
    return dict(zip(key_uniques[seen], choices[written[first_at]], strict=True)), problems
