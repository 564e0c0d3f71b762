"""Moved to exports.csv; kept only while the upload reader is rebuilt (issue 12). Import from exports.csv."""

from exports.csv import FORMULA_PREFIXES, neutralise_formulas, safe_csv_bytes  # noqa: F401
