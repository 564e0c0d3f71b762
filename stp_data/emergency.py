"""Emergency care month by month: England's series, a footprint's series with its flags, SPC for all 44.

Pure (no Streamlit). The pages call these with the bundle's metrics, catalogue and the flags table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
# The monthly type-1 measures, as bundled and as read from NHS England's provider files (stp_data.upload.provider).
AE_TYPE1_MEASURES = (
    "ae_type1_4hr_pct",
    "ae_type1_attendances",
    "ae_type1_attendances_4hr_reported",
    "ae_type1_over4hr",
    "ae_type1_within4hr",
    "ae_type1_emergency_admissions",
)
BURTON_MEASURES = (*AE_TYPE1_MEASURES, "ae_alltypes_mapped_trusts_4hr_pct")
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
    """One row per (code, period) of the measure with a gap flag: its notes joined, its kinds, the trusts flagged
    and a short text saying what the flag is (flag_text). Plain Python over the rows: a pandas groupby with
    lambdas took 4 s for the 44 footprints."""
    gaps = flags.loc[(flags["measure"] == measure) & flags["kind"].isin(GAP_KINDS)]
    found: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for code, period, kind, org, note in gaps[["code", "period", "kind", "org_code", "note"]].itertuples(
        index=False, name=None
    ):
        found.setdefault((code, period), []).append((kind, "" if pd.isna(org) else str(org), note))
    rows = [
        (
            code,
            period,
            "; ".join(note for *_, note in parts),
            ",".join(sorted({kind for kind, *_ in parts})),
            ", ".join(sorted({org for _, org, _ in parts if org})),
            flag_text((kind, org) for kind, org, _ in parts),
        )
        for (code, period), parts in found.items()
    ]
    return pd.DataFrame(rows, columns=["code", "period", "note", "kinds", "orgs", "flag_text"])


def flag_text(flags: Iterable[tuple[str, str]]) -> str:
    """What one point's gap flags (kind, trust) mean, in a few words: 'covers only trusts reporting 4-hour data:
    field-test site RXF left out', 'missing return: RHQ', 'partial return: RFR' (the notes have the detail)."""
    orgs: dict[str, set[str]] = {}
    for kind, org in flags:
        orgs.setdefault(kind, set()).update([org] if org else [])
    parts = []
    for kind in GAP_KINDS:
        if kind not in orgs:
            continue
        named = ", ".join(sorted(orgs[kind]))
        if kind == "field_test":
            parts.append(FIELD_TEST_TEXT.format(orgs=named or "a trust"))
        else:
            parts.append(f"{kind.replace('_', ' ')}{': ' + named if named else ''}")
    return "; ".join(parts)


# ---------------------------------------------------------------- series


def is_weekly(series: pd.DataFrame) -> bool:
    return bool(len(series)) and bool(series["period"].astype(str).str.match(WEEKLY_PERIOD).all())


def recalc_shape(series: pd.DataFrame) -> tuple[bool, tuple[str, ...]]:
    """Whether the series is weekly (a winter series keeps its breaks), and every month a monthly series' limits
    could restart at: its second month to its last, gaps included (none for a weekly series)."""
    if is_weekly(series):
        return True, ()
    periods = series["period"].astype(str).tolist()
    if len(periods) < 2:
        return False, ()
    return False, tuple(str(p) for p in pd.period_range(periods[1], periods[-1], freq="M"))


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
    """A footprint's values oldest first: period, period_end, value, source, flagged, flag_note, flag_kinds
    (comma-separated GAP_KINDS, or None), flag_orgs (the trusts flagged) and flag_text (what the flag means, in a
    few words)."""
    rows = metrics.loc[(metrics["measure"] == measure) & (metrics["code"] == code)]
    rows = rows.sort_values(["period_end", "period"])[["period", "period_end", "value", "source"]]
    notes = _gap_notes(flags.loc[flags["code"] == code], measure)
    notes = notes[["period", "note", "kinds", "orgs", "flag_text"]].rename(
        columns={"note": "flag_note", "kinds": "flag_kinds", "orgs": "flag_orgs"}
    )
    series = rows.merge(notes, on="period", how="left")
    series["flagged"] = series["flag_note"].notna()
    columns = ["period", "period_end", "value", "source", "flagged"]
    columns += ["flag_note", "flag_kinds", "flag_orgs", "flag_text"]
    return series[columns].reset_index(drop=True)


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


# ---------------------------------------------------------------- recalculation points (Making Data Count)

# Making Data Count never sets one set of limits across a known change in the process. The defaults, each with the
# reason the chart shows at its line (tests/stp_data/test_emergency.py checks the footprint page and the small
# multiples use the same ones, so their icons agree):
# - March 2020 in every monthly A&E series: the pandemic;
# - May 2019 and June 2023 in the four-hour measures of footprints with a field-test trust (from the flags table):
#   the trust leaves, then rejoins, the figure, which steps for that reason alone;
# - July 2018 in Staffordshire's and Derbyshire's series: Burton's A&E moves between them (with 92 months after it,
#   no longer too few for limits of their own).
# A default month the series lacks (Frimley has no four-hour figure May 2019 - May 2023) applies at the next month
# it has. A gap in a monthly series is always a break, whatever is chosen. Weekly winter series keep their winters.
# Reclassifications between department types are annotated and offered, never defaults: the screen that finds
# them is not exhaustive, so some footprints would get breaks and others, with the same kind of step, none.
COVID_BREAK = "2020-03"
COVID_LABEL = "COVID-19"
COVID_REASON = "COVID-19: attendances fell as the pandemic began (first national lockdown 23 March 2020)"
FIELD_TEST_START, FIELD_TEST_END = "2019-05", "2023-06"
FIELD_TEST_MEASURES = (
    "ae_type1_4hr_pct",
    "ae_type1_over4hr",
    "ae_type1_within4hr",
    "ae_type1_attendances_4hr_reported",
)
FIELD_TEST_LABELS = {FIELD_TEST_START: "Field test starts", FIELD_TEST_END: "Field test ends"}
FIELD_TEST_REASONS = {
    FIELD_TEST_START: "Field-test trust stops reporting 4-hour data (May 2019)",
    FIELD_TEST_END: "Field-test trust resumes reporting 4-hour data (June 2023)",
}
BURTON_LABEL = "Burton moves"
GAP_LABEL = "Gap"
CHOSEN_LABEL = "Chosen"
CHOSEN_REASON = "Chosen in this view"
RECLASSIFICATION_LABEL = "Reclassification"
WINTER_LABEL = "New winter"
WINTER_REASON = "A new winter: limits are set within each winter, never across the months between"
FIELD_TEST_TEXT = "covers only trusts reporting 4-hour data: field-test site {orgs} left out"


@dataclass(frozen=True)
class RecalcPoint:
    """Where a chart's limits restart: the period (one the series has), the month(s) asked for, and why."""

    period: str
    months: tuple[str, ...]  # the months that landed here (a default the series lacks moves to the next it has)
    label: str  # short, drawn at the line
    reason: str  # a sentence, for the hover and the caption
    default: bool  # every month here is a default (or a gap, or a winter)


def field_test_codes(flags: pd.DataFrame) -> frozenset[str]:
    """Footprints with a field-test trust (any field_test flag), from the flags table."""
    return frozenset(flags.loc[flags["kind"] == "field_test", "code"])


def default_recalc_months(code: str, measure: str, flags: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """A monthly A&E series' default recalculation months: month -> (label, reason). None for other measures."""
    if not measure.startswith("ae_"):
        return {}
    months = {COVID_BREAK: (COVID_LABEL, COVID_REASON)}
    if measure in FIELD_TEST_MEASURES and code in field_test_codes(flags):
        for month in (FIELD_TEST_START, FIELD_TEST_END):
            months[month] = (FIELD_TEST_LABELS[month], FIELD_TEST_REASONS[month])
    if code in BURTON_CODES and measure in BURTON_MEASURES:
        months[BURTON_BREAK] = (BURTON_LABEL, BURTON_NOTE)
    return dict(sorted(months.items()))


def reclassification_notes(flags: pd.DataFrame, code: str, measure: str) -> dict[str, str]:
    """Months a reclassification between department types steps this series: month -> note (joined)."""
    rows = flags.loc[(flags["kind"] == "reclassification") & (flags["code"] == code) & (flags["measure"] == measure)]
    return rows.groupby("period")["note"].agg("; ".join).to_dict()


def _month_name(month: str) -> str:
    return pd.Period(month, freq="M").strftime("%B %Y")


def recalc_points(
    series: pd.DataFrame, code: str, measure: str, flags: pd.DataFrame, chosen: Sequence[str] | None = None
) -> list[RecalcPoint]:
    """Where the limits of this footprint's series restart, oldest first, each with its reason.

    `chosen`: months (YYYY-MM) that replace the defaults (links.parse_recalc_param); None for the defaults, () for
    none. A month the series lacks applies at the next month it has (none after its end; one at its first point
    changes nothing and is left out). Gaps in a monthly series and the winters of a weekly one are always breaks.
    """
    periods = [str(p) for p in series["period"]]
    if not periods:
        return []
    if is_weekly(series):
        return [RecalcPoint(p, (), WINTER_LABEL, WINTER_REASON, True) for p in spc_rules.winter_breaks(series)]
    defaults = default_recalc_months(code, measure, flags)
    reclassified = reclassification_notes(flags, code, measure)
    wanted = dict(defaults) if chosen is None else {}
    for month in chosen or ():
        if month in defaults:
            wanted[month] = defaults[month]
        elif month in reclassified:
            wanted[month] = (
                RECLASSIFICATION_LABEL,
                f"Reclassification between department types: {reclassified[month]}",
            )
        else:
            wanted[month] = (CHOSEN_LABEL, CHOSEN_REASON)
    landed: dict[str, list[tuple[str, str, str, bool]]] = {}
    for month, (label, reason) in sorted(wanted.items()):
        period = next((p for p in periods if p >= month), None)
        if period is None or period == periods[0]:
            continue
        moved = "" if period == month else f" (applied from {period}: no figure for {_month_name(month)})"
        landed.setdefault(period, []).append((month, label, reason + moved, month in defaults))
    for period in spc_rules.gap_starts(periods):
        before = periods[periods.index(period) - 1]
        first, last = pd.Period(before, freq="M") + 1, pd.Period(period, freq="M") - 1
        missing = (last - first).n + 1
        span = first.strftime("%B %Y") if missing == 1 else f"{first.strftime('%B %Y')} – {last.strftime('%B %Y')}"
        reason = f"No figure for {span} ({missing} month{'s' if missing != 1 else ''}): a gap is always a break"
        landed.setdefault(period, []).insert(0, ("", GAP_LABEL, reason, True))
    return [
        RecalcPoint(
            period,
            tuple(month for month, *_ in parts if month),
            " · ".join(dict.fromkeys(label for _, label, _, _ in parts)),
            "; ".join(reason for _, _, reason, _ in parts),
            all(default for *_, default in parts),
        )
        for period, parts in sorted(landed.items())
    ]


def footprint_spc(
    metrics: pd.DataFrame,
    catalogue: pd.DataFrame,
    flags: pd.DataFrame,
    measure: str,
    code: str,
    *,
    recalc: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, spc_rules.SpcResult]:
    """The footprint's series (footprint_series) and its XmR result, limits restarting at `recalc_points`.

    `recalc`: None for the default points (the same as the small multiples'), months to replace them, () for none.
    """
    info = catalogue.loc[catalogue["measure"] == measure].iloc[0]
    series = footprint_series(metrics, flags, measure, code)
    points = recalc_points(series, code, measure, flags, recalc)
    result = spc_rules.xmr(series, polarity=info["polarity"], target=_target(info), breaks=[p.period for p in points])
    return series, result


def burton_applies(code: str, measure: str, series: pd.DataFrame) -> bool:
    """Whether Burton's July 2018 move is a step in this footprint's series."""
    return code in BURTON_CODES and measure in BURTON_MEASURES and BURTON_BREAK in set(series["period"])


def _target(info: pd.Series) -> float | None:
    target = info.get("target")
    return None if target is None or pd.isna(target) else float(target)


def all_footprints_spc(
    metrics: pd.DataFrame, catalogue: pd.DataFrame, flags: pd.DataFrame, measure: str, codes: Iterable[str]
) -> dict[str, tuple[pd.DataFrame, spc_rules.SpcResult]]:
    """footprint_spc for every footprint with values, at the default recalculation points: the footprint page's
    defaults too, so both pages give the same icons (read at the latest month)."""
    rows = metrics.loc[metrics["measure"] == measure]
    present = set(rows["code"])
    # Footprints with a field-test trust come from all of the measure's flags, so filter after asking.
    tested = field_test_codes(flags)
    own = flags.loc[(flags["measure"] == measure) | (flags["code"].isin(tested) & (flags["kind"] == "field_test"))]
    return {code: footprint_spc(rows, catalogue, own, measure, code) for code in codes if code in present}


def default_points_summary(measure: str, flags: pd.DataFrame, periods: Sequence[str]) -> list[str]:
    """The default recalculation points of a measure across all footprints, one sentence each, for a caption
    (the ones inside the measure's periods; weekly series: their winters)."""
    listed = [str(p) for p in periods]
    if not listed:
        return []
    if all(WEEKLY_PERIOD.match(p) for p in listed):
        return [WINTER_REASON + "."]
    if not measure.startswith("ae_"):
        return []
    first, last = listed[0], listed[-1]

    def inside(month: str) -> bool:
        return first < month <= last

    lines = []
    if measure in BURTON_MEASURES and inside(BURTON_BREAK):
        lines.append(f"July 2018 in {' and '.join(BURTON_CODES)}: {BURTON_NOTE}.")
    tested = sorted(field_test_codes(flags))
    if measure in FIELD_TEST_MEASURES and tested and inside(FIELD_TEST_START):
        lines.append(
            f"May 2019 and June 2023 in the {len(tested)} footprints with a field-test trust ({', '.join(tested)}): "
            f"{FIELD_TEST_REASONS[FIELD_TEST_START].split(' (')[0].lower()}, then resumes."
        )
    if inside(COVID_BREAK):
        lines.append(f"March 2020 in every footprint: {COVID_REASON}.")
    return lines


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
