"""Figure builders: offline-safe map with 44 footprints, bell curve in rating order."""

from __future__ import annotations

import json
import urllib.parse

import plotly.graph_objects as go
import pytest

from charts.bell_curve import rating_bell_curve
from charts.rating_map import rating_map
from charts.style import MAP_CONFIG, RATING_COLOURS, short_citation
from geo.boundaries import BOUNDARIES_2017, geojson_from_data_url, load_boundaries, to_geojson
from stp_data import ratings
from stp_data.loading import load_bundle
from stp_data.profiles import footprint_profiles


@pytest.fixture(scope="module")
def inputs():
    bundle = load_bundle()
    profiles = footprint_profiles(bundle)
    geojson = to_geojson(load_boundaries(BOUNDARIES_2017, "stp17cd"))
    bars = ratings.bars(profiles, ratings.chart_counts(bundle.distribution))
    return bundle, profiles, geojson, bars, ratings.normal_curve(bars)


def test_map_draws_all_44_with_no_network(inputs):
    _, profiles, geojson, _, _ = inputs
    fig = rating_map(geojson, profiles)
    assert all(isinstance(trace, go.Choropleth) for trace in fig.data)
    # No world outline is drawn, so none needs fetching: the only topojson is the inline empty stub.
    assert fig.layout.geo.visible is False
    (west, east), (south, north) = fig.layout.geo.lonaxis.range, fig.layout.geo.lataxis.range  # framed on England
    assert -6.6 < west < -6 and 1.7 < east < 2 and 49.7 < south < 50 and 55.7 < north < 56
    assert MAP_CONFIG["topojsonURL"].startswith("data:application/json,")
    stub = urllib.parse.unquote(MAP_CONFIG["topojsonURL"].removeprefix("data:application/json,").rstrip("#"))
    assert json.loads(stub) == {"type": "Topology", "objects": {}, "arcs": []}
    locations = [code for trace in fig.data for code in trace.locations]
    assert sorted(locations) == sorted(profiles["code"]) and len(locations) == 44


def test_map_legend_names_groups_in_rating_order(inputs):
    _, profiles, geojson, _, _ = inputs
    names = [trace.name for trace in rating_map(geojson, profiles).data]
    assert names == [
        "Outstanding (5)",
        "Advanced (5)",
        "Middle: rating not published (28)",
        "Making progress (1)",
        "Needs most improvement (5)",
    ]


def test_each_map_trace_carries_only_its_own_shapes(inputs):
    _, profiles, geojson, _, _ = inputs
    for trace in rating_map(geojson, profiles).data:
        assert {f["id"] for f in geojson_from_data_url(trace.geojson)["features"]} == set(trace.locations)


def test_map_hover_gives_name_code_region_population_rating_source(inputs):
    _, profiles, geojson, _, _ = inputs
    fig = rating_map(geojson, profiles)
    frimley = next(row for trace in fig.data for row in trace.customdata if row[1] == "E54000034")
    assert frimley == [
        "Frimley",
        "E54000034",
        "South East",
        "742,527",
        "Outstanding",
        "National Health Executive, 21 Jul 2017",
    ]
    lincs = next(row for trace in fig.data for row in trace.customdata if row[1] == "E54000013")
    assert lincs[4:] == ["Advanced or Making progress", "not published"]


def test_selected_footprint_is_outlined(inputs):
    _, profiles, geojson, _, _ = inputs
    fig = rating_map(geojson, profiles, selected_code="E54000034")
    assert fig.data[-1].name == "Selected footprint" and list(fig.data[-1].locations) == ["E54000034"]


def test_bell_curve_has_ratings_in_order_and_44_footprints(inputs):
    bundle, _, _, bars, curve = inputs
    fig = rating_bell_curve(bars, curve, note=ratings.distribution_note(bundle.distribution))
    named, unnamed, line = fig.data
    assert list(fig.layout.xaxis.ticktext) == [
        "Out-<br>standing",
        "Advanced",
        "Making<br>progress",
        "Needs most<br>improvement",
    ]
    assert sum(named.y) + sum(unnamed.y) == 44
    assert isinstance(line, go.Scatter) and line.mode == "lines"
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "THE MIDDLE: 34 footprints" in texts
    # The source line travels with the figure (for exports) but is printed once, under the chart, on screen.
    assert "HFMA" in fig.layout.meta["source_note"] and "HFMA" not in texts
    assert fig.layout.shapes[0].x0 == 1.5 and fig.layout.shapes[0].x1 == 3.5


def test_bell_curve_bar_hover_lists_named_footprints(inputs):
    _bundle, _, _, bars, curve = inputs
    named = rating_bell_curve(bars, curve, note="n").data[0]
    assert "Frimley" in named.customdata[0][2] and "Dorset" in named.customdata[0][2]


@pytest.mark.parametrize(
    ("rating", "expected", "x0"), [("Outstanding", "one of 5 rated Outstanding", 0.55), (None, "in the middle", 1.5)]
)
def test_bell_curve_marks_the_footprint(inputs, rating, expected, x0):
    _, _, _, bars, curve = inputs
    fig = rating_bell_curve(bars, curve, note="n", highlight=("Somewhere", rating))
    assert expected in fig.layout.title.text
    assert fig.layout.shapes[-1].x0 == pytest.approx(x0)


def test_palette_and_citations():
    assert len(set(RATING_COLOURS.values())) == len(RATING_COLOURS) == 6  # four ratings, unpublished, not rated
    assert short_citation("https://x.org/a (Publisher, 1 Jan 2017); https://y") == "Publisher, 1 Jan 2017"
    assert short_citation(None) == "no source"


def test_board_copy_scales_type_and_leaves_the_original(inputs):
    from charts.style import for_board

    _, profiles, geojson, bars, curve = inputs
    original = rating_bell_curve(bars, curve, note="n")
    board = for_board(original)
    assert board.layout.font.size > original.layout.font.size
    assert board.layout.annotations[0].font.size > original.layout.annotations[0].font.size
    assert board.layout.height > original.layout.height
    assert original.layout.height == 640
    map_board = for_board(rating_map(geojson, profiles))
    assert map_board.layout.height > 640 and map_board.layout.geo == rating_map(geojson, profiles).layout.geo


def test_footprint_figures_mark_the_footprint_and_give_a_gauge_row_per_theme(inputs):
    from charts.footprint_figures import footprint_figures

    bundle, profiles, _, bars, curve = inputs
    frimley = profiles.set_index("code", drop=False).loc["E54000034"]
    note = ratings.distribution_note(bundle.distribution)
    figures = footprint_figures(bundle, frimley, bars, curve, areas=44, note=note)
    assert "Frimley" in figures.bell.layout.title.text
    assert (
        list(figures.gauges)
        == list(figures.specs)
        == list(figures.sources)
        == ["workforce", "finance", "emergency care"]
    )
    assert figures.bell_note == note
    assert "NHS Digital" in figures.sources["workforce"] and "never ranked" in figures.sources["finance"]
