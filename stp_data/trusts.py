"""The bundled trust lookups an uploaded provider-level file is read with, validated like every bundled table.

- trust_lookup.csv: each NHS trust's ODS code (2016-2026, predecessors and successors included) to the 2017
  footprint its type-1 A&E activity is counted in, with the basis and source of each line;
- ae_field_test_trusts.csv: the trusts that tested new A&E standards and reported no 4-hour data between two
  months (NHS England leaves them out of the 4-hour figure then, and so do we).

One DataValidationError (file, row, column) for anything wrong, as stp_data.schemas does for the other tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from stp_data import schemas
from stp_data.tables import read_table

DATA_DIR = Path(__file__).resolve().parent / "data"
LOOKUP_FILE = "trust_lookup.csv"
FIELD_TEST_FILE = "ae_field_test_trusts.csv"
# ODS organisation codes: trusts (RXX, RXXNN), independent providers (NXXNN, 8XXXX), GP practices (A12345).
ORG_CODE_PATTERN = r"^[A-Z0-9]{3,6}$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _org_code(*, unique: bool) -> pa.Column:
    return pa.Column(
        str, pa.Check.str_matches(ORG_CODE_PATTERN, error="is not an ODS organisation code"), unique=unique
    )


def trust_lookup_schema(known_codes: Iterable[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "org_code": _org_code(unique=True),
            "org_name": pa.Column(str),
            "code": schemas.code_column(known_codes, unique=False),
            "basis": pa.Column(str),
            "source": pa.Column(str),
        },
        strict=True,
    )


def field_test_schema() -> pa.DataFrameSchema:
    month = pa.Column(str, pa.Check.str_matches(MONTH_PATTERN, error="must be a month as YYYY-MM"))

    def ordered(frame: pd.DataFrame) -> pd.Series:
        return frame["first_month"] <= frame["last_month"]

    return pa.DataFrameSchema(
        {"org_code": _org_code(unique=True), "first_month": month, "last_month": month, "source": pa.Column(str)},
        checks=[pa.Check(ordered, error="first_month is after last_month")],
        strict=True,
    )


def load_trust_lookup(known_codes: Iterable[str], data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """trust_lookup.csv, validated: every org code once, every footprint one of the 44."""
    return schemas.validate(read_table(data_dir / LOOKUP_FILE), trust_lookup_schema(known_codes), LOOKUP_FILE)


def load_field_test_trusts(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ae_field_test_trusts.csv, validated: each trust once, with its first and last month (YYYY-MM)."""
    return schemas.validate(read_table(data_dir / FIELD_TEST_FILE), field_test_schema(), FIELD_TEST_FILE)


def field_test_in(field_test: pd.DataFrame, month: str) -> frozenset[str]:
    """The org codes with no 4-hour data in `month` (YYYY-MM): in their field-test window."""
    inside = (field_test["first_month"] <= month) & (month <= field_test["last_month"])
    return frozenset(field_test.loc[inside, "org_code"])
