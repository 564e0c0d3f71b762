"""Where each footprint went after July 2017: ACS/ICS designations, the 2018 merger, statutory ICSs in 2022.

Pure (no Streamlit, no charts). The designations table has one row per milestone of each 2018 footprint,
dated only as precisely as its source (day, month or year). Time-axis rule, used everywhere here and to be
said in the UI: a date known only to the month or the year is placed at the first day of that month or year
and labelled with the month or year alone ("Dec 2020", "2020"); no day is invented. A status "at" a month is
the status at the end of that month. Statuses change on the date a designation was announced.

It also holds the footprint's own numbers over time (workforce trends), for the footprint page's Journey
section and the theme pages' trend view.
"""

from __future__ import annotations

import calendar
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from settings import UNRANKED_THEMES
from stp_data import schemas
from stp_data.errors import DataValidationError, Problem
from stp_data.links import source_links
from stp_data.metrics import england_value, periods
from stp_data.ratings import RATING_GROUPS, UNPUBLISHED
from stp_data.tables import read_table

DESIGNATIONS = "ics_designations_2017_2022.csv"

# --- Statuses -------------------------------------------------------------------------------------------------
STP = "STP"
PARTLY = "Partly designated"
ICS = "ICS"
STATUTORY = "Statutory ICS"
STATUSES = (STP, PARTLY, ICS, STATUTORY)
SOURCED, INFERRED = "sourced", "inferred"
BASIS_LABELS = {SOURCED: "named by a source", INFERRED: "inferred by elimination (not named by a source)"}
PRECISIONS = ("day", "month", "year")
STAGES = ("devolution", "shadow ACS", "ICS")

# --- Fixed events (one source each, no per-footprint table needed) -------------------------------------------
MERGED_CODES = ("E54000045", "E54000046", "E54000047")
MERGED_INTO = "E54000049"
MERGED_NAME = "Cumbria and North East"
MERGER_DATE = date(2018, 8, 1)  # August 2018, month only
MERGER_SOURCE = (
    "https://github.com/HFAnalyticsLab/Winter_pressures/blob/25ac6e559f726fcdd69e3d3a643187f34580a16d/README.md "
    "(HFAnalyticsLab/Winter_pressures README: three STPs (E54000045, E54000046, E54000047) merged in August 2018 "
    "to form Cumbria and North East STP (E54000049))"
)
STATUTORY_DATE = date(2022, 7, 1)
STATUTORY_SOURCE = (
    "https://www.legislation.gov.uk/ukpga/2022/31/contents (Health and Care Act 2022: all 42 integrated care "
    "systems on a statutory footing, with integrated care boards, from 1 July 2022)"
)

# The ratings are dated 21 July 2017; the views run from the first ACS wave (June 2017) to the statutory ICSs.
RATINGS_MONTH = date(2017, 7, 1)
FIRST_MONTH = date(2017, 6, 1)
LAST_MONTH = date(2022, 7, 1)

GROUP_LABELS = {
    "Outstanding": "Outstanding",
    "Advanced": "Advanced (named in sources)",
    UNPUBLISHED: "Middle, rating not published",
    "Making progress": "Making progress (named in sources)",
    "Needs most improvement": "Needs most improvement",
}


def group_label(group: str) -> str:
    return GROUP_LABELS.get(group, group)


# --- Loading and validation -----------------------------------------------------------------------------------
_DATE_PATTERNS = {"day": r"^\d{4}-\d{2}-\d{2}$", "month": r"^\d{4}-\d{2}$", "year": r"^\d{4}$"}
_CODE_LIST = re.compile(r"^E54\d{6}(;E54\d{6})*$")


def designations_schema(known_codes: Iterable[str]) -> pa.DataFrameSchema:
    """The bundled designations table; the 2018 code may also be the merged footprint's."""
    codes = sorted(set(known_codes))
    codes_2018 = [*codes, MERGED_INTO]
    text = pa.Column(str, nullable=True)
    required = pa.Column(str)
    code_list = pa.Column(
        str,
        [
            pa.Check.str_matches(_CODE_LIST.pattern, error="is not a list of ONS STP codes separated by ';'"),
            pa.Check(
                lambda s: s.map(lambda cell: all(c in codes for c in cell.split(";"))),
                element_wise=False,
                error="names a code that is not one of the 44 footprint codes",
            ),
        ],
    )
    return pa.DataFrameSchema(
        {
            "stp18cd": schemas.code_column(codes_2018, unique=False),
            "footprint": required,
            "stp17cd": code_list,
            "ics_milestone": required,
            "announced": required,
            "source": required,
            "basis": required,
            "notes": text,
            "step": pa.Column("Int64", pa.Check.ge(1, error="must be 1 or more"), coerce=True),
            "milestone": required,
            "stage": pa.Column(str, pa.Check.isin(STAGES, error="must be one of: " + ", ".join(STAGES))),
            "codes_2017": code_list,
            "scope": pa.Column(str, pa.Check.isin(["whole", "part"], error="must be whole or part")),
            "area": text,
            "date": pa.Column(
                str,
                pa.Check(_real_dates, element_wise=False, error="must be a real date as YYYY-MM-DD, YYYY-MM or YYYY"),
            ),
            "precision": pa.Column(str, pa.Check.isin(PRECISIONS, error="must be day, month or year")),
            "date_note": text,
            "milestone_source": pa.Column(str, pa.Check.str_contains(r"https?://", error="must contain a web address")),
            "milestone_basis": pa.Column(str, pa.Check.isin([SOURCED, INFERRED], error="must be sourced or inferred")),
        },
        checks=[
            _cell_check(_precision_matches_date, "precision", "does not match the form of 'date'"),
            _cell_check(_basis_agrees, "milestone_basis", "disagrees with 'basis' (INFERRED… means inferred)"),
            _cell_check(_part_names_area, "area", "is required when scope is part"),
        ],
        unique=["stp18cd", "step"],
        report_duplicates="all",
    )


def _real_dates(column: pd.Series) -> pd.Series:
    return column.map(lambda cell: _parse_date(cell) is not None)


def _parse_date(cell: str) -> tuple[date, str] | None:
    """(first day of the period, precision) for 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'; None if not a real date."""
    for precision, pattern in _DATE_PATTERNS.items():
        if re.match(pattern, cell):
            parts = [int(p) for p in cell.split("-")] + [1] * (3 - cell.count("-") - 1)
            try:
                return date(*parts), precision
            except ValueError:
                return None
    return None


def _precision_matches_date(frame: pd.DataFrame) -> pd.Series:
    parsed = frame["date"].map(lambda cell: _parse_date(cell) if isinstance(cell, str) else None)
    return parsed.map(lambda p: p[1] if p else None).eq(frame["precision"]) | parsed.isna()


def _basis_agrees(frame: pd.DataFrame) -> pd.Series:
    inferred = frame["basis"].str.upper().str.startswith("INFERRED")
    return inferred.eq(frame["milestone_basis"].eq(INFERRED))


def _part_names_area(frame: pd.DataFrame) -> pd.Series:
    return frame["scope"].ne("part") | frame["area"].notna()


def _cell_check(rule, column: str, error: str) -> pa.Check:
    """A rule across columns, reported against one column so the error names file, row and column."""

    def check(frame: pd.DataFrame) -> pd.DataFrame:
        needed = {"date", "precision", "basis", "milestone_basis", "scope", "area"}
        result = pd.DataFrame(True, index=frame.index, columns=frame.columns)
        if needed.issubset(frame.columns):
            result[column] = rule(frame).to_numpy()
        return result

    return pa.Check(check, error=f"'{column}' {error}")


def load_designations(data_dir: Path, known_codes: Iterable[str]) -> pd.DataFrame:
    """The validated designations table with typed columns: `placed` (the date on the time axis, see the module
    note), `date_label`, `partial`, `inferred`. Every 2017 footprint must have a milestone."""
    codes = list(known_codes)
    frame = schemas.validate(read_table(data_dir / DESIGNATIONS), designations_schema(codes), DESIGNATIONS)
    missing = sorted(set(codes) - {c for cell in frame["codes_2017"] for c in cell.split(";")})
    if missing:
        raise DataValidationError(
            [Problem(DESIGNATIONS, None, "codes_2017", f"no milestone for footprint {code}") for code in missing]
        )
    return with_typed_columns(frame)


def with_typed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    typed = frame.copy()
    typed["placed"] = pd.to_datetime(typed["date"].map(lambda cell: _parse_date(cell)[0]))
    typed["date_label"] = [date_label(d, p) for d, p in zip(typed["placed"], typed["precision"], strict=True)]
    typed["partial"] = typed["scope"].eq("part")
    typed["inferred"] = typed["milestone_basis"].eq(INFERRED)
    return typed


def date_label(when: date | pd.Timestamp, precision: str) -> str:
    """'19 Jun 2017', 'Dec 2020' or '2020': never more precise than the source."""
    if precision == "year":
        return f"{when.year}"
    if precision == "month":
        return f"{calendar.month_abbr[when.month]} {when.year}"
    return f"{when.day} {calendar.month_abbr[when.month]} {when.year}"


def period_end(placed: pd.Timestamp, precision: str) -> pd.Timestamp:
    """The last day the period could be: a year-only date may be as late as 31 December."""
    if precision == "year":
        return pd.Timestamp(placed.year, 12, 31)
    if precision == "month":
        return placed + pd.offsets.MonthEnd(0)
    return placed


# --- Milestones per 2017 footprint ----------------------------------------------------------------------------
MILESTONE_COLUMNS = [
    "code",
    "stp18cd",
    "placed",
    "precision",
    "date_label",
    "kind",
    "stage",
    "milestone",
    "partial",
    "area",
    "as_named",
    "basis",
    "source",
    "links",
    "notes",
    "status_after",
    "via",
    "changes_status",
]


def milestones(designations: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame:
    """One row per (2017 footprint, milestone), the merger and the statutory ICS included, oldest first."""
    rows = []
    for d in designations.itertuples(index=False):
        for code in d.codes_2017.split(";"):
            # A milestone of the merged 2018 footprint as a whole; West, North and East Cumbria's own wave-2
            # designation (May 2018, before the merger) lists only its own code.
            via = "" if d.codes_2017 == code else f"as part of {MERGED_NAME} ({d.stp18cd})"
            notes = "; ".join(n for n in (d.date_note, d.notes) if isinstance(n, str) and n)
            rows.append(
                {
                    "code": code,
                    "stp18cd": d.stp18cd,
                    "placed": d.placed,
                    "precision": d.precision,
                    "date_label": d.date_label,
                    "kind": "designation",
                    "stage": d.stage,
                    "milestone": d.milestone,
                    "partial": bool(d.partial),
                    "area": d.area if isinstance(d.area, str) else "",
                    # The merged footprint's name is not how West, North and East Cumbria's own row was named.
                    "as_named": d.footprint if via or d.stp18cd == code else "",
                    "basis": d.milestone_basis,
                    "source": d.milestone_source,
                    "notes": notes,
                    "status_after": PARTLY if d.partial else ICS,
                    "via": via,
                }
            )
    for code in codes:
        if code in MERGED_CODES:
            rows.append(_fixed(code, MERGER_DATE, "month", "merger", _merger_text(), MERGER_SOURCE, None, MERGED_INTO))
        stp18 = MERGED_INTO if code in MERGED_CODES else code
        rows.append(
            _fixed(code, STATUTORY_DATE, "day", "statutory", _statutory_text(), STATUTORY_SOURCE, STATUTORY, stp18)
        )
    frame = pd.DataFrame(rows, columns=[c for c in MILESTONE_COLUMNS if c not in ("links", "changes_status")])
    frame["placed"] = pd.to_datetime(frame["placed"])
    frame["links"] = frame["source"].map(source_links)
    frame = frame[frame["code"].isin(set(codes))]
    frame = frame.sort_values(["code", "placed", "kind"], kind="stable").reset_index(drop=True)
    frame = frame[[c for c in MILESTONE_COLUMNS if c != "changes_status"]]
    frame["changes_status"] = _changes_status(frame)
    return frame


_RANK = {None: 0, STP: 0, PARTLY: 1, ICS: 2, STATUTORY: 3}


def _changes_status(frame: pd.DataFrame) -> pd.Series:
    """True where a milestone moves its footprint up a status (not a rename, a second part or the merger)."""
    changes, best = [], {}
    for code, after in zip(frame["code"], frame["status_after"], strict=True):
        rank = _RANK[after if isinstance(after, str) else None]
        changes.append(rank > best.get(code, 0))
        best[code] = max(best.get(code, 0), rank)
    return pd.Series(changes, index=frame.index)


def _merger_text() -> str:
    return f"Merged with the other two northern footprints into {MERGED_NAME} ({MERGED_INTO}); 44 footprints became 42"


def _statutory_text() -> str:
    return "Statutory integrated care system (integrated care board), as all 42 footprints"


def _fixed(
    code: str, when: date, precision: str, kind: str, text: str, source: str, after: str | None, stp18cd: str
) -> dict:
    return {
        "code": code,
        "stp18cd": stp18cd,
        "placed": pd.Timestamp(when),
        "precision": precision,
        "date_label": date_label(when, precision),
        "kind": kind,
        "stage": kind,
        "milestone": text,
        "partial": False,
        "area": "",
        "as_named": "",
        "basis": SOURCED,
        "source": source,
        "notes": "",
        "status_after": after,
        "via": "",
    }


def footprint_milestones(designations: pd.DataFrame, code: str) -> pd.DataFrame:
    """One footprint's journey, oldest first: date (as precise as the source), what, basis, sources, notes."""
    return milestones(designations, [code])


NO_MILESTONE = "No milestone found for this footprint before the statutory ICSs of 1 July 2022."


def milestones_markdown(steps: pd.DataFrame) -> str:
    """footprint_milestones as markdown, a paragraph per step: its date, what happened, how it is known and its
    source links. Data-derived text is escaped."""
    from stp_data.links import escape_markdown

    if steps.empty:
        return NO_MILESTONE
    paragraphs = []
    for row in steps.itertuples():
        basis = " · *inferred by elimination: no source names it*" if row.basis == "inferred" else ""
        part = " · *part of the footprint*" if row.partial else ""
        via = f" ({escape_markdown(row.via)})" if isinstance(row.via, str) and row.via else ""
        links = " · ".join(f"[{escape_markdown(label)}]({url})" for label, url in row.links) or "no source"
        paragraphs.append(
            f"**{escape_markdown(row.date_label)}**: {escape_markdown(row.milestone)}{via}{part}{basis}. "
            f"Source: {links}"
        )
    return "\n\n".join(paragraphs)


# --- Status at a date -----------------------------------------------------------------------------------------
def status_at(designations: pd.DataFrame, profiles: pd.DataFrame, when: date) -> pd.DataFrame:
    """Every footprint's status at the end of the day `when`: STP, partly designated, ICS or statutory ICS.

    A footprint with no milestone by then is an STP: nothing is shown as designated without a source row.
    """
    return _statuses(milestones(designations, profiles["code"].tolist()), profiles, when)


def _statuses(events: pd.DataFrame, profiles: pd.DataFrame, when: date) -> pd.DataFrame:
    by_code = dict(tuple(events[events["placed"] <= pd.Timestamp(when)].groupby("code", sort=False)))
    empty = events.iloc[:0]
    rows = [
        {"code": p.code, "name": p.name, "rating_group": p.rating_group, **_status_of(by_code.get(p.code, empty))}
        for p in profiles.itertuples(index=False)
    ]
    return pd.DataFrame(rows)


def _status_of(events: pd.DataFrame) -> dict:
    merged = bool((events["kind"] == "merger").any())
    merged_into = MERGED_INTO if merged else ""
    for status, mask in (
        (STATUTORY, events["kind"] == "statutory"),
        (ICS, (events["kind"] == "designation") & ~events["partial"]),
        (PARTLY, (events["kind"] == "designation") & events["partial"]),
    ):
        if mask.any():
            first = events[mask].iloc[0]
            return {
                "status": status,
                "since": first["placed"],
                "since_label": first["date_label"],
                "precision": first["precision"],
                "basis": first["basis"],
                "milestone": first["milestone"],
                "area": first["area"],
                "via": first["via"],
                "source": first["source"],
                "merged_into": merged_into,
                "merged": merged,
            }
    return {
        "status": STP,
        "since": pd.NaT,
        "since_label": "",
        "precision": "",
        "basis": "",
        "milestone": "",
        "area": "",
        "via": "",
        "source": "",
        "merged_into": merged_into,
        "merged": merged,
    }


# --- One row per footprint: first designation and ICS date ----------------------------------------------------
def journeys(designations: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """One row per 2017 footprint, sorted by designation date: first designation (whole or part) and the date
    the whole footprint became an ICS (NaT where no source gives one), with months from July 2017."""
    events = milestones(designations, profiles["code"].tolist())
    designated = events[events["kind"] == "designation"]
    rows = []
    for p in profiles.itertuples(index=False):
        mine = designated[designated["code"] == p.code]
        whole = mine[~mine["partial"]]
        first = mine.iloc[0] if len(mine) else None
        ics = whole.iloc[0] if len(whole) else None
        low, high = _months_to(ics)
        rows.append(
            {
                "code": p.code,
                "name": p.name,
                "rating_group": p.rating_group,
                "first_date": first["placed"] if first is not None else pd.NaT,
                "first_label": first["date_label"] if first is not None else "",
                "first_partial": bool(first["partial"]) if first is not None else False,
                "first_area": first["area"] if first is not None else "",
                "ics_date": ics["placed"] if ics is not None else pd.NaT,
                "ics_label": ics["date_label"] if ics is not None else "",
                "ics_precision": ics["precision"] if ics is not None else "",
                "ics_basis": ics["basis"] if ics is not None else "",
                "ics_via": ics["via"] if ics is not None else "",
                "ics_stage": ics["stage"] if ics is not None else "",
                "months_low": low,
                "months_high": high,
                "merged_into": MERGED_INTO if p.code in MERGED_CODES else "",
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values(["ics_date", "first_date", "name"], na_position="last", kind="stable").reset_index(
        drop=True
    )


def _months_to(ics: pd.Series | None) -> tuple[float, float]:
    """Whole months from July 2017 to the ICS month (0 if already designated), as a range for a year-only date."""
    if ics is None:
        return np.nan, np.nan
    start, end = ics["placed"], period_end(ics["placed"], ics["precision"])
    return float(_months_after_ratings(start)), float(_months_after_ratings(end))


def _months_after_ratings(when: pd.Timestamp) -> int:
    return max(0, (when.year - RATINGS_MONTH.year) * 12 + when.month - RATINGS_MONTH.month)


# --- The time axis: milestone months, ?at= -----------------------------------------------------------------------
def milestone_months(designations: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame:
    """The months in which anything happened, June 2017 to July 2022 (everything earlier folds into June 2017):
    `at` (YYYY-MM, for the URL and slider), `x` (first day, for plotting), `end` (status date), `label`, `what`."""
    events = milestones(designations, list(codes))
    placed = events["placed"].where(events["placed"] >= pd.Timestamp(FIRST_MONTH), pd.Timestamp(FIRST_MONTH))
    events = events.assign(month=placed.dt.to_period("M"))
    rows = []
    for month, group in events.groupby("month", sort=True):
        first_day = month.to_timestamp()
        year_only = (group["precision"] == "year").all()
        rows.append(
            {
                "at": str(month),
                "x": first_day,
                "end": month.to_timestamp(how="end").normalize(),
                "label": str(first_day.year) if year_only else date_label(first_day, "month"),
                "what": _describe(group),
            }
        )
    return pd.DataFrame(rows)


def _describe(group: pd.DataFrame) -> str:
    """Counted from the rows, never written by hand."""
    parts = []
    designations = group[group["kind"] == "designation"]
    new = designations[designations["changes_status"]]
    whole = new[~new["partial"]]
    if len(whole):
        inferred = int(whole["basis"].eq(INFERRED).sum())
        text = f"{whole['code'].nunique()} of the 2017 footprints became ICSs"
        parts.append(text + (f" ({inferred} inferred by elimination)" if inferred else ""))
    partly = new[new["partial"]]
    if len(partly):
        parts.append(f"{partly['code'].nunique()} partly designated")
    renamed = designations[~designations["changes_status"]]
    if len(renamed) and not len(new):
        parts.append(f"{renamed['code'].nunique()} already designated, now called or extended as ICSs")
    if (group["kind"] == "merger").any():
        parts.append(f"{', '.join(MERGED_CODES)} merged into {MERGED_INTO}")
    if (group["kind"] == "statutory").any():
        parts.append("every footprint a statutory ICS")
    return "; ".join(parts)


@dataclass(frozen=True)
class AtChoice:
    """A `?at=` value read from a link: the month and the date its status is shown at, or why it was refused."""

    at: str | None
    when: date | None
    notice: str | None = None


_AT = re.compile(r"^[0-9]{4}-[0-9]{2}$")
_SAFE_TO_ECHO = re.compile(r"^[0-9A-Za-z-]{1,10}$")


def parse_at(raw: object) -> AtChoice:
    """`?at=YYYY-MM` -> the end of that month; a polite notice for anything else (never echoing markup)."""
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return AtChoice(None, None)
    text = str(raw).strip()
    shown = f"“{text}”" if _SAFE_TO_ECHO.match(text) else "in this link"
    first, last = at_text(FIRST_MONTH), at_text(LAST_MONTH)
    if not (_AT.match(text) and 1 <= int(text[5:]) <= 12):
        return AtChoice(None, None, f"The date {shown} is not a month written as YYYY-MM (for example 2019-06).")
    if not first <= text <= last:
        return AtChoice(
            None,
            None,
            f"The date {shown} is outside the journey shown here ({date_label(FIRST_MONTH, 'month')} to "
            f"{date_label(LAST_MONTH, 'month')}).",
        )
    year, month = int(text[:4]), int(text[5:])
    return AtChoice(text, date(year, month, calendar.monthrange(year, month)[1]))


def at_text(when: date | pd.Timestamp) -> str:
    return f"{when.year:04d}-{when.month:02d}"


def snap_to_milestone(at: str, options: list[str]) -> str:
    """The latest milestone month at or before `at`: statuses only change at milestones, so the map is the same."""
    earlier = [o for o in sorted(options) if o <= at]
    return earlier[-1] if earlier else sorted(options)[0]


# --- Per July 2017 rating group --------------------------------------------------------------------------------
def groups_in_order(profiles: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(profiles["rating_group"]))
    return [g for g in RATING_GROUPS if g in present] + [g for g in present if g not in RATING_GROUPS]


def cumulative_by_group(designations: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """For each 2017 rating group and milestone month: how many of its footprints were ICSs (whole footprint)
    by the end of that month, the share, how many were partly designated, and who joined at that step."""
    months = milestone_months(designations, profiles["code"].tolist())
    events = milestones(designations, profiles["code"].tolist())  # once, not once per month
    rows = []
    before: dict[str, str] = {}
    for m in months.itertuples(index=False):
        status = _statuses(events, profiles, m.end.date())
        for group in groups_in_order(profiles):
            members = status[status["rating_group"] == group]
            designated = members[members["status"].isin([ICS, STATUTORY])]
            already = {c for c, s in before.items() if s in (ICS, STATUTORY)}
            is_new = ~designated["code"].isin(already)
            joined = designated.loc[is_new]
            newly_ics = joined[joined["status"] == ICS]
            rows.append(
                {
                    "group": group,
                    "group_label": group_label(group),
                    "at": m.at,
                    "x": m.x,
                    "label": m.label,
                    "n": len(members),
                    "ics": len(designated),
                    "partly": int((members["status"] == PARTLY).sum()),
                    "share": len(designated) / len(members) if len(members) else np.nan,
                    "joined": tuple(_joined_name(r) for r in joined.itertuples()),
                    "joined_inferred": tuple(newly_ics.loc[newly_ics["basis"] == INFERRED, "name"]),
                }
            )
        before = dict(zip(status["code"], status["status"], strict=True))
    return pd.DataFrame(rows)


def _joined_name(row: object) -> str:
    suffix = []
    if getattr(row, "status", "") == ICS and getattr(row, "basis", "") == INFERRED:
        suffix.append("inferred by elimination")
    if getattr(row, "via", ""):
        suffix.append(row.via)
    return row.name + (f" ({'; '.join(suffix)})" if suffix else "")


def count_by(cumulative: pd.DataFrame, group: str, at: str) -> tuple[int, int]:
    """(ICSs, footprints) in a group at a milestone month: for tests and text."""
    row = cumulative[(cumulative["group"] == group) & (cumulative["at"] == at)].iloc[0]
    return int(row["ics"]), int(row["n"])


@dataclass(frozen=True)
class GroupMedian:
    group: str
    footprints: int
    with_date: int
    low: float | None
    high: float | None
    left_out: tuple[str, ...]
    inferred: int = 0

    @property
    def text(self) -> str:
        if self.low is None or self.high is None:
            return "no ICS date found"
        low, high = _months_text(self.low), _months_text(self.high)
        return f"{low} months" if low == high else f"{low} to {high} months"


def _months_text(value: float) -> str:
    return f"{value:g}"


def median_months(journey: pd.DataFrame) -> list[GroupMedian]:
    """Median whole months from July 2017 to the whole footprint becoming an ICS, per 2017 group.

    Footprints whose whole-footprint date no source gives are left out (and named); a year-only date makes the
    median a range (placed at the start and at the end of that year).
    """
    result = []
    for group in groups_in_order(journey):
        members = journey[journey["rating_group"] == group]
        dated = members.dropna(subset=["months_low"])
        low = float(statistics.median(dated["months_low"])) if len(dated) else None
        high = float(statistics.median(dated["months_high"])) if len(dated) else None
        left_out = tuple(members.loc[members["months_low"].isna(), "name"])
        inferred = int(dated["ics_basis"].eq(INFERRED).sum())
        result.append(GroupMedian(group, len(members), len(dated), low, high, left_out, inferred))
    return result


def headline(medians: list[GroupMedian]) -> str:
    """The finding in words, built only from the computed medians: the comparison first, then each group."""
    order = {group: i for i, group in enumerate(RATING_GROUPS)}
    ranked = sorted(medians, key=lambda m: order.get(m.group, len(order)))  # rating order, best first
    parts = [f"{group_label(m.group)} {m.text} ({_basis_of(m)})" for m in ranked]
    sentence = "Median time from the July 2017 ratings to integrated care system: " + "; ".join(parts) + "."
    by_group = {m.group: m for m in medians}
    middle = by_group.get(UNPUBLISHED)
    top = by_group.get(RATING_GROUPS[0])
    bottom = by_group.get(RATING_GROUPS[-1])
    if middle and top and bottom and _exact(middle) and _exact(top) and _exact(bottom):
        sentence = _comparison(middle, top, bottom) + " " + sentence
    left_out = [name for m in medians for name in m.left_out]
    if left_out:
        sentence += (
            f" Left out (first designated for part of the footprint; no whole-footprint date found): "
            f"{', '.join(left_out)}."
        )
    return sentence


def _basis_of(m: GroupMedian) -> str:
    text = f"{m.with_date} of {m.footprints} footprints"
    if m.inferred:
        text += f", {m.inferred} of their dates inferred by elimination"
    return text


def _exact(m: GroupMedian) -> bool:
    return m.low is not None and m.low == m.high


def _comparison(middle: GroupMedian, top: GroupMedian, bottom: GroupMedian) -> str:
    def versus(other: GroupMedian, name: str) -> str:
        gap = middle.low - other.low
        if gap == 0:
            return f"the same as the {name} footprints'"
        return f"{abs(gap):g} months {'later' if gap > 0 else 'sooner'} than the {name} footprints'"

    return (
        f"The unpublished middle's median was {versus(top, 'Outstanding')} and "
        f"{versus(bottom, 'Needs most improvement')}."
    )


# --- The footprint's own numbers over time ---------------------------------------------------------------------
TREND_COLUMNS = ["measure", "period", "period_end", "value", "england", "n", "q1", "median", "q3", "band"]


def shows_middle_band(catalogue: pd.DataFrame, measure: str) -> bool:
    """Finance figures are not on one basis: no middle half, nothing that implies a ranking."""
    theme = catalogue.loc[catalogue["measure"] == measure, "theme"]
    return not theme.empty and theme.iloc[0] not in UNRANKED_THEMES


def measure_series(metrics: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Every footprint's value in every period (long), oldest first: the faint lines of a trend view."""
    rows = metrics.loc[metrics["measure"] == measure, ["code", "period", "period_end", "value"]]
    return rows.sort_values(["code", "period_end", "period"]).reset_index(drop=True)


def measure_trend(
    metrics: pd.DataFrame, catalogue: pd.DataFrame, measure: str, code: str | None = None
) -> pd.DataFrame:
    """Per period: the footprint's value (NaN where not published), England (the catalogue's method, as the
    gauges use) and the middle half of footprints (q1, q3; NaN for measures not on one basis)."""
    band = shows_middle_band(catalogue, measure)
    rows = []
    for period in periods(metrics, measure):
        here = metrics.loc[(metrics["measure"] == measure) & (metrics["period"] == period)]
        values = here["value"].dropna().to_numpy(dtype=float)
        q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75]) if values.size else (np.nan,) * 3
        own = here.loc[here["code"] == code, "value"] if code else here.iloc[:0]["value"]
        # The catalogue's own method (ratio of sums for a percentage), exactly as the gauges compute England.
        england = england_value(metrics, catalogue, measure, period)
        rows.append(
            {
                "measure": measure,
                "period": period,
                "period_end": pd.Timestamp(here["period_end"].iloc[0]),
                "value": float(own.iloc[0]) if len(own) else np.nan,
                "england": np.nan if england is None else england,
                "n": int(values.size),
                "q1": float(q1) if band and values.size >= 4 else np.nan,
                "median": float(median) if band and values.size else np.nan,
                "q3": float(q3) if band and values.size >= 4 else np.nan,
                "band": band and values.size >= 4,
            }
        )
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def footprint_trends(metrics: pd.DataFrame, catalogue: pd.DataFrame, code: str, theme: str) -> pd.DataFrame:
    """Every measure of a theme with more than one period, for one footprint, with the catalogue's labels."""
    frames = []
    for m in catalogue.loc[catalogue["theme"] == theme].itertuples(index=False):
        trend = measure_trend(metrics, catalogue, m.measure, code)
        if len(trend) < 2:
            continue  # one period is not a trend
        frames.append(trend.assign(name=m.name, short_name=m.short_name, unit=m.unit, decimals=int(m.decimals)))
    if not frames:
        return pd.DataFrame(columns=[*TREND_COLUMNS, "name", "short_name", "unit", "decimals"])
    return pd.concat(frames, ignore_index=True)
