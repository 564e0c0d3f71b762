"""Did the middle catch up? A&E type-1 4-hour performance per group of footprints, April 2016 onwards.

Pure (no Streamlit). A group's figure is always the ratio of its summed counts (Σ seen within 4 hours ÷ Σ
attendances at trusts reporting 4-hour data, x 100), never an average of its footprints' percentages: a big
footprint weighs as much as its patients do. A footprint with no 4-hour rows in a month (Frimley, May 2019 - May 2023,
a field-test site) is simply outside that month's sum, and the group says how many of its footprints it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stp_data.ratings import BOTTOM, MIDDLE_RATINGS, TOP, UNPUBLISHED

WITHIN = "ae_type1_within4hr"  # numerator of ae_type1_4hr_pct
REPORTED = "ae_type1_attendances_4hr_reported"  # its denominator: attendances at trusts reporting 4-hour data
STANDARD = 95.0  # the operational standard (all A&E types together; type 1 alone usually scores lower)
ENGLAND = "England"
SERIES_COLUMNS = ["period", "period_end", "group", "within", "reported", "footprints", "members", "value"]

# The July 2017 rating groups, best first. Labels say what the group is, whatever ratings file is in use.
RATING_TOP = "Top: Outstanding"
RATING_NAMED_MIDDLE = "Middle, named: Advanced or Making progress"
RATING_UNPUBLISHED = "Middle, rating not published"
RATING_BOTTOM = "Bottom: Needs most improvement"
RATING_ORDER = (RATING_TOP, RATING_NAMED_MIDDLE, RATING_UNPUBLISHED, RATING_BOTTOM)
_RATING_TO_GROUP = {
    TOP: RATING_TOP,
    **dict.fromkeys(MIDDLE_RATINGS, RATING_NAMED_MIDDLE),
    UNPUBLISHED: RATING_UNPUBLISHED,
}
_RATING_TO_GROUP[BOTTOM] = RATING_BOTTOM

# ICS waves: the year the whole footprint first became an ICS (or a shadow accountable care system).
FIRST_WAVE_YEAR = 2017  # June 2017's first wave; Greater Manchester's 2016 devolution deal counts with it
FIRST_WAVE = "ICS in 2017 or earlier"
NO_WAVE = "Only part designated before July 2022"

BASELINE_YEAR = "2016/17"  # the first financial year in the bundle: the ratings' baseline
PRE_PANDEMIC_YEAR = "2019/20"  # the last financial year before COVID-19 (March 2020 is its last month)
LATEST = "latest"
MOVE_THRESHOLD = 0.05  # points: a change that rounds to 0.0 at one decimal is "about the same"


# ---------------------------------------------------------------- groups


def rating_groups(profiles: pd.DataFrame) -> dict[str, str]:
    """code -> July 2017 rating group (top, named middle, unpublished middle, bottom); any other rating group
    (e.g. 'Not in your ratings file') is kept under its own name."""
    return {
        code: _RATING_TO_GROUP.get(group, str(group))
        for code, group in zip(profiles["code"], profiles["rating_group"], strict=True)
    }


def wave_of(ics_date: object) -> str:
    """'ICS in 2017 or earlier', 'ICS in 2018', … from the date the whole footprint became an ICS; no date: NO_WAVE."""
    if ics_date is None or pd.isna(ics_date):
        return NO_WAVE
    year = pd.Timestamp(ics_date).year
    return FIRST_WAVE if year <= FIRST_WAVE_YEAR else f"ICS in {year}"


def ics_waves(profiles: pd.DataFrame) -> dict[str, str]:
    """code -> ICS wave, from the profiles' `ics_date` (journey.journeys: first designation of the whole footprint)."""
    return {code: wave_of(when) for code, when in zip(profiles["code"], profiles["ics_date"], strict=True)}


def wave_order(waves: Mapping[str, str]) -> list[str]:
    present = set(waves.values())
    years = sorted(w for w in present if w not in (FIRST_WAVE, NO_WAVE))
    return [w for w in (FIRST_WAVE, *years, NO_WAVE) if w in present]


def wave_rule(profiles: pd.DataFrame) -> str:
    """How the waves were formed, naming the footprints the rule treats specially (from the data)."""
    dates = pd.to_datetime(profiles["ics_date"])
    early = profiles.loc[dates.dt.year < FIRST_WAVE_YEAR, "name"].tolist()
    undated = profiles.loc[dates.isna(), "name"].tolist()
    text = (
        "ICS wave: the year the whole footprint was first designated an integrated care system (or its "
        "predecessor, a shadow accountable care system), as the sources date it; a designation covering only part "
        "of a footprint does not count."
    )
    if early:
        text += f" {_and(early)} (designated before 2017) counted with the June 2017 first wave."
    if undated:
        text += f" {_and(undated)}: only part designated before the statutory ICSs of July 2022, a group of their own."
    return text


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def order_of(groups: Mapping[str, str], preferred: Iterable[str] = ()) -> list[str]:
    """The groups present: those in `preferred` first, in that order, then the rest as they first appear."""
    present = list(dict.fromkeys(groups.values()))
    first = [g for g in preferred if g in present]
    return first + [g for g in present if g not in first]


# ---------------------------------------------------------------- monthly series


def _counts(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per footprint-month with both counts (a month with only one of them is left out, as England's is)."""
    rows = metrics.loc[
        metrics["measure"].isin([WITHIN, REPORTED]), ["code", "period", "period_end", "measure", "value"]
    ]
    wide = rows.pivot_table(
        index=["code", "period", "period_end"], columns="measure", values="value", aggfunc="first"
    ).reindex(columns=[WITHIN, REPORTED])
    wide = wide.dropna().reset_index().rename(columns={WITHIN: "within", REPORTED: "reported"})
    return wide


def group_series(metrics: pd.DataFrame, groups: Mapping[str, str], order: Iterable[str] | None = None) -> pd.DataFrame:
    """Each group's A&E type-1 4-hour figure per month: Σ within ÷ Σ reported over its footprints with 4-hour data.

    Every month in the metrics appears for every group; `footprints` is how many of the group's `members`
    contributed that month (0: no figure, value NaN, never filled).
    """
    counts = _counts(metrics)
    order = list(order) if order is not None else order_of(groups)
    members = pd.Series(list(groups.values())).value_counts()
    months = counts[["period", "period_end"]].drop_duplicates().sort_values("period")
    counts = counts.assign(group=counts["code"].map(groups)).dropna(subset=["group"])
    sums = counts.groupby(["group", "period"]).agg(
        within=("within", "sum"), reported=("reported", "sum"), footprints=("code", "nunique")
    )
    grid = pd.MultiIndex.from_product([order, months["period"]], names=["group", "period"])
    out = sums.reindex(grid).reset_index()
    out["footprints"] = out["footprints"].fillna(0).astype(int)
    out["members"] = out["group"].map(members).fillna(0).astype(int)
    out["period_end"] = out["period"].map(dict(zip(months["period"], months["period_end"], strict=True)))
    out["value"] = _pct(out["within"], out["reported"])
    return out[SERIES_COLUMNS].reset_index(drop=True)


def england_series(metrics: pd.DataFrame) -> pd.DataFrame:
    """England: the same ratio over every footprint with 4-hour data (metrics.ratio_of_sums_by_period's rule)."""
    codes = metrics.loc[metrics["measure"] == REPORTED, "code"].unique()
    return group_series(metrics, dict.fromkeys(codes, ENGLAND))


def _pct(within: pd.Series, reported: pd.Series) -> pd.Series:
    return (100.0 * within / reported.where(reported > 0)).astype(float)


# ---------------------------------------------------------------- 12-month windows


@dataclass(frozen=True)
class Window:
    key: str
    label: str  # '2016/17', 'Mar 2025 - Feb 2026'
    first: str  # YYYY-MM
    last: str

    def holds(self, periods: pd.Series) -> pd.Series:
        return (periods >= self.first) & (periods <= self.last)


def financial_year(label: str) -> Window:
    """'2016/17' -> April 2016 to March 2017."""
    start = int(label[:4])
    return Window(label, label, f"{start}-04", f"{start + 1}-03")


def month_label(period: str) -> str:
    return pd.Period(period, freq="M").strftime("%b %Y")


def windows(periods: Iterable[str]) -> tuple[Window, ...]:
    """The three 12-month windows the table compares: 2016/17, 2019/20 and the latest 12 months in the data."""
    months = sorted(set(periods))
    if len(months) < 12:
        raise ValueError("fewer than 12 months: no 12-month window to compare")
    first, last = months[-12], months[-1]
    latest = Window(LATEST, f"{month_label(first)} – {month_label(last)}", first, last)
    return (financial_year(BASELINE_YEAR), financial_year(PRE_PANDEMIC_YEAR), latest)


def window_summary(series: pd.DataFrame, spans: Iterable[Window]) -> pd.DataFrame:
    """Per group and window: the ratio of the counts summed over the 12 months, the months present, and how many
    footprints contributed (fewest in a month; months with fewer than all its footprints)."""
    rows = []
    for window in spans:
        inside = series[window.holds(series["period"])]
        for group, rows_in in inside.groupby("group", sort=False):
            within, reported = rows_in["within"].sum(min_count=1), rows_in["reported"].sum(min_count=1)
            members = int(rows_in["members"].iloc[0])
            rows.append(
                {
                    "group": group,
                    "window": window.key,
                    "label": window.label,
                    "within": within,
                    "reported": reported,
                    "value": 100.0 * within / reported if reported and not pd.isna(reported) else np.nan,
                    "months": int(rows_in["reported"].notna().sum()),
                    "members": members,
                    "fewest": int(rows_in["footprints"].min()),
                    "gap_months": int((rows_in["footprints"] < members).sum()),
                }
            )
    return pd.DataFrame(rows)


def summary_table(summary: pd.DataFrame, spans: tuple[Window, ...], series: pd.DataFrame) -> pd.DataFrame:
    """The page's table: one row per group, each window's %, the change from the first to the last window in
    points, and how many footprints it covers in the months where some had no 4-hour data (from `series`)."""
    first, last = spans[0], spans[-1]
    rows = []
    for group, rows_in in summary.groupby("group", sort=False):
        by = rows_in.set_index("window")
        members = int(rows_in["members"].iloc[0])
        row: dict[str, object] = {"Group": group, "Footprints": members}
        for w in spans:
            row[f"{w.label} (%)"] = _round(by.at[w.key, "value"]) if w.key in by.index else np.nan
        start = by.at[first.key, "value"] if first.key in by.index else np.nan
        end = by.at[last.key, "value"] if last.key in by.index else np.nan
        row[f"Change, {first.label} to latest (points)"] = _round(end - start)
        row["Footprints with 4-hour data"] = coverage(series[series["group"] == group])
        rows.append(row)
    return pd.DataFrame(rows)


def _round(value: float) -> float:
    return round(float(value), 1) if not pd.isna(value) else np.nan


def coverage(rows: pd.DataFrame) -> str:
    """'all 5, every month' or '4 of 5 in 49 months (May 2019 – May 2023)': one group's months with gaps."""
    members = int(rows["members"].iloc[0]) if len(rows) else 0
    short = rows[rows["footprints"] < members].sort_values("period")
    if short.empty:
        return f"all {members}, every month"
    fewest = int(short["footprints"].min())
    span = month_label(short["period"].iloc[0])
    if len(short) > 1:
        span += f" – {month_label(short['period'].iloc[-1])}"
    months = f"{len(short)} month{'s' if len(short) > 1 else ''}"
    return f"{fewest} of {members} in {months} ({span})"


# ---------------------------------------------------------------- the headlines, from the numbers


def _value(summary: pd.DataFrame, group: str, window: str) -> float | None:
    hit = summary[(summary["group"] == group) & (summary["window"] == window)]
    if hit.empty or pd.isna(hit["value"].iloc[0]):
        return None
    return float(hit["value"].iloc[0])


def _pp(value: float) -> str:
    return f"{abs(value):.1f} point{'' if round(abs(value), 1) == 1 else 's'}"


def _members(summary: pd.DataFrame, group: str) -> int:
    return int(summary.loc[summary["group"] == group, "members"].iloc[0])


def rating_headline(summary: pd.DataFrame, spans: tuple[Window, ...]) -> str:
    """Did the middle catch up? The top-bottom gap in the first and latest windows, and whether the unpublished
    middle moved toward the top: every number and every verb comes from `summary`."""
    first, last = spans[0], spans[-1]
    values = {
        (g, w.key): _value(summary, g, w.key) for g in (RATING_TOP, RATING_BOTTOM, RATING_UNPUBLISHED) for w in spans
    }
    needed = [values[(g, w.key)] for g in (RATING_TOP, RATING_BOTTOM, RATING_UNPUBLISHED) for w in (first, last)]
    if any(v is None for v in needed):
        return (
            "A&E type-1 4-hour performance by July 2017 rating: the top, bottom and unpublished middle groups need "
            f"figures in both {first.label} and the latest 12 months to be compared; see the table."
        )
    top0, top1 = values[(RATING_TOP, first.key)], values[(RATING_TOP, last.key)]
    bot0, bot1 = values[(RATING_BOTTOM, first.key)], values[(RATING_BOTTOM, last.key)]
    mid0, mid1 = values[(RATING_UNPUBLISHED, first.key)], values[(RATING_UNPUBLISHED, last.key)]
    n_top, n_bottom = _members(summary, RATING_TOP), _members(summary, RATING_BOTTOM)
    n_mid = _members(summary, RATING_UNPUBLISHED)
    gap0, gap1 = top0 - bot0, top1 - bot1
    return " ".join(
        [
            f"A&E type-1 patients seen within 4 hours: the {n_top} Outstanding footprints {top0:.1f}% in "
            f"{first.label} and the {n_bottom} rated Needs most improvement {bot0:.1f}%, {_gap(gap0)}; in the "
            f"latest 12 months ({last.label}) {top1:.1f}% and {bot1:.1f}%, {_gap(gap1)} ({_gap_change(gap0, gap1)}).",
            _middle_sentence(n_mid, top0 - mid0, top1 - mid1, first.label),
            f"(The top group {_moved(top1 - top0)}, the unpublished middle {_moved(mid1 - mid0)}.)",
        ]
    )


def _gap(gap: float) -> str:
    if abs(gap) < MOVE_THRESHOLD:
        return "level"
    return f"a gap of {_pp(gap)}" + ("" if gap > 0 else " the other way")


def _gap_change(before: float, after: float) -> str:
    if min(abs(before), abs(after)) >= MOVE_THRESHOLD and (before > 0) != (after > 0):
        return "the order reversed"
    change = abs(after) - abs(before)
    if abs(change) < MOVE_THRESHOLD:
        return "about the same"
    return f"{'narrowed' if change < 0 else 'widened'} by {_pp(change)}"


def _behind(gap: float) -> str:
    """How far a group is from the top group, from top - group."""
    if abs(gap) < MOVE_THRESHOLD:
        return "level with the top"
    return f"{_pp(gap)} {'behind' if gap > 0 else 'ahead of'} the top"


def _middle_sentence(members: int, behind0: float, behind1: float, first_label: str) -> str:
    """behind = top - middle, in points: positive when the middle is below the top."""
    moved = behind0 - behind1  # positive: the middle closed on the top (or drew further ahead)
    start = (
        f"The {members} footprints of the unpublished middle were {_behind(behind0)} in {first_label} and "
        f"{_behind(behind1)} in the latest 12 months"
    )
    if abs(moved) < MOVE_THRESHOLD:
        return start + ": the middle did not move toward the top (no change in the gap)."
    if moved > 0:
        return start + f": the middle moved toward the top by {_pp(moved)}."
    return start + f": the middle did not move toward the top (it fell back by {_pp(moved)})."


def wave_headline(summary: pd.DataFrame, england: pd.DataFrame, spans: tuple[Window, ...]) -> str:
    """Each ICS wave's change from the first to the latest window, against England's, and the earliest wave
    against the latest dated wave: from the numbers."""
    first, last = spans[0], spans[-1]
    england_summary = window_summary(england, (first, last))
    e0, e1 = _value(england_summary, ENGLAND, first.key), _value(england_summary, ENGLAND, last.key)
    changes = {}
    for group in summary["group"].drop_duplicates():
        v0, v1 = _value(summary, group, first.key), _value(summary, group, last.key)
        if v0 is not None and v1 is not None:
            changes[group] = v1 - v0
    if e0 is None or e1 is None or not changes:
        return f"A&E type-1 4-hour performance by ICS wave: no figures in both {first.label} and the latest 12 months."
    parts = [f"{group} {_signed(change)}" for group, change in changes.items()]
    text = (
        f"From {first.label} to the latest 12 months ({last.label}), the share of A&E type-1 patients seen within "
        f"4 hours {_moved(e1 - e0)} in England; by ICS wave: " + "; ".join(parts) + " (points)."
    )
    dated = [g for g in changes if g != NO_WAVE]
    if len(dated) >= 2:
        early, late = dated[0], dated[-1]
        diff = changes[early] - changes[late]
        versus = (
            f"The earliest wave ({early}) {_signed(changes[early])} points against {_signed(changes[late])} for the "
            f"latest ({late})"
        )
        if abs(diff) < MOVE_THRESHOLD:
            text += f" {versus}: the same."
        else:
            text += f" {versus}: {_pp(diff)} {'better' if diff > 0 else 'worse'}."
    return text


def _signed(change: float) -> str:
    return "0.0" if abs(change) < MOVE_THRESHOLD else f"{change:+.1f}".replace("-", "−")


def _moved(change: float) -> str:
    if abs(change) < MOVE_THRESHOLD:
        return "was about the same"
    return f"{'rose' if change > 0 else 'fell'} by {_pp(change)}"
