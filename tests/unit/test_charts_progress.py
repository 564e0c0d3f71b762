"""Progress figures: expected traces, clickable map locations, inferred milestones distinct, text escaped."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import pytest

from charts import progress
from geo.boundaries import BOUNDARIES_2017, load_boundaries, to_geojson
from stp_data import journey
from stp_data.loading import load_bundle
from stp_data.profiles import designations, footprint_profiles

HOSTILE = "<b onmouseover=alert(1)>Evil</b> & Co"


@pytest.fixture(scope="module")
def inputs():
    bundle = load_bundle()
    profiles = footprint_profiles(bundle)
    table = designations(bundle)
    geojson = to_geojson(load_boundaries(BOUNDARIES_2017, "stp17cd"))
    return bundle, profiles, table, geojson


def hostile(profiles):
    return profiles.assign(name=profiles["name"].where(profiles["code"] != "E54000045", HOSTILE))


def all_text(fig: go.Figure) -> str:
    """Every string in the figure as Python sees it (to_json would escape '<' itself and hide a failure)."""
    return str(fig.to_plotly_json())


def test_time_to_ics_has_a_step_line_per_group_and_wave_markers(inputs):
    bundle, profiles, table, _ = inputs
    cumulative = journey.cumulative_by_group(table, hostile(profiles))
    months = journey.milestone_months(table, bundle.codes)
    fig = progress.time_to_ics_chart(cumulative, months, title="Time to <ICS>")
    lines = [t for t in fig.data if isinstance(t, go.Scatter)]
    assert len(lines) == 5 and all(t.line.shape == "hv" for t in lines)
    assert lines[0].name.startswith("Outstanding (5)")
    assert len(fig.layout.shapes) == len(months)
    assert {a.text for a in fig.layout.annotations} >= {"Jun 2017", "2020", "Dec 2020"}
    joined = [row[4] for t in lines for row in t.customdata]
    assert any("&lt;b onmouseover" in j for j in joined)
    assert HOSTILE not in all_text(fig) and fig.layout.title.text == "Time to &lt;ICS&gt;"


def test_status_map_colours_by_status_and_is_clickable(inputs):
    _, profiles, table, geojson = inputs
    statuses = journey.status_at(table, profiles, date(2021, 1, 31))
    fig = progress.status_map(geojson, statuses, "2021-01", selected_code="E54000012")
    names = [t.name for t in fig.data]
    assert "ICS, inferred by elimination (4)" in names and "Partly designated (2)" in names
    coloured = [t for t in fig.data if t.customdata is not None]
    locations = [c for t in coloured for c in t.locations]
    assert sorted(locations) == sorted(profiles["code"])
    assert fig.layout.clickmode == "event+select"
    assert any(n.startswith("Merged into Cumbria and North East") for n in names)


def test_status_map_before_the_merger_marks_nothing_merged(inputs):
    _, profiles, table, geojson = inputs
    fig = progress.status_map(geojson, journey.status_at(table, hostile(profiles), date(2017, 6, 30)), "2017-06")
    assert not any(t.name.startswith("Merged") for t in fig.data)
    assert HOSTILE not in all_text(fig)
    assert [t.name for t in fig.data] == ["STP (35)", "Partly designated (3)", "ICS (6)"]


def test_statutory_map_is_one_colour(inputs):
    _, profiles, table, geojson = inputs
    fig = progress.status_map(geojson, journey.status_at(table, profiles, date(2022, 7, 31)), "2022-07")
    assert fig.data[0].name == "Statutory ICS (44)"


def test_swimlane_rows_and_inferred_markers_are_hollow(inputs):
    bundle, profiles, table, _ = inputs
    paths = journey.journeys(table, hostile(profiles))
    steps = journey.milestones(table, bundle.codes)
    fig = progress.journey_swimlane(paths, steps)
    by_name = {t.name: t for t in fig.data}
    inferred = by_name["Inferred by elimination"]
    assert inferred.marker.symbol == "circle-open" and len(inferred.x) == 4
    assert by_name["Named by a source"].marker.symbol == "circle"
    assert len(by_name["Part of the footprint"].x) == 3
    assert len(by_name["Merger (Aug 2018)"].x) == 3
    assert list(fig.layout.yaxis.categoryarray)[-1] == paths["name"].iloc[0]
    assert HOSTILE not in all_text(fig)


def test_trend_lines_band_only_for_ranked_measures(inputs):
    bundle, profiles, _, _ = inputs
    names = dict(zip(profiles["code"], profiles["name"], strict=True)) | {"E54000045": HOSTILE}
    trend = journey.measure_trend(bundle.metrics, bundle.measures, "gp_fte_per100k", "E54000045")
    series = journey.measure_series(bundle.metrics, "gp_fte_per100k")
    fig = progress.trend_lines(series, trend, names=names, code="E54000045", measure_name="GP FTE", unit="per 100k")
    names_shown = [t.name for t in fig.data]
    assert "Middle half of footprints" in names_shown and "England" in names_shown and "Each footprint" in names_shown
    assert HOSTILE not in all_text(fig)
    finance = bundle.measures.loc[bundle.measures["theme"] == "finance", "measure"].iloc[0]
    f_trend = journey.measure_trend(bundle.metrics, bundle.measures, finance)
    f_fig = progress.trend_lines(
        journey.measure_series(bundle.metrics, finance), f_trend, names=names, code=None, measure_name="x", unit="£m"
    )
    assert "Middle half of footprints" not in [t.name for t in f_fig.data]
    assert "England" not in [t.name for t in f_fig.data]


def test_small_multiples_one_panel_per_measure(inputs):
    bundle, _, _, _ = inputs
    trends = journey.footprint_trends(bundle.metrics, bundle.measures, "E54000005", "workforce")
    fig = progress.footprint_trend_small_multiples(trends, name=HOSTILE, title="Workforce over time")
    measures = trends["measure"].nunique()
    assert len(fig.layout.annotations) >= measures
    footprint_traces = [t for t in fig.data if t.legendgroup == "&lt;b onmouseover=alert(1)&gt;Evil&lt;/b&gt; &amp; Co"]
    assert len(footprint_traces) == measures
    assert sum(1 for t in fig.data if t.name == "England" and t.showlegend) == 1
    assert HOSTILE not in all_text(fig)
