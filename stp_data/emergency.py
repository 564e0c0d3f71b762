"""Emergency care month by month: England's series, a footprint's series with its flags, SPC for all 44.

Pure (no Streamlit). The pages call these with the bundle's metrics, catalogue and the flags table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from stp_data import schemas
from stp_data import spc as spc_rules
from stp_data.metrics import england_value, periods, ratio_of_sums_by_period, ratio_scale
from stp_data.tables import read_table

FLAGS_FILE = "emergency_care_flags.csv"
FLAG_KINDS = ("missing_return", "partial_return", "field_test", "boundary_change", "reclassification")
# Marked on charts (the figure lacks a trust's return, part of one, or a field-test trust's 4-hour data); a boundary
# change or a reclassification between department types is a step, annotated instead.
GAP_KINDS = ("missing_return", "partial_return", "field_test")
AE_PCT = "ae_type1_4hr_pct"
BED_OCCUPANCY = "ga_bed_occupancy_pct_weekly"
LONG_STAY = "ga_beds_occupied_by_los_over21d_pct_weekly"
MIN_SPC_POINTS = 12  # fewer points per footprint: a line chart, with the reason
WEEKLY_PERIOD = re.compile(r"^\d{4}-W\d{2}$")

# Burton Hospitals (RJF) reports under Royal Derby (RTG) from July 2018.
BURTON_BREAK = "2018-07"
BURTON_CODES = ("E54000010", "E54000012")  # Staffordshire and Stoke on Trent, Derbyshire
BURTON_MEASURES = (
    "ae_type1_4hr_pct",
    "ae_type1_attendances",
    "ae_type1_attendances_4hr_reported",
    "ae_type1_over4hr",
    "ae_type1_within4hr",
    "ae_type1_emergency_admissions",
    "ae_alltypes_mapped_trusts_4hr_pct",
)
BURTON_NOTE = "Burton moves from Staffordshire to Derbyshire (July 2018)"

# Footprints whose type-1 A&E figures are one trust's: computed from the reference trust table
# (single_trust_footprints; checked by tests/stp_data/test_emergency.py). Staffordshire only from July 2018.
SINGLE_TYPE1_TRUST = {
    "E54000010": "from July 2018, when Burton's A&E moved to Derbyshire",
    "E54000011": "",
    "E54000013": "",
    "E54000015": "",
    "E54000034": "",
    "E54000036": "",
    "E54000043": "",
    "E54000047": "",
}

CAVEAT_PROVIDER = (
    "These figures are provider-based: counted at the hospital trust that treated the patient, not where patients "
    "live, so there is no per-population rate."
)
CAVEAT_BURTON = (
    "Burton Hospitals' A&E reports under Royal Derby from July 2018, so it moves from Staffordshire and Stoke on "
    "Trent (E54000010) to Derbyshire (E54000012): a step in both series, not a change in performance. Limits can be "
    "recalculated from July 2018."
)
CAVEAT_SINGLE_TRUST = (
    "8 footprints have a single type-1 (major) A&E trust, so their series is that trust's: "
    + ", ".join(SINGLE_TYPE1_TRUST)
    + " (Staffordshire and Stoke on Trent from July 2018)."
)
CAVEAT_ENGLAND = (
    "England is the sum of all footprints' attendances seen within 4 hours over the sum of their attendances, "
    "never an average of the footprints' percentages."
)
CAVEAT_STANDARD = (
    "The target line is the 95% operational standard for patients seen within 4 hours, which NHS England sets for "
    "all A&E types together; major (type-1) departments alone usually score lower."
)
CAVEAT_FLAGS = (
    "Marked points lack one trust's return, or have a partial one, in the source, or leave out a field-test trust "
    "that reported no 4-hour data: they are shown as published, never filled in."
)
CAVEAT_FIELD_TEST = (
    "14 trusts field-tested new A&E standards and reported no 4-hour data from May 2019 to May 2023; NHS England "
    "leaves them out of the 4-hour figure, and so does this dashboard. In 13 footprints the figure for those months "
    "covers only their other trusts, and Frimley (E54000034), whose one major A&E trust was a field-test site, has "
    "no 4-hour figure for those 49 months: a gap, never filled."
)
CAVEAT_RECLASSIFICATION = (
    "Some trusts moved streams of patients between major (type 1) and other (type 3) departments, which steps their "
    "footprint's type-1 attendances and 4-hour figure; the steps found are flagged, but the screen is not exhaustive."
)
CAVEAT_WINTERS = (
    "Bed figures come from NHS England's winter daily situation reports, which cover only three separate winters "
    "(December to early March); control limits are set within each winter, never across the gaps. Long stays: "
    "winters 2017/18 and 2018/19 only. No England line: the occupied and open bed counts are not carried here."
)
AE_CAVEATS = (
    CAVEAT_PROVIDER,
    CAVEAT_FIELD_TEST,
    CAVEAT_BURTON,
    CAVEAT_RECLASSIFICATION,
    CAVEAT_SINGLE_TRUST,
    CAVEAT_ENGLAND,
    CAVEAT_STANDARD,
    CAVEAT_FLAGS,
)
BED_CAVEATS = (CAVEAT_PROVIDER, CAVEAT_WINTERS, CAVEAT_FLAGS)


# ---------------------------------------------------------------- the flags table


def flags_schema(known_codes: Iterable[str], measures: Iterable[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "code": schemas.code_column(known_codes, unique=False),
            "measure": pa.Column(str, pa.Check.isin(sorted(measures), error="is not a measure in measures.csv")),
            "period": pa.Column(str),
            "period_end": pa.Column(
                str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$", error="must be a date as YYYY-MM-DD")
            ),
            "org_code": pa.Column(str, nullable=True),
            "kind": pa.Column(str, pa.Check.isin(FLAG_KINDS, error="must be one of: " + ", ".join(FLAG_KINDS))),
            "days": pa.Column("Int64", pa.Check.in_range(1, 7, error="must be 1 to 7"), nullable=True, coerce=True),
            "note": pa.Column(str),
            "source": pa.Column(str),
        },
        unique=["code", "measure", "period", "org_code", "kind"],
        report_duplicates="all",
    )


def load_flags(data_dir: Path, known_codes: Iterable[str], measures: Iterable[str]) -> pd.DataFrame:
    """emergency_care_flags.csv, validated: every flag names a known footprint and catalogue measure."""
    return schemas.validate(read_table(data_dir / FLAGS_FILE), flags_schema(known_codes, measures), FLAGS_FILE)


def _gap_notes(flags: pd.DataFrame, measure: str) -> pd.DataFrame:
    """One row per (code, period) of the measure with a missing or partial return, its notes joined."""
    gaps = flags.loc[(flags["measure"] == measure) & flags["kind"].isin(GAP_KINDS)]
    return gaps.groupby(["code", "period"], as_index=False)["note"].agg("; ".join)


# ---------------------------------------------------------------- series


def is_weekly(series: pd.DataFrame) -> bool:
    return bool(len(series)) and bool(series["period"].astype(str).str.match(WEEKLY_PERIOD).all())


def england_series(metrics: pd.DataFrame, catalogue: pd.DataFrame, measure: str) -> pd.DataFrame:
    """England's value for each period of the measure (period, period_end, value), by its england_method.

    For A&E 4-hour %: 100 x sum of attendances within 4 hours / sum of attendances. Empty when the measure
    has no England figure.
    """
    order = periods(metrics, measure)
    ends = metrics.loc[metrics["measure"] == measure].drop_duplicates("period").set_index("period")["period_end"]
    info = catalogue.loc[catalogue["measure"] == measure].iloc[0]
    if info["england_method"] == "ratio_of_sums":  # every period in one pass (36 months: 2 s -> 30 ms)
        by_period = ratio_of_sums_by_period(metrics, info["numerator"], info["denominator"], ratio_scale(info["unit"]))
        values = [by_period.get(period) for period in order]
    else:
        values = [england_value(metrics, catalogue, measure, period) for period in order]
    frame = pd.DataFrame({"period": order, "period_end": [ends[p] for p in order], "value": values})
    return frame.dropna(subset=["value"]).reset_index(drop=True)


def footprint_series(metrics: pd.DataFrame, flags: pd.DataFrame, measure: str, code: str) -> pd.DataFrame:
    """A footprint's values oldest first: period, period_end, value, source, flagged, flag_note."""
    rows = metrics.loc[(metrics["measure"] == measure) & (metrics["code"] == code)]
    rows = rows.sort_values(["period_end", "period"])[["period", "period_end", "value", "source"]]
    notes = _gap_notes(flags, measure)
    notes = notes.loc[notes["code"] == code, ["period", "note"]]
    series = rows.merge(notes, on="period", how="left").rename(columns={"note": "flag_note"})
    series["flagged"] = series["flag_note"].notna()
    return series[["period", "period_end", "value", "source", "flagged", "flag_note"]].reset_index(drop=True)


def month_table(
    metrics: pd.DataFrame,
    catalogue: pd.DataFrame,
    flags: pd.DataFrame,
    measure: str,
    period: str,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """One row per footprint for one period: code, name, value, England, flagged, flag note, source."""
    rows = metrics.loc[(metrics["measure"] == measure) & (metrics["period"] == period)]
    table = pd.DataFrame({"code": list(names)}).merge(rows[["code", "value", "source"]], on="code", how="left")
    table.insert(1, "name", table["code"].map(names))
    table.insert(3, "england", england_value(metrics, catalogue, measure, period))
    table["flag_note"] = table["code"].map(gaps_in_period(flags, measure, period))
    table["flagged"] = table["flag_note"].notna()
    return table[["code", "name", "value", "england", "flagged", "flag_note", "source"]]


def gaps_in_period(flags: pd.DataFrame, measure: str, period: str) -> dict[str, str]:
    """Footprints with a missing or partial return in one period of the measure, each with its note."""
    notes = _gap_notes(flags, measure)
    return dict(notes.loc[notes["period"] == period, ["code", "note"]].itertuples(index=False, name=None))


# ---------------------------------------------------------------- SPC


def burton_applies(code: str, measure: str, series: pd.DataFrame) -> bool:
    """Whether Burton's July 2018 move is a step in this footprint's series (and so is annotated)."""
    return code in BURTON_CODES and measure in BURTON_MEASURES and BURTON_BREAK in set(series["period"])


def default_breaks(series: pd.DataFrame, *, recalculate_from: Iterable[str] = ()) -> list[str]:
    """Where limits restart: each winter of a weekly series (never contiguous), plus any chosen break."""
    breaks = spc_rules.winter_breaks(series) if is_weekly(series) else []
    present = set(series["period"])
    return sorted(set(breaks) | {p for p in recalculate_from if p in present}, key=list(series["period"]).index)


def footprint_spc(
    metrics: pd.DataFrame,
    catalogue: pd.DataFrame,
    flags: pd.DataFrame,
    measure: str,
    code: str,
    *,
    recalculate_from: Iterable[str] = (),
) -> tuple[pd.DataFrame, spc_rules.SpcResult]:
    """The footprint's series (footprint_series) and its XmR result, weekly series split into winters.

    Pass recalculate_from=[BURTON_BREAK] to recalculate Staffordshire's or Derbyshire's limits from July 2018.
    """
    info = catalogue.loc[catalogue["measure"] == measure].iloc[0]
    series = footprint_series(metrics, flags, measure, code)
    result = spc_rules.xmr(
        series,
        polarity=info["polarity"],
        target=_target(info),
        breaks=default_breaks(series, recalculate_from=recalculate_from),
    )
    return series, result


def _target(info: pd.Series) -> float | None:
    target = info.get("target")
    return None if target is None or pd.isna(target) else float(target)


def all_footprints_spc(
    metrics: pd.DataFrame, catalogue: pd.DataFrame, flags: pd.DataFrame, measure: str, codes: Iterable[str]
) -> dict[str, tuple[pd.DataFrame, spc_rules.SpcResult]]:
    """footprint_spc for every footprint with values, with one set of limits per series (a winter for weekly data).

    Limits are not recalculated at Burton's move here: only 9 months follow it, fewer than the 12 points limits
    need, and the footprint page (which offers the recalculation) must show the same icons by default.
    """
    present = set(metrics.loc[metrics["measure"] == measure, "code"])
    return {code: footprint_spc(metrics, catalogue, flags, measure, code) for code in codes if code in present}


def small_multiples_order(variations: Mapping[str, str], names: Mapping[str, str]) -> list[str]:
    """Codes sorted concern first, then improvement, then neutral signals, then common cause; by name within."""
    return sorted(variations, key=lambda code: (spc_rules.variation_rank(variations[code]), names.get(code, code)))


def series_for_spc(
    metrics: pd.DataFrame, measure: str, min_points: int = MIN_SPC_POINTS
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """A user's (or any) tidy measure per footprint: (series with enough points for SPC, reasons for the rest).

    A footprint with fewer than `min_points` published values gets a line chart instead, with the reason.
    """
    rows = metrics.loc[metrics["measure"] == measure].dropna(subset=["value"])
    qualifying: dict[str, pd.DataFrame] = {}
    reasons: dict[str, str] = {}
    for code, group in rows.groupby("code", sort=True):
        series = group.sort_values(["period_end", "period"])[["period", "period_end", "value", "source"]]
        if len(series) >= min_points:
            qualifying[code] = series.reset_index(drop=True)
        else:
            reasons[code] = (
                f"{len(series)} point{'s' if len(series) != 1 else ''}: an SPC chart needs at least {min_points} "
                "to set meaningful limits, so this is a line chart."
            )
    return qualifying, reasons


def single_trust_footprints(trust_monthly: pd.DataFrame) -> dict[str, str | None]:
    """Footprints with one type-1 trust in their latest month: code -> first month of the run of one trust.

    `trust_monthly`: one row per (code, period, org_code) reporting type-1 attendances.
    """
    counts = trust_monthly.groupby(["code", "period"])["org_code"].nunique().reset_index().sort_values("period")
    found: dict[str, str | None] = {}
    for code, group in counts.groupby("code"):
        if group["org_code"].iloc[-1] != 1:
            continue
        several = group.loc[group["org_code"] > 1, "period"]
        found[code] = None if several.empty else group.loc[group["period"] > several.max(), "period"].min()
    return found
