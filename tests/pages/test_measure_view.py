"""The theme pages' MeasureView: built without Streamlit, the same thing the pages draw (and share when bundled)."""

from __future__ import annotations

import pytest

import settings as s
from geo.boundaries import BOUNDARIES_2017, load_boundaries, share_collection, to_geojson
from stp_data.loading import load_bundle
from stp_data.profiles import footprint_profiles
from ui.theme_view import build_measure_view


@pytest.fixture(scope="module")
def inputs():
    bundle = load_bundle()
    profiles = footprint_profiles(bundle)
    names = dict(zip(profiles["code"], profiles["name"], strict=True))
    geojson = share_collection(to_geojson(load_boundaries(BOUNDARIES_2017, "stp17cd")))
    return bundle, profiles, names, geojson


def test_workforce_view_has_map_histogram_trend_and_change_table(inputs):
    view = build_measure_view(*inputs, s.WORKFORCE, "gp_fte_per100k", "September 2018", "E54000034")
    areas = [t for t in view.map.data if t.type == "choropleth" and t.name != "Selected footprint"]
    assert sum(len(t.locations) for t in areas) == 44
    assert view.histogram is not None and view.trend is not None and view.trend_periods == 4
    assert len(view.table) == 44 and view.gaps == {}


def test_finance_view_is_never_ranked(inputs):
    bundle = inputs[0]
    measure = bundle.measures.loc[bundle.measures["theme"] == s.FINANCE, "measure"].iloc[0]
    period = bundle.metrics.loc[bundle.metrics["measure"] == measure, "period"].iloc[0]
    assert build_measure_view(*inputs, s.FINANCE, measure, period, None).histogram is None


def test_emergency_care_view_marks_gaps_and_leaves_the_trend_to_the_spc_charts(inputs):
    view = build_measure_view(*inputs, s.EMERGENCY_CARE, "ae_type1_4hr_pct", "2016-12", None)
    assert view.trend is None and list(view.gaps) == ["E54000009"]
    assert view.table.set_index("Code").loc["E54000009", "Gap"] == "⚑"


def test_emergency_care_table_says_what_a_field_test_month_is(inputs):
    # January 2020: 13 footprints had a field-test trust; Frimley's only major A&E was one, so it has no figure.
    view = build_measure_view(*inputs, s.EMERGENCY_CARE, "ae_type1_4hr_pct", "2020-01", None)
    table = view.table.set_index("Code")
    assert len(view.gaps) == 13 and "E54000034" in view.gaps
    frimley = table.loc["E54000034"]
    assert frimley["Gap"] == "⚑" and frimley["Value"] != frimley["Value"]  # empty: never filled in
    assert "field-test site" in frimley["Gap in the returns"]
    assert "field-test site" in table.loc["E54000005", "Gap in the returns"] and table.loc["E54000005", "Value"] > 0
