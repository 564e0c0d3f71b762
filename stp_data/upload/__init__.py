"""Bring your own data: read the metrics or ratings file an analyst already has, validated, nothing lost.

The steps, each a public function the Load data page calls:

    raw = read_raw_table(data, filename, sheet=None)   # bytes -> grid of text; safety limits while reading
    mapping = infer_mapping(raw)                        # header row, column roles, each measure's unit/period
    upload = apply_mapping(raw, mapping, known_codes)   # every user row accepted or rejected with its reason

parse_metrics_file does all three with the inferred mapping. Every user row ends up accepted or in `rejected`
(spreadsheet row, column, plain-English reason): ``upload.rows_accepted + upload.rows_rejected == upload.rows_read``.
A problem with the file as a whole (too large, empty, unreadable, no header, a required column missing) raises
DataValidationError naming the file, and never any other exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stp_data import schemas
from stp_data.upload import checks, vocab
from stp_data.upload.engine import MetricsUpload, RowCounts, apply_mapping
from stp_data.upload.mapping import ROLE_LABELS, ROLES, Mapping, MeasureSpec, header_names, infer_mapping, reuse_mapping
from stp_data.upload.periods import Period, parse_period, period_end_of
from stp_data.upload.reading import MAX_UPLOAD_BYTES, RawTable, list_sheets, read_raw_table, refuse
from stp_data.upload.vocab import COLUMN_ALIASES, POLARITY_WORDS, UNIT_SPELLINGS

__all__ = [
    "COLUMN_ALIASES",
    "MAX_UPLOAD_BYTES",
    "POLARITY_WORDS",
    "ROLES",
    "ROLE_LABELS",
    "UNIT_SPELLINGS",
    "Mapping",
    "MeasureSpec",
    "MetricsUpload",
    "Period",
    "RatingsUpload",
    "RawTable",
    "apply_mapping",
    "apply_ratings_mapping",
    "infer_mapping",
    "list_sheets",
    "parse_metrics_file",
    "parse_period",
    "parse_ratings_file",
    "period_end_of",
    "read_raw_table",
    "reuse_mapping",
    "template_table",
]


def parse_metrics_file(
    data: bytes,
    filename: str,
    known_codes: Collection[str],
    *,
    max_bytes: int | None = None,
    loaded_at: dt.datetime | None = None,
    sheet: str | None = None,
    mapping: Mapping | None = None,
) -> MetricsUpload:
    """Read a tidy or wide metrics file (CSV or .xlsx) with the inferred mapping (or a given one)."""
    raw = read_raw_table(data, Path(filename).name, sheet=sheet, max_bytes=max_bytes)
    chosen = reuse_mapping(raw, mapping) if mapping is not None else infer_mapping(raw)
    return apply_mapping(raw, chosen, known_codes, loaded_at=loaded_at)


@dataclass(frozen=True)
class RatingsUpload(RowCounts):
    """A ratings file: one rating per footprint, with every row accounted for."""

    accepted: pd.DataFrame  # code, rating, source
    rejected: pd.DataFrame
    rows_read: int
    notes: list[str]


def parse_ratings_file(
    data: bytes, filename: str, known_codes: Collection[str], *, max_bytes: int | None = None, sheet: str | None = None
) -> RatingsUpload:
    """Read a file of footprint ratings (code, rating; source optional), one rating per footprint."""
    raw = read_raw_table(data, Path(filename).name, sheet=sheet, max_bytes=max_bytes)
    return apply_ratings_mapping(raw, infer_mapping(raw, kind="ratings"), known_codes)


def apply_ratings_mapping(raw: RawTable, mapping: Mapping, known_codes: Collection[str]) -> RatingsUpload:
    """Ratings through the same reader and checks as metrics: code, rating, source."""
    from stp_data.errors import DataValidationError, Problem

    name = raw.filename
    names = header_names(raw, mapping.header_row)
    columns = {role: names.index(c) for c, role in reversed(list(mapping.roles.items())) if c in names}
    missing = [r for r in ("code", "rating") if r not in columns]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    name,
                    mapping.header_row,
                    r,
                    "required column is missing (looked for: " + ", ".join(COLUMN_ALIASES[r]) + ")",
                )
                for r in missing
            ]
        )
    body = raw.cells.iloc[mapping.header_row :]
    body = body.loc[body.ne("").any(axis=1).to_numpy()]
    if body.empty:
        raise refuse(name, "has a header but no rows", row=mapping.header_row)
    rows = body.index.to_numpy() + 1
    code, code_reason = checks.codes(body[columns["code"]], set(known_codes))

    def read_rating(text: str) -> tuple[str, str]:
        written = " ".join(text.split())
        rating = vocab.RATING_BY_SPELLING.get(written.casefold(), "")
        if not written:
            return "", "missing rating"
        if not rating:
            return "", f"rating {written[:60]!r} is not one of: {', '.join(schemas.RATINGS)}"
        return rating, ""

    rating, rating_reason = checks.per_distinct(body[columns["rating"]], read_rating)
    ok = (code_reason == "") & (rating_reason == "")
    frame = pd.DataFrame({"code": code, "row": rows})
    repeated = ok & frame["code"].where(ok).duplicated(keep="first").to_numpy() & ok
    first = frame[ok].drop_duplicates("code").set_index("code")["row"]
    dup_reason = pd.Series("", index=frame.index, dtype=object)
    dup_reason[repeated] = [f"duplicate footprint: row {first[c]} already gives it" for c in code[repeated]]
    code_col, rating_col = names[columns["code"]], names[columns["rating"]]
    lines = []
    for i in range(len(body)):
        reasons = [(code_col, code_reason[i]), (rating_col, rating_reason[i]), (code_col, dup_reason.iat[i])]
        reasons = [(c, r) for c, r in reasons if r]
        if reasons:
            lines.append({"row": int(rows[i]), "column": reasons[0][0], "reason": "; ".join(r for _, r in reasons)})
    good = ok & ~repeated
    source_col = columns.get("source")
    given = body[source_col].astype(str).str.strip().to_numpy() if source_col is not None else [""] * len(body)
    accepted = pd.DataFrame(
        {
            "code": code[good],
            "rating": rating[good],
            "source": [
                g or f"Your file {name}, row {r}" for g, r in zip(pd.Series(given)[good], rows[good], strict=True)
            ],
        },
        columns=["code", "rating", "source"],
    ).astype("str")
    report = pd.DataFrame(lines, columns=["row", "column", "reason"])
    if len(report):
        cells = raw.cells.iloc[report["row"].to_numpy() - 1].astype(object).reset_index(drop=True)
        cells = cells.reindex(columns=range(len(names)), fill_value="")
        cells.columns = names
        report = pd.concat([report, cells], axis=1)
    else:
        report = pd.DataFrame(columns=["row", "column", "reason", *names])
    return RatingsUpload(accepted, report.astype({"row": "int64"}), len(body), [*raw.notes, *mapping.notes])


def template_table(metrics: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The tidy layout this package reads, pre-filled with the bundled figures (exports.csv writes it safely)."""
    described = catalogue.set_index("measure")
    template = pd.DataFrame(
        {
            "code": metrics["code"],
            "measure": metrics["measure"].map(described["name"]),
            "period": metrics["period"],
            "value": metrics["value"],
            "unit": metrics["measure"].map(described["unit"]),
            "polarity": metrics["measure"].map(described["polarity"]).map(POLARITY_WORDS),
            "target": "",
            "source": metrics["source"],
        }
    )
    return template
