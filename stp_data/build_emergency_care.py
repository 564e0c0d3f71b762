"""Transcribe the emergency-care reference files into the project's tidy tables.

Usage: python -m stp_data.build_emergency_care PATH/TO/shared/reference-data

Writes, in stp_data/data/:
- metrics_emergency_care.csv: A&E type-1 4-hour performance per footprint and month (April 2016 - March 2019)
  with its counts, copied cell for cell, plus `ae_type1_within4hr` = attendances - over 4 hours (the numerator
  that makes England a ratio of sums);
- metrics_winter_beds.csv: weekly G&A bed occupancy (three winters) and weekly long stays (two winters), copied;
- emergency_care_flags.csv: every footprint-period whose figure lacks a trust's return (or has a partial one),
  and the Burton boundary change, one row per measure so that a chart joins on (code, measure, period).

Daily bed occupancy is not transcribed: the charts use weekly points (see PROVENANCE_emergency_care.md).
Recorded in stp_data/data/PROVENANCE_emergency_care.md; run once, output committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).parent / "data"
COLUMNS = ["code", "measure", "period", "period_end", "value", "population", "source"]
FLAG_COLUMNS = ["code", "measure", "period", "period_end", "org_code", "kind", "days", "note", "source"]
FOLDER = "emergency-care"
AE_MEASURES = (
    "ae_type1_4hr_pct",
    "ae_type1_attendances",
    "ae_type1_over4hr",
    "ae_type1_within4hr",
    "ae_type1_emergency_admissions",
    "ae_alltypes_mapped_trusts_4hr_pct",
)
BEDS_WEEKLY = "ga_bed_occupancy_pct_weekly"
LONG_STAY_WEEKLY = "ga_beds_occupied_by_los_over21d_pct_weekly"
AE_FLAG_SOURCE = (
    "Reference data emergency-care/stp17_ae_monthly_flags.csv, read from NHSRdatasets ae_attendances "
    "(NHS England monthly A&E SitAE, OGL v3) nhs-r-community/NHSRdatasets@7fe35a54"
)
BED_FLAG_SOURCE = (
    "Reference data emergency-care/stp17_ga_bed_occupancy_flags.csv (NHS England Winter Daily SitRep, "
    "OGL v3, livmathscee/NHS_winter_pressures@ff3f0569): footprint-days with fewer trusts reporting than usual"
)


def read_text(path: Path) -> pd.DataFrame:
    """Every cell as the text in the file, so copied values stay byte for byte what the reference holds."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _whole(text: pd.Series) -> pd.Series:
    """Counts are written '67137.0' in the reference: whole numbers, checked, not rounded."""
    numbers = text.astype(float)
    if not (numbers == numbers.round()).all():
        raise ValueError(f"{text.name}: a count is not a whole number")
    return numbers.astype("int64")


def build_ae(reference: Path) -> pd.DataFrame:
    raw = read_text(reference / FOLDER / "stp17_ae_monthly_2016_2019.csv")
    counts = raw.pivot(index=["code", "period", "period_end", "source"], columns="measure", values="value")
    # Derived here, exactly: attendances seen within 4 hours = attendances - breaches (both whole numbers).
    within = _whole(counts["ae_type1_attendances"]) - _whole(counts["ae_type1_over4hr"])
    derived = within.rename("value").reset_index().assign(measure="ae_type1_within4hr", population="")
    derived["source"] += "; within 4 hours = type-1 attendances - type-1 over 4 hours (this project)"
    table = pd.concat([raw, derived[COLUMNS].astype(str)], ignore_index=True)
    unknown = set(table["measure"]) - set(AE_MEASURES)
    if unknown:
        raise ValueError(f"unexpected A&E measures: {sorted(unknown)}")
    return table[COLUMNS].sort_values(["measure", "code", "period_end"], ignore_index=True)


def build_beds(reference: Path) -> pd.DataFrame:
    beds = read_text(reference / FOLDER / "stp17_ga_bed_occupancy_winter_sitrep.csv")
    long_stay = read_text(reference / FOLDER / "stp17_longstay21_weekly_winter_sitrep.csv")
    table = pd.concat([beds.loc[beds["measure"] == BEDS_WEEKLY], long_stay], ignore_index=True)
    return table[COLUMNS].sort_values(["measure", "code", "period_end"], ignore_index=True)


def _months(period: str) -> list[str]:
    """'2018-07..2019-03' -> every month from July 2018 to March 2019; '2016-11' -> ['2016-11']."""
    if ".." not in period:
        return [period]
    first, last = period.split("..")
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _ae_kind(note: str) -> str:
    if "absent" in note:
        return "missing_return"
    if "partial" in note:
        return "partial_return"
    # The Burton rows: a change of footprint, not a gap in any return.
    return "boundary_change"


def build_ae_flags(reference: Path, ae: pd.DataFrame) -> pd.DataFrame:
    raw = read_text(reference / FOLDER / "stp17_ae_monthly_flags.csv")
    month_end = ae.drop_duplicates("period").set_index("period")["period_end"]
    rows = []
    for flag in raw.itertuples(index=False):
        for month in _months(flag.period):
            # A trust absent from the return has no row of any department type that month, so the
            # all-types measure lacks it too; a partial type-1 return is part of all types as well.
            for measure in AE_MEASURES:
                rows.append(
                    {
                        "code": flag.code,
                        "measure": measure,
                        "period": month,
                        "period_end": month_end[month],
                        "org_code": flag.org_code,
                        "kind": _ae_kind(flag.note),
                        "days": "",
                        "note": flag.note,
                        "source": AE_FLAG_SOURCE,
                    }
                )
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


def build_bed_flags(reference: Path, beds: pd.DataFrame) -> pd.DataFrame:
    """Daily flags rolled up to the weekly points they fall in (a week is flagged if any of its days is)."""
    daily = read_text(reference / FOLDER / "stp17_ga_bed_occupancy_flags.csv")
    dates = pd.to_datetime(daily["date"])
    daily = daily.assign(
        code=daily["STP_code"],
        period=(dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.strftime("%G-W%V"),
        day=dates.dt.strftime("%d %b").str.lstrip("0") + " (" + daily["n"] + " of " + daily["n_expected"] + " trusts)",
    )
    weeks = daily.groupby(["code", "period"], sort=True)["day"].agg(list).reset_index()
    rows = []
    for measure, extra in (
        (BEDS_WEEKLY, ""),
        # A trust-day missing from the G&A beds return is missing from the long-stay figure too: the long-stay
        # count is read from the same trust-day and kept only where the G&A day is valid (how-built/build_longstay).
        (LONG_STAY_WEEKLY, " (same daily return as bed occupancy)"),
    ):
        points = beds.loc[beds["measure"] == measure, ["code", "period", "period_end"]]
        # Only weeks that are points of the series: flags on days outside full weeks have no weekly point.
        flagged = weeks.merge(points, on=["code", "period"], how="inner")
        for week in flagged.itertuples(index=False):
            rows.append(
                {
                    "code": week.code,
                    "measure": measure,
                    "period": week.period,
                    "period_end": week.period_end,
                    "org_code": "",
                    "kind": "missing_return",
                    "days": str(len(week.day)),
                    "note": f"{len(week.day)} of 7 days with a trust's return missing{extra}: " + ", ".join(week.day),
                    "source": BED_FLAG_SOURCE,
                }
            )
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


def main(reference: str) -> None:
    root = Path(reference)
    ae = build_ae(root)
    beds = build_beds(root)
    flags = pd.concat([build_ae_flags(root, ae), build_bed_flags(root, beds)], ignore_index=True)
    flags = flags.sort_values(["measure", "code", "period_end"], ignore_index=True)
    for name, frame in {
        "metrics_emergency_care.csv": ae,
        "metrics_winter_beds.csv": beds,
        "emergency_care_flags.csv": flags,
    }.items():
        frame.to_csv(OUT / name, index=False)
        size = (OUT / name).stat().st_size
        print(
            f"{name}: {len(frame)} rows, {frame['measure'].nunique()} measures, "
            f"{frame['code'].nunique()} footprints, {size:,} bytes"
        )


if __name__ == "__main__":
    main(sys.argv[1])
