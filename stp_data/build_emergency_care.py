"""Transcribe the emergency-care reference files into the project's tidy tables.

Usage: python -m stp_data.build_emergency_care PATH/TO/shared/reference-data

Writes, in stp_data/data/:
- metrics_emergency_care.csv: A&E type-1 4-hour performance per footprint and month (April 2016 - February 2026)
  with its counts, copied cell for cell from the two reference files, plus, derived exactly:
  `ae_type1_attendances_4hr_reported` for 2016-2019 (= attendances: every trust reported 4-hour data then; the
  2019-2026 file carries it) and `ae_type1_within4hr` = attendances at trusts reporting 4-hour data - over 4 hours
  (the numerator that makes England a ratio of sums, field-test trusts left out as NHS England does);
- metrics_winter_beds.csv: weekly G&A bed occupancy (three winters) and weekly long stays (two winters), copied;
- emergency_care_flags.csv: every footprint-period whose figure lacks a trust's return (or has a partial one, or
  lacks a field-test trust's 4-hour data), the Burton boundary change and the type-1/type-3 reclassification
  steps, one row per measure so that a chart joins on (code, measure, period).
- trust_lookup.csv: every provider code with type-1 activity 2016-2026 -> its 2017 footprint, with its basis;
- ae_field_test_trusts.csv: the trusts that reported no 4-hour data while field-testing new standards.

Daily bed occupancy is not transcribed: the charts use weekly points (see PROVENANCE_emergency_care.md).
Recorded in stp_data/data/PROVENANCE_emergency_care.md; run once, output committed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).parent / "data"
COLUMNS = ["code", "measure", "period", "period_end", "value", "population", "source"]
FLAG_COLUMNS = ["code", "measure", "period", "period_end", "org_code", "kind", "days", "note", "source"]
FOLDER = "emergency-care"
AE_FILES = ("stp17_ae_monthly_2016_2019.csv", "stp17_ae_monthly_2019_2026.csv")
AE_FLAG_FILES = ("stp17_ae_monthly_flags.csv", "stp17_ae_monthly_flags_2019_2026.csv")
AE_MEASURES = (
    "ae_type1_4hr_pct",
    "ae_type1_attendances",
    "ae_type1_attendances_4hr_reported",
    "ae_type1_over4hr",
    "ae_type1_within4hr",
    "ae_type1_emergency_admissions",
    "ae_alltypes_mapped_trusts_4hr_pct",
)
# What each kind of flag touches: a field-test trust is left out of the 4-hour figure only (its attendances and
# admissions are counted); a reclassification between department types steps every type-1 count and the %.
FOUR_HOUR_MEASURES = (
    "ae_type1_4hr_pct",
    "ae_type1_attendances_4hr_reported",
    "ae_type1_over4hr",
    "ae_type1_within4hr",
)
TYPE1_MEASURES = (*FOUR_HOUR_MEASURES, "ae_type1_attendances")
BEDS_WEEKLY = "ga_bed_occupancy_pct_weekly"
LONG_STAY_WEEKLY = "ga_beds_occupied_by_los_over21d_pct_weekly"
AE_FLAG_SOURCES = {
    AE_FLAG_FILES[0]: (
        "Reference data emergency-care/stp17_ae_monthly_flags.csv, read from NHSRdatasets ae_attendances "
        "(NHS England monthly A&E SitAE, OGL v3) nhs-r-community/NHSRdatasets@7fe35a54"
    ),
    AE_FLAG_FILES[1]: (
        "Reference data emergency-care/stp17_ae_monthly_flags_2019_2026.csv, read from NHS England's monthly A&E "
        "SitAE provider CSVs (OGL v3); field-test sites: HSJ and Nuffield Trust (see PROVENANCE_emergency_care.md)"
    ),
}
# Each row names its publisher and the month's file; the repositories, commits and the trust lookup behind them are
# named once, in PROVENANCE_emergency_care.md and trust_lookup.csv (per row they made the table 12 MB, not 4.5).
PUBLISHER = "NHS England monthly A&E SitAE (OGL v3)"
FILE_IN_SOURCE = re.compile(r"/([\w.-]+\.csv);")
LOOKUP_SOURCE = "HFAnalyticsLab/Winter_pressures@85313135 Trust-STP-lookup.csv (MIT)"
PREDECESSORS = {  # predecessor codes of trusts in the lookup, each within one footprint (reference PROVENANCE.md)
    "RW3": ("R0A", "Central Manchester University Hospitals NHS FT, predecessor of R0A (October 2017)"),
    "RM2": ("R0A", "University Hospital of South Manchester NHS FT, predecessor of R0A (October 2017)"),
    "RQQ": ("RGN", "Hinchingbrooke Health Care NHS Trust, predecessor of RGN (April 2017)"),
}
# The 14 field-test trusts (April 2019) and Poole's successor; no 4-hour data May 2019 - May 2023.
FIELD_TEST_TRUSTS = ("RGT", "RQM", "RDU", "RYJ", "RNQ", "RC9", "RXF", "RVW", "RX1", "RK9", "RD3", "RHU", "RFR", "RGR")
FIELD_TEST_SUCCESSORS = {"R0D": "2020-10"}  # University Hospitals Dorset, Poole's successor from October 2020
FIELD_TEST_FIRST, FIELD_TEST_LAST = "2019-05", "2023-05"
FIELD_TEST_SOURCE = (
    "HSJ, Fourteen trusts to be excused from reporting A&E target during controversial trial (2019), "
    "https://www.hsj.co.uk/quality-and-performance/fourteen-trusts-to-be-excused-from-reporting-aande-target-"
    "during-controversial-trial/7025304.article; Nuffield Trust, combined performance summary (2019), "
    "https://www.nuffieldtrust.org.uk/news-item/combined-performance-summary-november-december-2019"
)
BED_FLAG_SOURCE = (
    "Reference data emergency-care/stp17_ga_bed_occupancy_flags.csv (NHS England Winter Daily SitRep, "
    "OGL v3, livmathscee/NHS_winter_pressures@ff3f0569): footprint-days with fewer trusts reporting than usual"
)


def read_text(path: Path) -> pd.DataFrame:
    """Every cell as the text in the file, so copied values stay byte for byte what the reference holds."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def short_source(source: str) -> str:
    """The reference's source cell -> 'NHS England monthly A&E SitAE (OGL v3): April-2021-….csv' (or 'via
    NHSRdatasets@7fe35a54' for 2016-2019, whose figures come packaged, not as monthly files)."""
    if "NHSRdatasets" in source:
        return f"{PUBLISHER} via NHSRdatasets@7fe35a54"
    found = FILE_IN_SOURCE.search(source)
    if found is None:
        raise ValueError(f"no monthly file named in the source: {source[:80]}")
    return f"{PUBLISHER}: {found.group(1)}"


def _whole(text: pd.Series) -> pd.Series:
    """Counts are written '67137.0' in the reference: whole numbers, checked, not rounded."""
    numbers = text.astype(float)
    if not (numbers == numbers.round()).all():
        raise ValueError(f"{text.name}: a count is not a whole number")
    return numbers.astype("int64")


def build_ae(reference: Path) -> pd.DataFrame:
    raw = pd.concat([read_text(reference / FOLDER / file) for file in AE_FILES], ignore_index=True)
    raw["source"] = raw["source"].map(short_source)
    if raw.duplicated(["code", "measure", "period"]).any():
        raise ValueError("the two A&E reference files overlap: a month would be counted twice")
    counts = raw.pivot(index=["code", "period", "period_end", "source"], columns="measure", values="value")
    # Before May 2019 every trust reported 4-hour data: the % is on all type-1 attendances (this project).
    early = counts["ae_type1_attendances_4hr_reported"].isna() & counts["ae_type1_over4hr"].notna()
    reported = counts.loc[early, "ae_type1_attendances"].rename("value").reset_index()
    reported = reported.assign(measure="ae_type1_attendances_4hr_reported", population="")
    reported["source"] += "; = all type-1 attendances (derived here)"
    counts.loc[early, "ae_type1_attendances_4hr_reported"] = counts.loc[early, "ae_type1_attendances"]
    # Derived here, exactly: seen within 4 hours = attendances at trusts reporting 4-hour data - over 4 hours.
    has_four_hour = counts["ae_type1_over4hr"].notna()
    within = _whole(counts.loc[has_four_hour, "ae_type1_attendances_4hr_reported"]) - _whole(
        counts.loc[has_four_hour, "ae_type1_over4hr"]
    )
    derived = within.rename("value").reset_index().assign(measure="ae_type1_within4hr", population="")
    derived["source"] += "; attendances - over 4 hours (derived here)"
    table = pd.concat([raw, reported[COLUMNS].astype(str), derived[COLUMNS].astype(str)], ignore_index=True)
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
    if note.startswith("field-test site"):
        return "field_test"
    if note.startswith("level shift"):
        return "reclassification"
    # The Burton rows: a change of footprint, not a gap in any return.
    return "boundary_change"


def _flagged_measures(kind: str, period: str, present: set[str]) -> list[str]:
    """The measures a flag is about: a field-test trust is missing from the 4-hour figure only; a reclassification
    steps the type-1 counts and %; a missing or partial return, or a footprint change, touches every measure."""
    chosen = {"field_test": FOUR_HOUR_MEASURES, "reclassification": TYPE1_MEASURES}.get(kind, AE_MEASURES)
    return [measure for measure in chosen if (measure, period) in present]


def build_ae_flags(reference: Path, ae: pd.DataFrame) -> pd.DataFrame:
    month_end = ae.drop_duplicates("period").set_index("period")["period_end"]
    # Flag only the measures the month has (the all-types % stops in March 2019): a flag marks a published point.
    present = set(ae[["measure", "period"]].itertuples(index=False, name=None))
    rows = []
    for file in AE_FLAG_FILES:
        for flag in read_text(reference / FOLDER / file).itertuples(index=False):
            kind = _ae_kind(flag.note)
            for month in _months(flag.period):
                for measure in _flagged_measures(kind, month, present):
                    rows.append(
                        {
                            "code": flag.code,
                            "measure": measure,
                            "period": month,
                            "period_end": month_end[month],
                            "org_code": flag.org_code,
                            "kind": kind,
                            "days": "",
                            "note": flag.note,
                            "source": AE_FLAG_SOURCES[file],
                        }
                    )
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


def build_trust_lookup(reference: Path) -> pd.DataFrame:
    """Provider code -> 2017 footprint for every trust with type-1 activity 2016-2026 (reference lookups)."""
    hf = read_text(reference / FOLDER / "trust_stp_lookup_hf.csv")
    lookup = pd.DataFrame(
        {
            "org_code": hf["code"],
            "org_name": hf["Trust"],
            "code": hf["STP_code"],
            "basis": "in the lookup (2017/18 STP lists, hand-compiled; four Tyne and Wear trusts by main site)",
            "source": LOOKUP_SOURCE,
        }
    )
    successor_code = lookup.set_index("org_code")["code"]
    predecessors = pd.DataFrame(
        [
            {"org_code": old, "org_name": name, "code": successor_code[new], "basis": f"predecessor of {new}"}
            for old, (new, name) in PREDECESSORS.items()
        ]
    ).assign(source="Reference data emergency-care/PROVENANCE.md (predecessor trusts, within one footprint)")
    additions = read_text(reference / FOLDER / "trust_stp17_lookup_2019_2026_additions.csv")
    additions = additions.rename(columns={"stp17cd": "code", "evidence": "source"})
    table = pd.concat([lookup, predecessors, additions[["org_code", "org_name", "code", "basis", "source"]]])
    if table["org_code"].duplicated().any():
        raise ValueError(f"a provider code maps twice: {sorted(table.loc[table['org_code'].duplicated(), 'org_code'])}")
    return table.sort_values("org_code", ignore_index=True)


def build_field_test_trusts() -> pd.DataFrame:
    rows = [(code, FIELD_TEST_FIRST, FIELD_TEST_LAST) for code in FIELD_TEST_TRUSTS]
    rows += [(code, first, FIELD_TEST_LAST) for code, first in FIELD_TEST_SUCCESSORS.items()]
    table = pd.DataFrame(rows, columns=["org_code", "first_month", "last_month"]).assign(source=FIELD_TEST_SOURCE)
    return table.sort_values("org_code", ignore_index=True)


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
        "trust_lookup.csv": build_trust_lookup(root),
        "ae_field_test_trusts.csv": build_field_test_trusts(),
    }.items():
        frame.to_csv(OUT / name, index=False)
        size = (OUT / name).stat().st_size
        footprints = frame["code"].nunique() if "code" in frame else 0
        print(f"{name}: {len(frame)} rows, {footprints} footprints, {size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
