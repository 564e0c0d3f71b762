"""Provider-level files: one row per NHS trust (an ODS organisation code), summed to the 2017 footprints.

Two kinds are recognised by their columns, with no mapping clicks:

- NHS England's monthly *A&E Attendances and Emergency Admissions* CSV (the MSitAE return), in every spelling
  used since 2016 ("Number of A&E attendances Type 1" to 2019/20, "A&E attendances Type 1" from 2020, the
  booked-appointment columns from August 2020, "... Type 1 Departments - Major A&E" before). It becomes the
  bundled type-1 measures (AE_MEASURES), built exactly as the bundle's were (see PROVENANCE_emergency_care.md):
  attendances = type 1 + booked type 1, over 4 hours likewise, admissions via type-1 A&E; field-test trusts are
  left out of the 4-hour numerator and denominator in their window, and a footprint whose only trusts are
  field-test sites has no 4-hour rows that month (never 0, never filled).
- Any other file with an organisation code column and a numerator and a denominator (a trust's own extract:
  "Org Code, Month, Seen within 4 hours, Attendances"): a percentage per footprint, 100 x sum / sum.

Footprint figures are always ratios of sums, never averages of percentages. Every provider row is accounted for:
mapped, listed as unmapped (with its share of the activity), or rejected with file, row, column and reason; a
TOTAL row is not a provider and is used as a check. Pure: no Streamlit, no I/O beyond the bytes given.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from settings import MAX_UPLOAD_BYTES
from stp_data import trusts
from stp_data.emergency import AE_TYPE1_MEASURES
from stp_data.errors import DataValidationError, Problem
from stp_data.metrics import METRIC_COLUMNS
from stp_data.upload import periods, vocab
from stp_data.upload.engine import MetricsUpload
from stp_data.upload.reading import HEADER_SEARCH_ROWS, RawTable, guarded_zip, read_raw_table, refuse
from stp_data.upload.report import catalogue_rows

AE, RATIO = "ae", "ratio"
AE_MEASURES = AE_TYPE1_MEASURES
PCT_DECIMALS = 3  # as the bundled metrics_emergency_care.csv
MAX_FILES = 120  # ten years of months in one go
ZIP_SUFFIXES = (".zip",)
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
LOOKUP_NOTE = "mapped to footprints by the bundled trust lookup"
REJECTED = ["file", "row", "column", "reason", "org_code", "org_name", "cells"]

ORG_CODE_HEADERS = {
    "org code",
    "organisation code",
    "organization code",
    "org",
    "ods code",
    "provider code",
    "trust code",
    "site code",
    "org id",
}
ORG_NAME_HEADERS = {"org name", "organisation name", "organization name", "provider name", "trust name", "name"}
PERIOD_HEADERS = {"period", "month", "reporting period", "date", "month year", "activity month"}
NUMERATOR_WORDS = ("numerator", "within 4 hours", "seen within", "met", "in 4 hours")
DENOMINATOR_WORDS = ("denominator", "attendances", "total", "patients", "seen")
_MSITAE = re.compile(r"^\s*msit\s*ae\s*[-_ ]*", re.IGNORECASE)


@dataclass(frozen=True)
class ProviderColumns:
    """Where each role is in one provider file (header names as written) and which kind of file it is."""

    kind: str  # AE or RATIO
    header_row: int  # 1-based, as the spreadsheet shows it
    org_code: str
    org_name: str | None = None
    period: str | None = None
    attendances: tuple[str, ...] = ()  # AE: type 1 (+ booked type 1)
    over4: tuple[str, ...] = ()  # AE: over 4 hours type 1 (+ booked)
    admissions: str | None = None  # AE: emergency admissions via type-1 A&E
    numerator: str | None = None  # RATIO
    denominator: str | None = None  # RATIO

    def with_roles(self, **roles: str | None) -> ProviderColumns:
        """The same file read with other columns for some roles (the page's 'Check how your file was read')."""
        return ProviderColumns(**{**self.__dict__, **roles})


@dataclass(frozen=True)
class ProviderUpload(MetricsUpload):
    """Provider files summed to footprints: a MetricsUpload whose rows are footprint figures, plus the providers.

    `joins_bundled` is True for NHS England's A&E file: its rows use the bundled measure ids and join the bundled
    series for months the bundle does not have (stp_data.user_data).
    """

    kind: str = AE
    joins_bundled: bool = False
    files: tuple[str, ...] = ()
    providers: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per provider row read
    unmapped: pd.DataFrame = field(default_factory=pd.DataFrame)  # org_code, org_name, months, activity, share_pct
    columns: ProviderColumns | None = None  # the first file's columns (what the role editor shows)
    month_files: dict[str, str] = field(default_factory=dict)  # YYYY-MM -> the file(s) giving it

    @property
    def provider_count(self) -> int:
        return int(self.providers["org_code"].nunique()) if len(self.providers) else 0

    @property
    def summary(self) -> str:
        """The report's first line: what kind of file, how many providers, and how they were mapped."""
        return f"provider-level file: {self.provider_count:,} providers, {LOOKUP_NOTE}"


# ---------------------------------------------------------------- recognising the columns


def normalise_header(text: str) -> str:
    """'Number of A&E attendances Type 1' -> 'ae attendances type 1'; '> 4 hrs' -> 'over 4 hours'."""
    t = str(text).casefold().replace("\ufeff", "")
    t = re.sub(r">\s*4", " over 4", t)
    t = re.sub(r"\ba\s*(&|and)\s*e\b", " ae ", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    t = re.sub(r"([0-9])([a-z])", r"\1 \2", t)
    t = re.sub(r"\b(hrs|hr|hs|hours|hour)\b", "hours", t)
    t = re.sub(r"\btype\s*(\d)\b", r"type \1", t)
    t = re.sub(r"^number of\s+", "", t.strip())
    return " ".join(t.split())


def _type1(h: str) -> bool:
    return bool(re.search(r"\btype 1\b", h)) or "major ae" in h


def _over4(h: str) -> bool:
    return bool(re.search(r"\b(over|more than|greater than|longer than) 4 hours\b", h)) or "breach" in h


def ae_role(header: str) -> str | None:
    """'attendances', 'booked_attendances', 'over4', 'booked_over4', 'admissions' or None for one A&E header."""
    h = normalise_header(header)
    if not _type1(h) or "dta" in h or "decision to admit" in h:
        return None
    booked = "booked" in h
    if "emergency admissions" in h and "ae" in h:
        return None if booked else "admissions"
    if _over4(h) and "attendances" in h:
        return "booked_over4" if booked else "over4"
    if "attendances" in h and "ae" in h:
        return "booked_attendances" if booked else "attendances"
    return None


def _ratio_role(header: str) -> str | None:
    h = normalise_header(header)
    if any(re.search(rf"\b{w}\b", h) for w in NUMERATOR_WORDS):
        return "numerator"
    if any(re.search(rf"\b{w}\b", h) for w in DENOMINATOR_WORDS):
        return "denominator"
    return None


def recognise(raw: RawTable) -> ProviderColumns | None:
    """The provider columns of a table, or None when it is not a provider-level file (then it is a metrics file).

    The header is the first of the top rows with an organisation code column and either NHS England's type-1
    A&E columns or a numerator and a denominator; title rows above it are skipped.
    """
    for position, row in enumerate(raw.cells.iloc[:HEADER_SEARCH_ROWS].itertuples(index=False)):
        names = [str(c).strip() for c in row]
        normal = [normalise_header(c) for c in names]
        org = next((n for n, h in zip(names, normal, strict=True) if h in ORG_CODE_HEADERS or h == "org code"), None)
        if org is None:
            continue
        org_name = next((n for n, h in zip(names, normal, strict=True) if h in ORG_NAME_HEADERS), None)
        period = next((n for n, h in zip(names, normal, strict=True) if h in PERIOD_HEADERS), None)
        roles: dict[str, str] = {}
        for name in names:
            role = ae_role(name) if name else None
            if role is not None:
                roles.setdefault(role, name)
        if "attendances" in roles and "over4" in roles:
            return ProviderColumns(
                AE,
                position + 1,
                org,
                org_name,
                period,
                attendances=tuple(roles[r] for r in ("attendances", "booked_attendances") if r in roles),
                over4=tuple(roles[r] for r in ("over4", "booked_over4") if r in roles),
                admissions=roles.get("admissions"),
            )
        found: dict[str, str] = {}
        for name in names:
            if name and name not in (org, org_name, period):
                role = _ratio_role(name)
                if role is not None:
                    found.setdefault(role, name)
        if "numerator" in found and "denominator" in found:
            return ProviderColumns(
                RATIO,
                position + 1,
                org,
                org_name,
                period,
                numerator=found["numerator"],
                denominator=found["denominator"],
            )
    return None


# ---------------------------------------------------------------- several files, zips


def expand_files(files: Sequence[tuple[str, bytes]], *, max_bytes: int | None = None) -> tuple[list, list[str]]:
    """Every table among the files given, a zip's members read in place: [(name, bytes)], notes.

    A zip is checked before anything is unpacked (members, each member's declared size against the per-file
    limit, the total against the unzipped limit) and each member is read no further than it declares.
    """
    limit = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    tables: list[tuple[str, bytes]] = []
    notes: list[str] = []
    for name, data in files:
        if Path(name).suffix.lower() not in ZIP_SUFFIXES:
            tables.append((name, data))
            continue
        if len(data) > limit:
            raise refuse(name, f"the file is {len(data):,} bytes, more than the {limit:,}-byte limit")
        tables.extend(_zip_members(name, data, limit, notes))
    if not tables:
        raise DataValidationError([Problem(files[0][0] if files else "upload", None, None, "no CSV or Excel file")])
    if len(tables) > MAX_FILES:
        raise refuse(files[0][0], f"{len(tables)} files at once: at most {MAX_FILES}")
    return tables, notes


def _too_many_files(members: list[zipfile.ZipInfo]) -> str | None:
    files = sum(not m.is_dir() for m in members)
    return f"the zip holds {files:,} files, more than {MAX_FILES}" if files > MAX_FILES else None


def _zip_members(name: str, data: bytes, limit: int, notes: list[str]) -> list[tuple[str, bytes]]:
    archive, members = guarded_zip(
        data,
        name,
        read_as="a zip file",
        called="the zip",
        too_many=_too_many_files,
    )
    members = [m for m in members if not m.is_dir()]
    out, skipped = [], []
    with archive:
        for member in sorted(members, key=lambda m: m.filename):
            base = Path(member.filename).name
            if member.filename.startswith("__MACOSX/") or base.startswith("."):
                continue
            if Path(base).suffix.lower() not in TABLE_SUFFIXES:
                skipped.append(base)
                continue
            if member.file_size > limit:
                raise refuse(f"{name}: {base}", f"unpacks to {member.file_size:,} bytes, more than the {limit:,} limit")
            try:
                with archive.open(member) as stream:
                    content = stream.read(limit + 1)
            except Exception as exc:  # CRC errors, unsupported compression, encryption
                raise refuse(f"{name}: {base}", f"could not be unpacked ({type(exc).__name__})") from None
            if len(content) > limit:
                raise refuse(f"{name}: {base}", f"unpacks to more than the {limit:,}-byte limit")
            out.append((f"{name}: {base}", content))
    if skipped:
        notes.append(f"{name}: not read (not CSV or Excel): {', '.join(skipped[:10])}.")
    return out


# ---------------------------------------------------------------- reading


def parse_provider_files(
    files: Sequence[tuple[str, bytes]],
    known_codes: Collection[str],
    *,
    lookup: pd.DataFrame | None = None,
    field_test: pd.DataFrame | None = None,
    columns: ProviderColumns | None = None,
    loaded_at: dt.datetime | None = None,
    max_bytes: int | None = None,
) -> ProviderUpload:
    """One or more provider files (or zips of them) read, checked, and summed to footprints.

    `columns` overrides what was recognised in the first file (the page's role editor). DataValidationError,
    naming the file, for a file that is not a provider file or cannot be read; every row problem is a rejected
    line instead.
    """
    tables, notes = expand_files(files, max_bytes=max_bytes)
    lookup = trusts.load_trust_lookup(known_codes) if lookup is None else lookup
    field_test = trusts.load_field_test_trusts() if field_test is None else field_test
    parts, rejected, totals = [], [], []
    first: ProviderColumns | None = None
    for position, (name, data) in enumerate(tables):
        raw = read_raw_table(data, name, max_bytes=max_bytes)
        found = columns if (position == 0 and columns is not None) else recognise(raw)
        if found is None:
            raise refuse(
                name,
                "is not a provider-level file: no header row with an organisation code column (such as 'Org Code') "
                "and type-1 A&E or numerator and denominator columns",
            )
        if first is None:
            first = found
        elif found.kind != first.kind:
            raise refuse(name, f"is a different kind of provider file from {tables[0][0]}: load them separately")
        notes.extend(raw.notes)
        rows, bad, total = _read_rows(raw, name, found)
        parts.append(rows)
        rejected.extend(bad)
        totals.extend(total)
    assert first is not None
    providers = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    providers, duplicates = _drop_duplicates(providers)
    rejected.extend(duplicates)
    code_of = dict(zip(lookup["org_code"], lookup["code"], strict=True))
    providers["code"] = providers["org_code"].map(code_of)
    testing = {month: trusts.field_test_in(field_test, month) for month in providers["period"].unique()}
    providers["field_test"] = [
        org in testing[month] for org, month in zip(providers["org_code"], providers["period"], strict=True)
    ]
    notes.extend(_total_checks(providers, totals, first.kind))
    month_files = providers.groupby("period")["file"].agg(lambda f: ", ".join(dict.fromkeys(f))).to_dict()
    when = loaded_at or dt.datetime.now()
    label = tables[0][0] if len(tables) == 1 else f"{len(tables)} files"
    source_of = {
        month: f"Your file {files_named} (provider-level, loaded {when:%Y-%m-%d %H:%M}); trust->STP17 via the "
        "bundled trust_lookup.csv"
        for month, files_named in month_files.items()
    }
    mapped = providers.loc[providers["code"].notna()]
    if first.kind == AE:
        accepted, measures = _ae_figures(mapped, source_of), _empty_catalogue()
        unmapped = _unmapped(providers, "attendances")
    else:
        accepted, measures = _ratio_figures(mapped, source_of, first, label, when)
        unmapped = _unmapped(providers, "denominator")
    if len(rejected):
        notes.append(f"{len(rejected):,} provider row(s) could not be read: listed below with the reason.")
    return ProviderUpload(
        accepted=accepted,
        measures=measures,
        rejected=pd.DataFrame(rejected, columns=REJECTED).astype({"row": "int64"}),
        rows_read=len(providers) + len(rejected),
        layout="provider",
        notes=notes,
        kind=first.kind,
        joins_bundled=first.kind == AE,
        files=tuple(n for n, _ in tables),
        providers=providers,
        unmapped=unmapped,
        columns=first,
        month_files=month_files,
    )


def _column(raw: RawTable, grid: np.ndarray, header: list[str], header_row: int, name: str) -> list[str]:
    """One column's cells below the header, as stripped text."""
    if name not in header:
        raise refuse(raw.filename, f"has no column '{name}'", row=header_row, column=name)
    return [str(v).strip() for v in grid[header_row:, header.index(name)]]


def _count(text: str) -> float | None:
    """A whole count of zero or more ('1,234' is 1234), else None."""
    cleaned = text.replace(",", "").strip()
    if not cleaned or not _COUNT.fullmatch(cleaned):
        return None
    value = float(cleaned)
    return value if value == int(value) else None


_COUNT = re.compile(r"[0-9]+(\.0*)?")


def _month_of(text: str) -> str | None:
    """'MSitAE-APRIL-2019', 'April 2019', '2019-04', 'Apr-19', '30/04/2019' -> '2019-04'; None if not a month."""
    period = periods.parse_period(_MSITAE.sub("", text).strip())
    if period.end is None or period.granularity not in (periods.MONTH,):
        return None
    return period.end[:7]


def _file_month(raw: RawTable, name: str, header_row: int) -> str:
    """The month of a file with no period column: from its title rows, else its file name."""
    title = " ".join(str(c) for c in raw.cells.iloc[: header_row - 1].to_numpy().ravel() if str(c).strip())
    found = periods.period_in_text(title) or periods.period_in_text(_MSITAE.sub("", Path(name).stem))
    if found is None or found.granularity != periods.MONTH or found.end is None:
        raise refuse(name, "no period column, and no month in the title rows or the file name", row=header_row)
    return found.end[:7]


def _read_rows(raw: RawTable, name: str, cols: ProviderColumns) -> tuple[pd.DataFrame, list[dict], list[dict]]:
    """(provider rows, rejected lines, TOTAL rows) of one file. Plain Python over the cells: a monthly file has a
    few hundred rows, and pandas' per-call overhead cost more than the work."""
    h = cols.header_row
    grid = raw.cells.to_numpy(dtype=object)
    header = [str(c).strip() for c in grid[h - 1]]
    org = _column(raw, grid, header, h, cols.org_code)
    n = len(org)
    org_name = _column(raw, grid, header, h, cols.org_name) if cols.org_name else [""] * n
    if cols.period is not None:
        period_text = _column(raw, grid, header, h, cols.period)
        months = {t: _month_of(t) for t in set(period_text)}
        month = [months[t] for t in period_text]
    else:
        month = [_file_month(raw, name, h)] * n
    if cols.kind == AE:
        roles = {"attendances": cols.attendances, "over4": cols.over4}
        roles["admissions"] = (cols.admissions,) if cols.admissions else ()
        worse_role, worse_than, worse_reason = "over4", "attendances", "more attendances over 4 hours than attendances"
    else:
        roles = {"numerator": (cols.numerator,), "denominator": (cols.denominator,)}
        worse_role, worse_than, worse_reason = "numerator", "denominator", "numerator larger than the denominator"
    texts = {header_name: _column(raw, grid, header, h, header_name) for hs in roles.values() for header_name in hs}
    code_pattern = re.compile(trusts.ORG_CODE_PATTERN, re.IGNORECASE)
    good_rows, rejected, totals = [], [], []
    for i in range(n):
        cells = [str(c).strip() for c in grid[h + i]]
        if not any(cells):
            continue
        values: dict[str, float] = {}
        bad: str | None = None
        for role, headers in roles.items():
            total = 0.0
            for header_name in headers:
                value = _count(texts[header_name][i])
                if value is None:
                    bad = bad or header_name
                else:
                    total += value
            values[role] = total
        lead = {c.casefold() for c in cells[:4]} | {org[i].casefold(), org_name[i].casefold()}
        if "total" in lead:
            if bad is None:
                totals.append({"file": name, "row": h + i + 1, **values})
            continue
        column, reason = None, None
        if not code_pattern.fullmatch(org[i]):
            column, reason = cols.org_code, "not an ODS organisation code"
        elif month[i] is None:
            column, reason = cols.period or "period", "period is not a month"
        elif bad is not None:
            column, reason = bad, "not a whole number of zero or more"
        elif values[worse_role] > values[worse_than]:
            column, reason = (cols.over4[0] if cols.kind == AE else cols.numerator), worse_reason
        if reason is not None:
            rejected.append(
                {
                    "file": name,
                    "row": h + i + 1,
                    "column": column,
                    "reason": reason,
                    "org_code": org[i][:20],
                    "org_name": org_name[i][:80],
                    "cells": ",".join(cells)[:300],
                }
            )
            continue
        good_rows.append((name, h + i + 1, org[i].upper(), org_name[i], month[i], *values.values()))
    frame = pd.DataFrame(good_rows, columns=["file", "row", "org_code", "org_name", "period", *roles])
    frame = frame.astype({role: "float64" for role in roles} | {"row": "int64"})
    return frame, rejected, totals


def _drop_duplicates(providers: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """A provider and month given twice (a revised file next to the first): the first is kept, the next listed."""
    repeated = providers.duplicated(["org_code", "period"], keep="first").to_numpy()
    if not repeated.any():
        return providers, []
    first = providers.loc[~repeated].set_index(["org_code", "period"])[["file", "row"]]
    lines = []
    for r in providers.loc[repeated].itertuples(index=False):
        was = first.loc[(r.org_code, r.period)]
        lines.append(
            {
                "file": r.file,
                "row": int(r.row),
                "column": "Org Code",
                "reason": f"duplicate: {was['file']} row {int(was['row'])} already gives {r.org_code} for {r.period}",
                "org_code": r.org_code,
                "org_name": r.org_name,
                "cells": "",
            }
        )
    return providers.loc[~repeated].reset_index(drop=True), lines


def _total_checks(providers: pd.DataFrame, totals: list[dict], kind: str) -> list[str]:
    """The TOTAL row against the sum of the providers read from the same file: a check on nothing being lost."""
    role = "attendances" if kind == AE else "denominator"
    notes = []
    for total in totals:
        summed = int(providers.loc[providers["file"] == total["file"], role].sum())
        given = int(total[role])
        what = "type-1 attendances" if kind == AE else "denominator"
        if summed == given:
            notes.append(f"{total['file']}: TOTAL row skipped (not a provider); its {what}, {given:,}, equal the sum.")
        else:
            notes.append(
                f"{total['file']}: TOTAL row skipped (not a provider); its {what}, {given:,}, differ from the sum of "
                f"the providers read, {summed:,} (rows not read are listed below)."
            )
    return notes


def _period_end(month: str) -> str:
    return periods.parse_period(month).end or ""


def _figures(values: pd.DataFrame, source_of: dict[str, str]) -> pd.DataFrame:
    """code, period, measure, value -> the bundled metrics layout."""
    if values.empty:
        return pd.DataFrame(columns=METRIC_COLUMNS)
    ends = {m: _period_end(m) for m in values["period"].unique()}
    frame = pd.DataFrame(
        {
            "code": pd.array(values["code"], dtype="str"),
            "measure": pd.array(values["measure"], dtype="str"),
            "period": pd.array(values["period"], dtype="str"),
            "period_end": pd.array(values["period"].map(ends), dtype=object),
            "value": pd.array(values["value"], dtype="float64"),
            "population": pd.array([pd.NA] * len(values), dtype="Int64"),
            "source": pd.array(values["period"].map(source_of), dtype="str"),
        },
        columns=METRIC_COLUMNS,
    )
    return frame.sort_values(["measure", "code", "period"], ignore_index=True)


def _ae_figures(mapped: pd.DataFrame, source_of: dict[str, str]) -> pd.DataFrame:
    """The six bundled type-1 measures per footprint and month, built as the bundle's were."""
    keys = ["code", "period"]
    all_trusts = mapped.groupby(keys)[["attendances", "admissions"]].sum()
    reporting = mapped.loc[~mapped["field_test"]].groupby(keys)[["attendances", "over4"]].sum()
    reporting = reporting.loc[reporting["attendances"] > 0]  # no 4-hour data: no 4-hour rows, never 0
    long = [
        all_trusts["attendances"].rename("ae_type1_attendances"),
        all_trusts["admissions"].rename("ae_type1_emergency_admissions"),
        reporting["attendances"].rename("ae_type1_attendances_4hr_reported"),
        reporting["over4"].rename("ae_type1_over4hr"),
        (reporting["attendances"] - reporting["over4"]).rename("ae_type1_within4hr"),
        (100 * (1 - reporting["over4"] / reporting["attendances"])).round(PCT_DECIMALS).rename("ae_type1_4hr_pct"),
    ]
    values = pd.concat(
        [s.rename("value").reset_index().assign(measure=s.name) for s in long], ignore_index=True
    ).astype({"value": "float64"})
    return _figures(values, source_of)


def _ratio_figures(
    mapped: pd.DataFrame, source_of: dict[str, str], cols: ProviderColumns, label: str, when: dt.datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A percentage (100 x sum of numerators / sum of denominators) and both counts, as the user's measures."""
    sums = mapped.groupby(["code", "period"])[["numerator", "denominator"]].sum()
    sums = sums.loc[sums["denominator"] > 0]
    num_name, den_name = vocab.display_name(cols.numerator or ""), vocab.display_name(cols.denominator or "")
    pct_id = vocab.slug(f"{num_name} pct")
    ids = {"pct": pct_id, "numerator": vocab.slug(num_name), "denominator": vocab.slug(den_name)}
    long = [
        (100 * sums["numerator"] / sums["denominator"]).round(PCT_DECIMALS).rename(ids["pct"]),
        sums["numerator"].rename(ids["numerator"]),
        sums["denominator"].rename(ids["denominator"]),
    ]
    values = pd.concat([s.rename("value").reset_index().assign(measure=s.name) for s in long], ignore_index=True)
    table = pd.DataFrame(
        {
            "measure": list(ids.values()),
            "name": [f"{num_name} (% of {den_name.lower()})", num_name, den_name],
            "unit": ["%", "count", "count"],
            "polarity": [vocab.polarity_in_header(cols.numerator or "") or "neutral", "neutral", "neutral"],
        }
    )
    return _figures(values.astype({"value": "float64"}), source_of), catalogue_rows(table, label, when)


def _empty_catalogue() -> pd.DataFrame:
    return catalogue_rows(pd.DataFrame(columns=["measure", "name", "unit", "polarity"]), "", dt.datetime.now())


def _unmapped(providers: pd.DataFrame, activity: str) -> pd.DataFrame:
    """Every provider the lookup does not map, with its share of all providers' activity (type-1 attendances)."""
    columns = ["org_code", "org_name", "months", activity, "share_pct"]
    out = providers.loc[providers["code"].isna()]
    if out.empty:
        return pd.DataFrame(columns=columns)
    whole = float(providers[activity].sum()) or 1.0
    grouped = out.groupby("org_code", as_index=False).agg(
        org_name=("org_name", "first"),
        months=("period", lambda p: ", ".join(sorted(set(p)))),
        **{activity: (activity, "sum")},
    )
    grouped["share_pct"] = (100 * grouped[activity] / whole).round(3)
    return grouped[columns].sort_values([activity, "org_code"], ascending=[False, True], ignore_index=True)


# ---------------------------------------------------------------- against the bundled figures


def compare_with_bundled(accepted: pd.DataFrame, bundled: pd.DataFrame) -> tuple[list[str], list[str], pd.DataFrame]:
    """(months new to the bundle, months already bundled, every difference in those: code, measure, period,
    bundled, file). A footprint figure on one side only is a difference too (its other side empty)."""
    ours = accepted.loc[accepted["measure"].isin(AE_MEASURES)]
    theirs = bundled.loc[bundled["measure"].isin(AE_MEASURES)]
    bundled_months = set(theirs["period"])
    months = sorted(set(ours["period"]))
    new = [m for m in months if m not in bundled_months]
    overlap = [m for m in months if m in bundled_months]
    keys = ["code", "measure", "period"]
    left = ours.loc[ours["period"].isin(overlap), [*keys, "value"]].rename(columns={"value": "file"})
    right = theirs.loc[theirs["period"].isin(overlap), [*keys, "value"]].rename(columns={"value": "bundled"})
    both = right.merge(left, on=keys, how="outer")
    tolerance = np.where(both["measure"].eq("ae_type1_4hr_pct"), 0.5 * 10**-PCT_DECIMALS + 1e-9, 1e-9)
    differs = both["bundled"].isna() | both["file"].isna() | ((both["bundled"] - both["file"]).abs() > tolerance)
    columns = ["code", "measure", "period", "bundled", "file"]
    return new, overlap, both.loc[differs, columns].sort_values(keys, ignore_index=True)
