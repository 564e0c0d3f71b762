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
    assert {a.text for a in fig.layout.annotations} == set(months["label"])  # milestones only: no source line
    assert all(a.textangle == -90 for a in fig.layout.annotations)  # upright: Feb, May, Aug 2018 stay apart
    assert fig.layout.meta["source_note"] == progress.DATE_RULE
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
    assert fig.layout.meta["source_note"] == progress.DATE_RULE and not fig.layout.annotations


def test_trend_lines_band_only_for_ranked_measures(inputs):
    bundle, profiles, _, _ = inputs
    names = dict(zip(profiles["code"], profiles["name"], strict=True)) | {"E54000045": HOSTILE}
    trend = journey.measure_trend(bundle.metrics, bundle.measures, "gp_fte_per100k", "E54000045")
    series = journey.measure_series(bundle.metrics, "gp_fte_per100k")
    fig = progress.trend_lines(
        series, trend, names=names, code="E54000045", measure_name="GP FTE", unit="per 100k", note="Source: NHS"
    )
    assert fig.layout.meta["source_note"] == "Source: NHS" and not fig.layout.annotations
    assert "Sep 2015" in fig.layout.xaxis.ticktext
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
    fig = progress.footprint_trend_small_multiples(trends, name=HOSTILE, title="Workforce over time", note="Src")
    measures = trends["measure"].nunique()
    assert len(fig.layout.annotations) == measures  # the panel titles; the source line is not drawn
    assert fig.layout.meta["source_note"] == "Src"
    first = trends.drop_duplicates("measure")
    assert [a.text for a in fig.layout.annotations] == list(first["short_name"])
    assert [a.hovertext for a in fig.layout.annotations] == list(first["name"])
    ticks = [t for axis in ("xaxis", "xaxis2") for t in fig.layout[axis].ticktext]
    assert "Sep 2015" in ticks and not any("September" in t for t in ticks)
    assert fig.layout.xaxis.tickangle == 0
    footprint_traces = [t for t in fig.data if t.legendgroup == "&lt;b onmouseover=alert(1)&gt;Evil&lt;/b&gt; &amp; Co"]
    assert len(footprint_traces) == measures
    assert sum(1 for t in fig.data if t.name == "England" and t.showlegend) == 1
    assert HOSTILE not in all_text(fig)


def test_short_period_abbreviates_month_names_only():
    assert progress.short_period("September 2015") == "Sep 2015"
    assert progress.short_period("June 2018") == "Jun 2018"
    assert progress.short_period("2019-20 Q1") == "2019-20 Q1"


def test_source_note_is_escaped_once():
    from charts.style import add_source_note

    fig = go.Figure()
    add_source_note(fig, "Source: A & B <i>report</i> " + "word " * 30, chars_per_line=40)
    text = fig.layout.annotations[0].text
    assert "&amp; B &lt;i&gt;report&lt;/i&gt;" in text and "<i>" not in text and "&amp;amp;" not in text
    assert text.count("<br>") >= 3  # wrapped, the line breaks being the only markup
