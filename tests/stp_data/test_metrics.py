"""Measures: catalogue validation, England reference, gauges and their 'not published' form."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from charts.distribution import measure_histogram
from charts.gauges import BETTER, WORSE, count_gauges, gauge_row
from charts.measure_map import measure_map
from geo.boundaries import BOUNDARIES_2017, load_boundaries, to_geojson
from stp_data import metrics as m
from stp_data.errors import DataValidationError
from stp_data.loading import DATA_DIR, load_bundle


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def test_catalogue_describes_every_bundled_measure(bundle):
    assert set(bundle.measures["theme"]) == {"workforce", "finance", "emergency care"}
    assert set(bundle.metrics["measure"]) == set(bundle.measures["measure"])
    assert bundle.measures_with_data == set(bundle.measures["measure"])
    gp = bundle.metrics[bundle.metrics["measure"] == "gp_fte_per100k"]
    assert len(gp) == 44 * 4 and gp["population"].notna().all()


def test_measures_with_data_follow_the_bundle_they_were_asked_of(bundle):
    import dataclasses

    assert len(bundle.measures_with_data) > 1  # computed (and kept) on this bundle before copying it
    one = bundle.metrics[bundle.metrics["measure"] == "gp_fte_per100k"]
    smaller = dataclasses.replace(bundle, metrics=one)
    assert smaller.measures_with_data == {"gp_fte_per100k"}
    assert "gp_fte_per100k" in bundle.measures_with_data and len(bundle.measures_with_data) > 1


def test_england_reference_is_population_weighted_by_hand():
    values = pd.DataFrame({"code": ["a", "b", "c"], "value": [10.0, 20.0, 40.0], "population": [100, 300, 600]})
    # (10*100 + 20*300 + 40*600) / 1000 = 31.0, not the plain mean 23.3
    assert m.england_reference(values, "population_weighted") == pytest.approx(31.0)
    assert m.england_reference(values, "none") is None
    values.loc[1, "population"] = pd.NA
    assert m.england_reference(values, "population_weighted") is None


def test_england_gp_fte_matches_count_over_population(bundle):
    values = m.values_for(bundle.metrics, "gp_fte_per100k", "September 2018")
    fte = (values["value"] * values["population"] / 100_000).sum()
    assert m.england_reference(values, "population_weighted") == pytest.approx(fte / 55_977_178 * 100_000)


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    for file in target.iterdir():
        file.chmod(0o644)
    return target


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [("polarity", "more_is_better", "must be one of: higher_is_better"), ("unit", "widgets", "is not a known unit")],
)
def test_catalogue_rejects_unknown_polarity_or_unit(tmp_path, column, bad, message):
    data = copy_data(tmp_path)
    catalogue = pd.read_csv(data / "measures.csv", dtype=str, keep_default_na=False)
    catalogue.loc[2, column] = bad
    catalogue.to_csv(data / "measures.csv", index=False)
    with pytest.raises(DataValidationError) as caught:
        load_bundle(data)
    assert (caught.value.file, caught.value.row, caught.value.column) == ("measures.csv", 4, column)
    assert message in str(caught.value)


def test_metric_rows_are_validated_by_file_row_and_column(tmp_path):
    data = copy_data(tmp_path)
    rows = pd.read_csv(data / "metrics_finance.csv", dtype=str, keep_default_na=False)
    rows.loc[0, "value"] = "lots"
    rows.loc[1, "code"] = "E54000999"
    rows.to_csv(data / "metrics_finance.csv", index=False)
    with pytest.raises(DataValidationError) as caught:
        load_bundle(data)
    found = {(p.file, p.row, p.column) for p in caught.value.problems}
    assert {("metrics_finance.csv", 2, "value"), ("metrics_finance.csv", 3, "code")} <= found


def test_gauge_with_value_shows_value_england_and_polarity_colour(bundle):
    (spec,) = [
        s
        for s in m.gauge_specs(bundle.metrics, bundle.measures, "E54000034", "workforce")
        if s.measure == "gp_fte_per100k"
    ]
    fig = gauge_row([spec], columns=1)
    (gauge,) = fig.data
    assert isinstance(gauge, go.Indicator)
    assert gauge.value == pytest.approx(spec.value)
    assert gauge.delta.reference == pytest.approx(spec.england)
    assert gauge.gauge.threshold.value == pytest.approx(spec.england)
    assert (gauge.delta.increasing.color, gauge.delta.decreasing.color) == (BETTER, WORSE)
    assert gauge.gauge.axis.range[0] <= spec.spread.minimum
    assert (gauge.gauge.steps[0].range[0], gauge.gauge.steps[0].range[1]) == (spec.spread.q1, spec.spread.q3)
    assert any("September 2018" in a.text and "NHS Digital" in a.text for a in fig.layout.annotations)
    assert any("44/44 published" in a.text for a in fig.layout.annotations)
    # Boundaries the user loaded can add areas: the caption counts what could have been published.
    (wider,) = m.gauge_specs(bundle.metrics, bundle.measures.query("measure == 'gp_fte_per100k'"), "E54000034",
                             "workforce", areas=45)  # fmt: skip
    assert any("44/45 published" in a.text for a in gauge_row([wider]).layout.annotations)


def test_lower_is_better_flips_the_delta_colours():
    spec = m.GaugeSpec(
        "x", "X", "X", "£ million", "lower_is_better", 0, "2020/21", 5.0, 4.0, m.Spread(4, 1, 2, 3, 4, 5), "S"
    )
    (gauge,) = gauge_row([spec]).data
    assert (gauge.delta.increasing.color, gauge.delta.decreasing.color) == (WORSE, BETTER)


def test_gauge_without_value_says_not_published_never_zero(bundle):
    specs = m.gauge_specs(bundle.metrics, bundle.measures, "E54000034", "finance")
    assert all(s.value is None for s in specs)
    fig = gauge_row(specs)
    assert count_gauges(fig) == (0, len(specs))
    assert not any(isinstance(t, go.Indicator) for t in fig.data)
    assert all("England: not published" in a.text for a in fig.layout.annotations if a.name != "not-published")


def test_partly_published_footprint_counts(bundle):
    specs = m.gauge_specs(bundle.metrics, bundle.measures, "E54000025", "finance")
    assert count_gauges(gauge_row(specs)) == (3, 6)


def test_periods_are_in_time_order_and_change_table(bundle):
    assert m.periods(bundle.metrics, "gp_fte_per100k") == [f"September {y}" for y in range(2015, 2019)]
    profiles = pd.DataFrame({"code": ["E54000034"], "name": ["Frimley"], "region": ["South East"]})
    table = m.change_table(bundle.metrics, "gp_fte_per100k", profiles)
    row = table.iloc[0]
    assert row["Change since September 2015"] == pytest.approx(row["September 2018"] - row["September 2015"])


def test_measure_map_and_histogram_cover_the_44(bundle):
    geojson = to_geojson(load_boundaries(BOUNDARIES_2017, "stp17cd"))
    values = m.values_for(bundle.metrics, "stp_plan_do_nothing_gap_2020_21", "2020/21")
    fig = measure_map(geojson, values, {}, label="Gap", unit="£ million", decimals=0)
    assert sum(len(t.locations) for t in fig.data) == 44
    assert fig.data[-1].name == "Not published (37)"
    gp = m.values_for(bundle.metrics, "gp_fte_per100k", "September 2018")
    hist = measure_histogram(gp, {}, unit="u", spread=m.spread(gp), england=46.8, note="n", highlight_code="E54000034")
    assert sum(hist.data[0].y) == 44
    assert hist.data[1].name == "Fitted normal curve"


@pytest.mark.parametrize("theme", ["workforce", "finance"])
def test_gauges_agree_with_the_one_measure_path_of_the_theme_pages(bundle, theme):
    """gauge_specs works on all measures at once; each gauge must match periods()/values_for() for its measure."""
    for code in ("E54000034", "E54000013", "E54000041"):
        for spec in m.gauge_specs(bundle.metrics, bundle.measures, code, theme):
            latest = m.periods(bundle.metrics, spec.measure)[-1]
            values = m.values_for(bundle.metrics, spec.measure, latest)
            assert spec.period == latest
            published = values.loc[values["code"] == code, "value"]
            assert spec.value == (float(published.iloc[0]) if len(published) else None)
            assert spec.spread == m.spread(values)
            method = bundle.measures.set_index("measure").loc[spec.measure, "england_method"]
            assert spec.england == m.england_reference(values, method)


def test_spread_quartiles_match_pandas():
    values = pd.DataFrame({"value": [3.0, 1.0, None, 10.0, 4.5, 7.25]})
    q = values["value"].dropna().quantile([0.25, 0.5, 0.75])
    assert m.spread(values) == m.Spread(5, 1.0, q[0.25], q[0.5], q[0.75], 10.0)


def test_catalogue_target_ratio_of_sums_and_gauge_columns(bundle):
    ae = bundle.measures.set_index("measure").loc["ae_type1_4hr_pct"]
    assert ae["target"] == 95.0 and ae["england_method"] == "ratio_of_sums"
    assert (ae["numerator"], ae["denominator"]) == ("ae_type1_within4hr", "ae_type1_attendances_4hr_reported")
    workforce = bundle.measures.loc[bundle.measures["theme"] == "workforce"]
    assert workforce["target"].isna().all() and workforce["numerator"].isna().all()


def test_ratio_of_sums_by_hand():
    metrics = pd.DataFrame(
        {
            "code": ["a", "b", "a", "b", "a", "b"],
            "measure": ["pct", "pct", "num", "num", "den", "den"],
            "period": ["p"] * 6,
            "period_end": ["2020-01-31"] * 6,
            "value": [90.0, 50.0, 90.0, 5.0, 100.0, 10.0],
            "population": pd.NA,
        }
    )
    catalogue = pd.DataFrame(
        [{"measure": "pct", "england_method": "ratio_of_sums", "numerator": "num", "denominator": "den", "unit": "%"}]
    )
    # (90 + 5) / (100 + 10) = 86.36%, not the average of 90% and 50%
    assert m.england_value(metrics, catalogue, "pct", "p") == pytest.approx(100 * 95 / 110)
    assert m.ratio_of_sums(metrics.iloc[:-1], "num", "den", "p", 100) is None  # a footprint without a denominator


def test_gauges_skip_counts_and_use_ratio_of_sums(bundle):
    specs = m.gauge_specs(bundle.metrics, bundle.measures, "E54000033", "emergency care")
    assert [s.measure for s in specs] == [
        "ae_type1_4hr_pct",
        "ga_bed_occupancy_pct_weekly",
        "ga_beds_occupied_by_los_over21d_pct_weekly",
    ]
    ae = specs[0]
    assert ae.period == "2026-02"
    assert ae.england == pytest.approx(m.england_value(bundle.metrics, bundle.measures, "ae_type1_4hr_pct", "2026-02"))
    assert specs[1].england is None


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"numerator": ""}, "numerator", "is required when england_method is ratio_of_sums"),
        ({"denominator": "no_such_measure"}, "denominator", "is not a measure in measures.csv"),
        ({"target": "ninety-five"}, "target", ""),
        ({"gauge": "maybe"}, "gauge", "must be yes or no"),
    ],
)
def test_catalogue_validates_the_optional_columns(tmp_path, change, column, message):
    data = copy_data(tmp_path)
    catalogue = pd.read_csv(data / "measures.csv", dtype=str, keep_default_na=False)
    row = catalogue.index[catalogue["measure"] == "ae_type1_4hr_pct"][0]
    for key, bad in change.items():
        catalogue.loc[row, key] = bad
    catalogue.to_csv(data / "measures.csv", index=False)
    with pytest.raises(DataValidationError) as raised:
        m.load_catalogue(data)
    problem = raised.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("measures.csv", row + 2, column)
    assert message in problem.reason


def test_ratio_of_sums_for_every_period_at_once_matches_one_period_at_a_time():
    from stp_data.loading import load_bundle
    from stp_data.metrics import ratio_of_sums, ratio_of_sums_by_period

    bundle = load_bundle()
    info = bundle.measures.set_index("measure").loc["ae_type1_4hr_pct"]
    at_once = ratio_of_sums_by_period(bundle.metrics, info["numerator"], info["denominator"], 100.0)
    assert len(at_once) == 119
    for period, value in at_once.items():
        assert value == pytest.approx(
            ratio_of_sums(bundle.metrics, info["numerator"], info["denominator"], period, 100.0)
        )
    # A footprint with a numerator but no denominator: no England figure for that period, as one at a time.
    partial = bundle.metrics.drop(
        bundle.metrics.index[
            (bundle.metrics["measure"] == info["denominator"]) & (bundle.metrics["period"] == "2017-12")
        ][:1]
    )
    assert ratio_of_sums_by_period(partial, info["numerator"], info["denominator"], 100.0)["2017-12"] is None
