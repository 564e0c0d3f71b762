"""Emergency care tables: transcription spot values, England as a ratio of sums, flags, SPC per footprint."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stp_data import emergency as e
from stp_data import spc
from stp_data.errors import DataValidationError
from stp_data.loading import DATA_DIR, load_bundle
from stp_data.metrics import england_value
from stp_data.tables import MAX_TABLE_BYTES

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference-data" / "emergency-care"
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="../shared reference data not beside the repo")


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


@pytest.fixture(scope="module")
def flags(bundle):
    return e.load_flags(DATA_DIR, bundle.codes, bundle.measures["measure"])


def value(bundle, code, measure, period) -> float:
    m = bundle.metrics
    return float(m.loc[(m["code"] == code) & (m["measure"] == measure) & (m["period"] == period), "value"].iloc[0])


@pytest.mark.parametrize(
    ("code", "period", "pct", "attendances", "over"),
    [
        ("E54000033", "2017-12", 84.328, 42_292, 6_628),  # Sussex and East Surrey: 84.3%
        ("E54000007", "2016-04", 85.161, 79_884, 11_854),  # Greater Manchester
        ("E54000046", "2019-01", 85.025, 43_133, 6_459),
    ],
)
def test_spot_values_from_the_reference(bundle, code, period, pct, attendances, over):
    assert value(bundle, code, e.AE_PCT, period) == pct
    assert value(bundle, code, "ae_type1_attendances", period) == attendances
    assert value(bundle, code, "ae_type1_over4hr", period) == over
    assert value(bundle, code, "ae_type1_within4hr", period) == attendances - over
    assert 100 * (1 - over / attendances) == pytest.approx(pct, abs=0.0005)


def test_every_footprint_has_ten_years_bar_frimleys_gap_and_every_row_a_source(bundle):
    # April 2016 - February 2026: 119 months; Frimley's one major trust was a field-test site with no 4-hour data
    # May 2019 - May 2023 (49 months), so its 4-hour % has 70.
    ae = bundle.metrics.loc[bundle.metrics["measure"] == e.AE_PCT]
    months = ae.groupby("code")["period"].nunique()
    assert ae["code"].nunique() == 44 and months.drop("E54000034").eq(119).all() and months["E54000034"] == 70
    attendances = bundle.metrics.loc[bundle.metrics["measure"] == "ae_type1_attendances"]
    assert attendances.groupby("code")["period"].nunique().eq(119).all()
    theme = bundle.measures.loc[bundle.measures["theme"] == "emergency care", "measure"]
    rows = bundle.metrics.loc[bundle.metrics["measure"].isin(theme)]
    assert rows["source"].str.len().gt(20).all()
    assert rows["population"].isna().all()  # provider-based: no population


def test_files_stay_under_the_table_limit():
    for name in ("metrics_emergency_care.csv", "metrics_winter_beds.csv", e.FLAGS_FILE):
        assert (DATA_DIR / name).stat().st_size < MAX_TABLE_BYTES


def test_periods_sort_by_date(bundle):
    from stp_data.metrics import periods

    months = periods(bundle.metrics, e.AE_PCT)
    assert months[0] == "2016-04" and months[-1] == "2026-02" and months == sorted(months) and len(months) == 119
    weeks = periods(bundle.metrics, e.BED_OCCUPANCY)
    assert weeks[0] == "2016-W49" and weeks[-1] == "2019-W09" and len(weeks) == 14 + 15 + 13


def test_england_is_the_ratio_of_sums_dec_2017(bundle):
    # By hand from the trust table: Dec 2017 type-1, all trusts: 1,289,587 attendances, 292,860 over 4 hours.
    expected = 100 * (1 - 292_860 / 1_289_587)
    assert england_value(bundle.metrics, bundle.measures, e.AE_PCT, "2017-12") == pytest.approx(expected)
    series = e.england_series(bundle.metrics, bundle.measures, e.AE_PCT)
    assert len(series) == 119
    assert series.set_index("period").loc["2017-12", "value"] == pytest.approx(expected)
    plain_mean = bundle.metrics.query("measure == @e.AE_PCT and period == '2017-12'")["value"].mean()
    assert abs(plain_mean - expected) > 0.1  # the average of percentages would be a different number


@needs_reference
def test_england_totals_match_the_trust_table(bundle):
    trusts = pd.read_csv(REFERENCE / "ae_attendances_trust_monthly_2016_2019.csv", dtype={"type": str})
    trusts["month"] = pd.to_datetime(trusts["period"], unit="D").dt.strftime("%Y-%m")
    type1 = trusts.loc[trusts["type"] == "1"].groupby("month")[["attendances", "breaches"]].sum()
    m = bundle.metrics
    for measure, column in (("ae_type1_attendances", "attendances"), ("ae_type1_over4hr", "breaches")):
        # The trust table covers April 2016 - March 2019; later months come from NHS England's provider CSVs.
        rows = m.loc[(m["measure"] == measure) & (m["period"] <= "2019-03")]
        ours = rows.groupby("period")["value"].sum()
        assert ours.to_dict() == pytest.approx(type1[column].to_dict())


@needs_reference
def test_single_trust_footprints_computed_from_the_trust_table():
    trusts = pd.read_csv(REFERENCE / "ae_attendances_trust_monthly_2016_2019.csv", dtype={"type": str})
    lookup = pd.read_csv(REFERENCE / "trust_stp_lookup_hf.csv", encoding="utf-8-sig")[["code", "STP_code"]]
    lookup = pd.concat(
        [lookup, pd.DataFrame({"code": ["RW3", "RM2", "RQQ"], "STP_code": ["E54000007", "E54000007", "E54000021"]})]
    )
    type1 = trusts.loc[trusts["type"] == "1"].merge(lookup, left_on="org_code", right_on="code")
    frame = pd.DataFrame(
        {
            "code": type1["STP_code"],
            "period": pd.to_datetime(type1["period"], unit="D").dt.strftime("%Y-%m"),
            "org_code": type1["org_code"],
        }
    )
    found = e.single_trust_footprints(frame)
    assert sorted(found) == sorted(e.SINGLE_TYPE1_TRUST)
    assert found["E54000010"] == "2018-07"
    assert all(found[c] is None for c in found if c != "E54000010")


def test_caveats_name_the_single_trust_footprints():
    assert len(e.SINGLE_TYPE1_TRUST) == 8
    assert all(code in e.CAVEAT_SINGLE_TRUST for code in e.SINGLE_TYPE1_TRUST)
    assert "95%" in e.CAVEAT_STANDARD and "never an average" in e.CAVEAT_ENGLAND


def test_flags_are_marked_not_filled(bundle, flags):
    series = e.footprint_series(bundle.metrics, flags, e.AE_PCT, "E54000009")
    flagged = series.loc[series["flagged"], "period"].tolist()
    assert flagged[:3] == ["2016-04", "2016-11", "2016-12"]
    assert series["value"].notna().all() and len(series) == 119
    assert "partial" in series.set_index("period").loc["2016-12", "flag_note"]
    # Field-test months (Doncaster and Bassetlaw, RFR, May 2019 - May 2023) are flagged points too, saying what
    # the flag is in a few words; the note has the detail.
    field = series.loc[series["flag_kinds"].eq("field_test")]
    assert field["period"].tolist() == [str(p) for p in pd.period_range("2019-05", "2023-05", freq="M")]
    assert field["flag_text"].eq("covers only trusts reporting 4-hour data: field-test site RFR left out").all()
    assert field["flag_orgs"].eq("RFR").all() and field["flag_note"].str.contains("field-test site").all()
    # the Burton change is an annotation, not a gap
    staffs = e.footprint_series(bundle.metrics, flags, e.AE_PCT, "E54000010")
    assert not staffs["flagged"].any()


def test_bed_flags_roll_days_up_to_weeks(bundle, flags):
    beds = flags.loc[flags["measure"] == e.BED_OCCUPANCY]
    assert beds["days"].between(1, 7).all()
    weekly = bundle.metrics.loc[bundle.metrics["measure"] == e.BED_OCCUPANCY]
    keys = set(zip(weekly["code"], weekly["period"], strict=True))
    assert set(zip(beds["code"], beds["period"], strict=True)) <= keys


def test_flags_table_is_validated(tmp_path, bundle):
    table = pd.read_csv(DATA_DIR / e.FLAGS_FILE, dtype=str)
    table.loc[0, "kind"] = "guessed"
    table.loc[1, "code"] = "E54999999"
    table.to_csv(tmp_path / e.FLAGS_FILE, index=False)
    with pytest.raises(DataValidationError) as raised:
        e.load_flags(tmp_path, bundle.codes, bundle.measures["measure"])
    problems = {(p.row, p.column) for p in raised.value.problems}
    assert {(2, "kind"), (3, "code")} <= problems


def test_month_table(bundle, flags):
    names = dict(zip(bundle.footprints["stp17cd"], bundle.footprints["stp_name"], strict=True))
    table = e.month_table(bundle.metrics, bundle.measures, flags, e.AE_PCT, "2016-12", names)
    assert len(table) == 44
    row = table.set_index("code").loc["E54000009"]
    assert row["flagged"] and "Rotherham" in row["flag_note"]
    assert table["england"].nunique() == 1
    assert table.set_index("code").loc["E54000033", "name"] == "Sussex and East Surrey"


def test_gaps_in_period_name_each_flagged_footprint_with_its_note(bundle, flags):
    gaps = e.gaps_in_period(flags, e.AE_PCT, "2016-12")
    assert "Rotherham" in gaps["E54000009"]
    table = e.month_table(bundle.metrics, bundle.measures, flags, e.AE_PCT, "2016-12", {c: c for c in bundle.codes})
    assert set(gaps) == set(table.loc[table["flagged"], "code"])
    assert e.gaps_in_period(flags, e.AE_PCT, "1999-01") == {}


def test_map_and_histogram_mark_footprints_with_a_gap_in_the_returns(bundle, flags):
    from charts.distribution import measure_histogram
    from charts.measure_map import GAP_LEGEND, measure_map
    from geo.boundaries import BOUNDARIES_2017, load_boundaries, to_geojson
    from stp_data.metrics import values_for

    gaps = e.gaps_in_period(flags, e.AE_PCT, "2016-12")
    values = values_for(bundle.metrics, e.AE_PCT, "2016-12")
    geojson = to_geojson(load_boundaries(BOUNDARIES_2017, "stp17cd"))
    fig = measure_map(geojson, values, {}, label="A&E", unit="%", decimals=1, gaps=gaps)
    outline = fig.data[-1]
    assert outline.name == f"{GAP_LEGEND} ({len(gaps)})" and set(outline.locations) == set(gaps)
    published = fig.data[0]
    hover = {row[1]: row[2] for row in published.customdata}
    assert "Rotherham" in hover["E54000009"] and hover["E54000033"] == ""

    hist = measure_histogram(values, {}, unit="%", spread=None, england=None, note="n", gaps=gaps)
    plain, hatched = hist.data[0], hist.data[1]
    assert hatched.name.startswith("⚑ Gap in the returns") and hatched.marker.pattern.shape == "/"
    assert sum(hatched.y) == len(gaps) and sum(plain.y) + sum(hatched.y) == values["value"].notna().sum()
    assert hist.layout.barmode == "stack"
    # Without gaps: one bar trace (and the fitted curve), no hatching.
    plain_only = measure_histogram(values, {}, unit="%", spread=None, england=None, note="n")
    assert [t.type for t in plain_only.data].count("bar") == 1


def test_footprint_spc_uses_target_and_polarity(bundle, flags):
    series, result = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000033")
    assert result.target == 95 and result.polarity == "higher_is_better"
    assert len(result.points) == len(series) == 119
    assert result.assurance in (spc.FAIL, spc.HIT_AND_MISS)


def segment_starts(result) -> list[str]:
    return spc.segments(result.points)["first"].tolist()


def test_default_points_never_one_set_of_limits_across_march_2020(bundle, flags):
    # No field-test trust, not Burton's footprints: March 2020 only.
    _, sussex = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000033")
    assert segment_starts(sussex) == ["2016-04", "2020-03"]
    # A field-test footprint, four-hour measure: May 2019 and June 2023 too; its attendances (all trusts): not.
    _, yorkshire = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000005")
    assert segment_starts(yorkshire) == ["2016-04", "2019-05", "2020-03", "2023-06"]
    _, counts = e.footprint_spc(bundle.metrics, bundle.measures, flags, "ae_type1_attendances", "E54000005")
    assert segment_starts(counts) == ["2016-04", "2020-03"]
    # Burton's move, on by default now that 92 months follow it.
    staffs, split = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000010")
    assert segment_starts(split) == ["2016-04", "2018-07", "2020-03"]
    assert e.burton_applies("E54000010", e.AE_PCT, staffs)
    assert not e.burton_applies("E54000033", e.AE_PCT, staffs)
    # Field-test footprints come from the flags table: 12 with a partial 4-hour figure, and Frimley with none.
    assert len(e.field_test_codes(flags)) == 13 and "E54000034" in e.field_test_codes(flags)


def test_every_monthly_ae_series_restarts_at_march_2020(bundle, flags):
    for measure in ("ae_type1_4hr_pct", "ae_type1_attendances", "ae_type1_emergency_admissions"):
        for code, (_, result) in e.all_footprints_spc(
            bundle.metrics, bundle.measures, flags, measure, bundle.codes
        ).items():
            p = result.points
            assert p.loc[p["period"] < "2020-03", "segment"].max() < p.loc[p["period"] >= "2020-03", "segment"].min(), (
                code,
                measure,
            )


def test_frimleys_gap_is_a_break_with_its_reasons(bundle, flags):
    series, result = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000034")
    assert "2019-05" not in set(series["period"]) and len(series) == 70
    assert spc.gap_starts(series["period"].tolist()) == ["2023-06"]
    # The moving range across the gap (April 2019 -> June 2023) is never used: two segments either side.
    assert segment_starts(result) == ["2016-04", "2023-06"]
    (point,) = e.recalc_points(series, "E54000034", e.AE_PCT, flags)
    assert point.period == "2023-06" and point.months == ("2019-05", "2020-03", "2023-06") and point.default
    assert point.label.startswith(e.GAP_LABEL) and "May 2019 – May 2023 (49 months)" in point.reason
    assert "COVID-19" in point.reason and "applied from 2023-06" in point.reason
    # Even with no points chosen, the gap stays a break.
    _, none = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000034", recalc=())
    assert segment_starts(none) == ["2016-04", "2023-06"]


def test_chosen_points_replace_the_defaults(bundle, flags):
    series, result = e.footprint_spc(
        bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000033", recalc=("2020-03", "2021-07")
    )
    assert segment_starts(result) == ["2016-04", "2020-03", "2021-07"]
    points = e.recalc_points(series, "E54000033", e.AE_PCT, flags, ("2020-03", "2021-07"))
    assert [(p.label, p.default) for p in points] == [(e.COVID_LABEL, True), (e.CHOSEN_LABEL, False)]
    _, none = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000033", recalc=())
    assert segment_starts(none) == ["2016-04"]
    # An old link's ?recalc=2018-07 means "only July 2018".
    _, burton = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000010", recalc=("2018-07",))
    assert segment_starts(burton) == ["2016-04", "2018-07"]
    # A month after the series ends, or at its first month, changes nothing.
    assert e.recalc_points(series, "E54000033", e.AE_PCT, flags, ("2016-04", "2099-01")) == []


def test_reclassifications_are_suggested_not_defaults(bundle, flags):
    notes = e.reclassification_notes(flags, "E54000006", e.AE_PCT)
    assert list(notes) == ["2024-02", "2024-05"] and "reclassification" in notes["2024-02"]
    series, result = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000006")
    assert "2024-02" not in segment_starts(result)
    chosen = e.recalc_points(series, "E54000006", e.AE_PCT, flags, ("2020-03", "2024-02"))
    assert chosen[-1].label == e.RECLASSIFICATION_LABEL and "RWA" in chosen[-1].reason


def test_short_segments_have_trial_limits(bundle, flags):
    _, result = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000033", recalc=("2025-09",))
    info = spc.segments(result.points)
    assert info["points"].tolist() == [113, 6] and info["trial"].tolist() == [False, True]


def test_default_points_summary_names_each_reason(flags):
    months = [str(p) for p in pd.period_range("2016-04", "2026-02", freq="M")]
    lines = e.default_points_summary(e.AE_PCT, flags, months)
    assert len(lines) == 3 and "Burton" in lines[0] and "13 footprints" in lines[1] and "COVID-19" in lines[2]
    assert len(e.default_points_summary("ae_type1_attendances", flags, months)) == 2
    assert e.default_points_summary("ae_alltypes_mapped_trusts_4hr_pct", flags, months[:36])[0].startswith("July")


def test_bed_occupancy_limits_within_each_winter(bundle, flags):
    _, result = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.BED_OCCUPANCY, "E54000009")
    segments = result.points.groupby("segment")["period"].agg(["first", "size"])
    assert segments["size"].tolist() == [14, 15, 13]
    assert segments["first"].tolist() == ["2016-W49", "2017-W47", "2018-W49"]


def test_small_multiples_order_concern_first(bundle, flags):
    results = e.all_footprints_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, bundle.codes)
    assert len(results) == 44
    names = dict(zip(bundle.footprints["stp17cd"], bundle.footprints["stp_name"], strict=True))
    order = e.small_multiples_order({c: r.variation for c, (_, r) in results.items()}, names)
    ranks = [spc.variation_rank(results[c][1].variation) for c in order]
    assert ranks == sorted(ranks) and len(order) == 44


@pytest.mark.parametrize("measure", [e.AE_PCT, "ae_type1_attendances", e.BED_OCCUPANCY])
def test_small_multiples_and_footprint_page_agree_by_default(bundle, flags, measure):
    # The same default recalculation points on both pages, so the same icons, read at the latest month.
    results = e.all_footprints_spc(bundle.metrics, bundle.measures, flags, measure, bundle.codes)
    for code, (series, result) in results.items():
        alone_series, alone = e.footprint_spc(bundle.metrics, bundle.measures, flags, measure, code)
        assert (result.variation, result.assurance) == (alone.variation, alone.assurance), code
        assert result.points["segment"].tolist() == alone.points["segment"].tolist(), code
        assert result.variation == result.points["point_type"].iloc[-1]  # the latest point's variation
        assert series["period"].iloc[-1] == alone_series["period"].iloc[-1] == series["period"].max()


def test_series_for_spc_needs_12_points():
    rows = [("E54000005", f"{2000 + i}", f"{2000 + i}-12-31", float(i)) for i in range(12)]
    rows += [("E54000006", f"{2000 + i}", f"{2000 + i}-12-31", float(i)) for i in range(3)]
    metrics = pd.DataFrame(rows, columns=["code", "period", "period_end", "value"]).assign(measure="x", source="s")
    qualifying, reasons = e.series_for_spc(metrics, "x")
    assert list(qualifying) == ["E54000005"] and len(qualifying["E54000005"]) == 12
    assert list(reasons) == ["E54000006"] and "3 points" in reasons["E54000006"] and "12" in reasons["E54000006"]
