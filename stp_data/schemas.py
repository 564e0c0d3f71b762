"""Schemas of the bundled tables: required columns, types, codes and allowed words.

Validation uses pandera; failures are turned into the project's own
DataValidationError so that every caller handles one error type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from settings import REGION_CODE_PATTERN, STP_CODE_PATTERN
from stp_data.errors import DataValidationError, Problem

RATINGS = ("Outstanding", "Advanced", "Making progress", "Needs most improvement")


def code_column(known_codes: Iterable[str] | None, *, unique: bool, nullable: bool = False) -> pa.Column:
    checks = [pa.Check.str_matches(STP_CODE_PATTERN, error="is not an ONS STP code (E54 and six digits)")]
    if known_codes is not None:
        checks.append(pa.Check.isin(sorted(known_codes), error="is not one of the 44 footprint codes"))
    return pa.Column(str, checks, unique=unique, nullable=nullable)


def _text(nullable: bool = True) -> pa.Column:
    return pa.Column(str, nullable=nullable)


def _count(nullable: bool = False) -> pa.Column:
    return pa.Column("Int64", pa.Check.ge(0, error="must be zero or more"), nullable=nullable, coerce=True)


def footprints_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "stp17cd": code_column(None, unique=True),
            "stp_name": _text(nullable=False),
            "name_source": _text(nullable=False),
            "nhse_region_2016": _text(),
            "region_2016_source": _text(),
            "nhser18cd": pa.Column(
                str,
                pa.Check.str_matches(REGION_CODE_PATTERN, error="is not an ONS region code (E40 and six digits)"),
                nullable=True,
            ),
            "nhser18nm": _text(),
            "region_2018_source": _text(),
            "stp_lead_2016": _text(),
            "stp_lead_org_2016": _text(),
            "lead_source": _text(),
        },
        checks=[
            _cited_when_present("nhse_region_2016", "region_2016_source"),
            _cited_when_present("nhser18nm", "region_2018_source"),
            _cited_when_present("stp_lead_2016", "lead_source"),
        ],
    )


def ratings_schema(known_codes: Iterable[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "stp17cd": code_column(known_codes, unique=True),
            "stp_name": _text(nullable=False),
            "overall_rating_2017": pa.Column(
                str,
                pa.Check.isin(RATINGS, error="must be one of: " + ", ".join(RATINGS)),
                nullable=True,
            ),
            "source": _text(),
            "notes": _text(),
        },
        checks=[_cited_when_present("overall_rating_2017", "source")],
    )


def population_schema(known_codes: Iterable[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "stp17cd": code_column(known_codes, unique=True),
            "stp17nm": _text(nullable=False),
            "population_mid2018": pa.Column(
                "Int64", pa.Check.gt(0, error="must be a positive whole number"), coerce=True
            ),
            "ccg_count": _count(),
            "source": _text(nullable=False),
        }
    )


def ics_waves_schema(known_codes: Iterable[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "wave": _text(nullable=False),
            "announced": _text(nullable=False),
            "area_as_named_in_source": _text(nullable=False),
            # One 2019 designation is of the merged 2018 footprint, which has no 2017 code.
            "stp17cd": code_column(known_codes, unique=False, nullable=True),
            "partial_footprint": pa.Column(str, pa.Check.isin(["yes", "no"], error="must be yes or no"), nullable=True),
            "source": _text(nullable=False),
        }
    )


def capital_schema(known_codes: Iterable[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "stp17cd": code_column(known_codes, unique=True),
            "stp_name_2017": _text(nullable=False),
            "in_15_area_list": pa.Column(str, pa.Check.isin(["yes"], error="must be yes")),
            "scheme_and_amount_as_reported": _text(),
            "amount_source": _text(),
            "list_source": _text(nullable=False),
        },
        checks=[_cited_when_present("scheme_and_amount_as_reported", "amount_source")],
    )


def distribution_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "source_id": pa.Column(str, unique=True),
            "publisher": _text(nullable=False),
            "title": _text(nullable=False),
            "url": pa.Column(str, pa.Check.str_startswith("http", error="must be a web address")),
            "published": pa.Column(
                str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$", error="must be a date as YYYY-MM-DD")
            ),
            "outstanding": _count(nullable=True),
            "advanced": _count(nullable=True),
            "making_progress": _count(nullable=True),
            "needs_most_improvement": _count(nullable=True),
            "used_for_chart": pa.Column(str, pa.Check.isin(["yes", "no"], error="must be yes or no")),
            "note": _text(),
        }
    )


def sources_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "table_id": pa.Column(str, unique=True),
            "file": _text(nullable=False),
            "title": _text(nullable=False),
            "publisher": _text(nullable=False),
            "urls": _text(nullable=False),
            "published": _text(nullable=False),
            "retrieved": pa.Column(
                str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$", error="must be a date as YYYY-MM-DD")
            ),
            "licence": _text(nullable=False),
            "derivation": _text(nullable=False),
        }
    )


def _cited_when_present(value_column: str, source_column: str) -> pa.Check:
    """A value without its citation is rejected: every figure shown must be cited."""

    def check(frame: pd.DataFrame) -> pd.Series:
        if value_column not in frame or source_column not in frame:
            return pd.Series(True, index=frame.index)
        return frame[value_column].isna() | frame[source_column].notna()

    return pa.Check(check, error=f"'{value_column}' has a value but '{source_column}' gives no source")


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, file: str) -> pd.DataFrame:
    """Validate lazily (collecting every failure) and raise DataValidationError."""
    try:
        return schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        raise DataValidationError(_problems_from(errors.failure_cases, file)) from None


def _problems_from(cases: pd.DataFrame, file: str) -> list[Problem]:
    problems: dict[tuple, Problem] = {}
    for case in cases.itertuples(index=False):
        located = _locate(case)
        if located is None:
            continue
        row, column, reason = located
        problems.setdefault((row, column, reason), Problem(file, row, column, reason))
    return sorted(problems.values(), key=lambda p: (p.row or 0, p.column or ""))


_CITATION = re.compile(r"^'(?P<value>[^']+)' has a value but '(?P<source>[^']+)' gives no source$")


def _locate(case: Any) -> tuple[int | None, str | None, str] | None:
    """(row, column, reason) for one pandera failure case; None for echo noise."""
    check = str(case.check)
    failure = "" if case.failure_case is None else str(case.failure_case)
    has_row = case.index is not None and not pd.isna(case.index)
    row = int(case.index) + 2 if has_row else None
    column = None if case.column is None or pd.isna(case.column) else str(case.column)
    if check == "column_in_dataframe":
        return None, failure, "required column is missing"
    cited = _CITATION.match(check)
    if cited:
        return row, cited["value"], check
    if not has_row and failure.startswith(("TypeError", "ValueError")):
        # pandera repeats a failed type conversion as a check that could not run.
        return None
    shown = repr(failure[:60])
    if check == "field_uniqueness":
        return row, column, f"value {shown} appears more than once; each may appear only once"
    if check.startswith(("coerce_dtype", "dtype")):
        return row, column, f"value {shown} is not a whole number"
    if check == "not_nullable":
        return row, column, "a value is required here"
    return row, column, f"value {shown} {check}"
