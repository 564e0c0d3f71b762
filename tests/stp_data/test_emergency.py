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


def test_every_footprint_has_36_months_and_every_row_a_source(bundle):
    ae = bundle.metrics.loc[bundle.metrics["measure"] == e.AE_PCT]
    assert ae["code"].nunique() == 44 and ae.groupby("code")["period"].nunique().eq(36).all()
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
    assert months[0] == "2016-04" and months[-1] == "2019-03" and months == sorted(months)
    weeks = periods(bundle.metrics, e.BED_OCCUPANCY)
    assert weeks[0] == "2016-W49" and weeks[-1] == "2019-W09" and len(weeks) == 14 + 15 + 13


def test_england_is_the_ratio_of_sums_dec_2017(bundle):
    # By hand from the trust table: Dec 2017 type-1, all trusts: 1,289,587 attendances, 292,860 over 4 hours.
    expected = 100 * (1 - 292_860 / 1_289_587)
    assert england_value(bundle.metrics, bundle.measures, e.AE_PCT, "2017-12") == pytest.approx(expected)
    series = e.england_series(bundle.metrics, bundle.measures, e.AE_PCT)
    assert len(series) == 36
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
        ours = m.loc[m["measure"] == measure].groupby("period")["value"].sum()
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
    assert series.loc[series["flagged"], "period"].tolist() == ["2016-04", "2016-11", "2016-12"]
    assert series["value"].notna().all() and len(series) == 36
    assert "partial" in series.set_index("period").loc["2016-12", "flag_note"]
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
    assert len(result.points) == len(series) == 36
    assert result.assurance in (spc.FAIL, spc.HIT_AND_MISS)


def test_burton_recalculation(bundle, flags):
    _, plain = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000010")
    series, split = e.footprint_spc(
        bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000010", recalculate_from=[e.BURTON_BREAK]
    )
    assert plain.points["segment"].max() == 0
    assert split.points.loc[series["period"] >= e.BURTON_BREAK, "segment"].eq(1).all()
    assert e.burton_applies("E54000010", e.AE_PCT, series)
    assert not e.burton_applies("E54000033", e.AE_PCT, series)


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
    # One set of limits on the all-footprints page (the footprint page offers Burton's recalculation), so both
    # pages give the same icons.
    assert results["E54000010"][1].points["segment"].max() == 0


def test_series_for_spc_needs_12_points():
    rows = [("E54000005", f"{2000 + i}", f"{2000 + i}-12-31", float(i)) for i in range(12)]
    rows += [("E54000006", f"{2000 + i}", f"{2000 + i}-12-31", float(i)) for i in range(3)]
    metrics = pd.DataFrame(rows, columns=["code", "period", "period_end", "value"]).assign(measure="x", source="s")
    qualifying, reasons = e.series_for_spc(metrics, "x")
    assert list(qualifying) == ["E54000005"] and len(qualifying["E54000005"]) == 12
    assert list(reasons) == ["E54000006"] and "3 points" in reasons["E54000006"] and "12" in reasons["E54000006"]
