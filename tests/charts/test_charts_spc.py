"""MDC chart builders: the expected traces, badges, flags, the Burton note, escaping, small multiples."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from charts import spc as charts
from stp_data import emergency as e
from stp_data import spc
from stp_data.loading import DATA_DIR, load_bundle


@pytest.fixture(scope="module")
def data():
    bundle = load_bundle()
    flags = e.load_flags(DATA_DIR, bundle.codes, bundle.measures["measure"])
    names = dict(zip(bundle.footprints["stp17cd"], bundle.footprints["stp_name"], strict=True))
    return bundle, flags, names


def trace_names(fig) -> list[str]:
    return [t.name for t in fig.data]


def test_xmr_chart_traces_and_badges(data):
    bundle, flags, _ = data
    series, result = e.footprint_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000009")
    england = e.england_series(bundle.metrics, bundle.measures, e.AE_PCT)
    fig = charts.xmr_chart(series, result, unit="%", decimals=1, note="Source: NHS England", england=england)
    assert trace_names(fig) == [
        "Process limits",
        "Lower process limit",
        "Mean",
        "England",
        "Target 95",
        "Value line",
        "Value",
        charts.FIELD_TEST_NAME,
        charts.GAP_NAME,
    ]
    value = fig.data[trace_names(fig).index("Value")]
    assert len(value.y) == 119
    assert list(value.marker.color) == [charts.POINT_COLOURS[t] for t in result.points["point_type"]]
    # Values go to the browser rounded to the measure's decimals.
    assert all(round(y, 1) == y for y in value.y)
    field, flagged = fig.data[-2], fig.data[-1]
    assert len(field.x) == 49 and flagged.marker.symbol == charts.FLAG_SYMBOL
    assert flagged.customdata[0][0] == "2016-04" and flagged.customdata[0][1] == "missing return: RHQ"
    # Each field-test month says what the flag is, with the note's detail below.
    assert field.customdata[0][1] == "covers only trusts reporting 4-hour data: field-test site RFR left out"
    assert "field-test site" in field.customdata[0][2]
    hover = dict(zip(series["period"], value.customdata, strict=True))
    assert "⚑ covers only trusts reporting 4-hour data" in hover["2019-05"][2] and hover["2019-04"][2] == ""
    badges = [a.text for a in fig.layout.annotations if a.bgcolor]
    assert any(result.variation_icon.label in b for b in badges)
    assert any(result.assurance_icon.label in b for b in badges)
    # The source line is kept for the page and PNG exports, never drawn inside the chart (cut off when narrow).
    assert fig.layout.meta["source_note"] == "Source: NHS England"
    assert not any("Source" in (a.text or "") for a in fig.layout.annotations)


def test_special_points_coloured_by_mdc_meaning():
    ends = pd.date_range("2020-01-31", periods=13, freq="ME")
    frame = pd.DataFrame({"period": ends.strftime("%Y-%m"), "period_end": ends, "value": [10, 12] * 6 + [40]})
    frame["flagged"] = False
    for polarity, colour in (("higher_is_better", charts.IMPROVEMENT), ("lower_is_better", charts.CONCERN)):
        fig = charts.xmr_chart(frame, spc.xmr(frame, polarity=polarity), unit="%", decimals=1, note="n")
        value = fig.data[trace_names(fig).index("Value")]
        assert value.marker.color[-1] == colour
    fig = charts.xmr_chart(frame, spc.xmr(frame), unit="%", decimals=1, note="n")
    assert fig.data[trace_names(fig).index("Value")].marker.color[-1] == charts.NEUTRAL
    assert "Target" not in " ".join(trace_names(fig))


def test_recalculation_points_drawn_with_their_reasons(data):
    bundle, _, _ = data
    chart = charts.footprint_xmr(bundle, "E54000010", e.AE_PCT)
    fig = chart.figure
    labels = {a.text: a.hovertext for a in fig.layout.annotations if a.hovertext and "Limits" in a.hovertext}
    assert list(labels) == [e.BURTON_LABEL, e.COVID_LABEL]
    assert "Burton moves from Staffordshire" in labels[e.BURTON_LABEL] and "lockdown" in labels[e.COVID_LABEL]
    assert [str(s.x0)[:10] for s in fig.layout.shapes] == ["2018-07-01", "2020-03-01"]
    upper = fig.data[0]
    assert list(upper.x).count(None) == 3  # three segments, each ended by a break in the line
    # The value line of a monthly series runs on across a recalculation point (its line marks it).
    assert list(fig.data[trace_names(fig).index("Value line")].x).count(None) == 1
    one = charts.footprint_xmr(bundle, "E54000010", e.AE_PCT, recalc=())
    assert list(one.figure.data[0].x).count(None) == 1 and one.points == ()


def test_frimleys_gap_is_never_drawn_across(data):
    bundle, _, _ = data
    chart = charts.footprint_xmr(bundle, "E54000034", e.AE_PCT)
    fig = chart.figure
    line = fig.data[trace_names(fig).index("Value line")]
    xs = list(line.x)
    # One break: April 2019, then nothing until June 2023 (no line across, nothing filled in).
    cut = xs.index(None)
    assert pd.Timestamp(xs[cut - 1]).strftime("%Y-%m") == "2019-04"
    assert pd.Timestamp(xs[cut + 1]).strftime("%Y-%m") == "2023-06"
    assert len([x for x in xs if x is not None]) == len(chart.series) == 70
    for limit in fig.data[:3]:
        assert list(limit.x).count(None) == 2
    (point,) = chart.points
    assert point.period == "2023-06" and point.label.startswith("Gap")
    # With no points chosen the gap is still a break.
    none = charts.footprint_xmr(bundle, "E54000034", e.AE_PCT, recalc=())
    assert list(none.figure.data[trace_names(none.figure).index("Value line")].x).count(None) == 2


def test_reclassifications_marked_with_their_note(data):
    bundle, _, _ = data
    chart = charts.footprint_xmr(bundle, "E54000006", e.AE_PCT)
    marks = next(t for t in chart.figure.data if t.name == charts.RECLASSIFICATION_NAME)
    assert [row[0] for row in marks.customdata] == ["2024-02", "2024-05"]
    assert "RWA" in marks.customdata[0][1] and list(chart.suggested) == ["2024-02", "2024-05"]


def test_trial_limits_said_in_the_hover(data):
    bundle, _, _ = data
    chart = charts.footprint_xmr(bundle, "E54000033", e.AE_PCT, recalc=("2020-03", "2025-09"))
    value = next(t for t in chart.figure.data if t.name == "Value")
    assert "trial limits (6 points" in value.customdata[-1][3] and value.customdata[0][3] == ""


def test_data_text_is_escaped():
    frame = pd.DataFrame(
        {
            "period": [f"<b>{i}</b>" for i in range(12)],
            "period_end": pd.date_range("2020-01-31", periods=12, freq="ME"),
            "value": [10, 12] * 6,
            "flagged": [True] + [False] * 11,
            "flag_note": ["<script>x</script>"] + [None] * 11,
        }
    )
    fig = charts.xmr_chart(frame, spc.xmr(frame), unit="<i>u</i>", decimals=1, note="n", title="A & <B>")
    spec = fig.to_json()
    assert "<script>" not in spec and "<b>0</b>" not in spec
    assert "&lt;script&gt;" in fig.data[-1].customdata[0][1]
    assert fig.layout.title.text == "A &amp; &lt;B&gt;"
    small = charts.small_multiples(
        [("E54000005", frame, spc.xmr(frame))], {"E54000005": "<img src=x>"}, unit="%", decimals=1, note="n"
    )
    assert "<img" not in small.to_json()
    assert small.layout.annotations[0].hovertext == "&lt;img src=x&gt;"


def test_panel_names_wrap_on_two_lines_at_most():
    assert charts.panel_name("Frimley") == "Frimley"
    assert charts.panel_name("Hampshire and the Isle of Wight") == "Hampshire and the<br>Isle of Wight"
    long = charts.panel_name("Durham, Darlington, Teesside, Hambleton, Richmondshire and Whitby")
    lines = long.split("<br>")
    assert len(lines) == 2 and all(len(line) <= 20 for line in lines) and lines[1].endswith("…")
    assert charts.panel_name("A & <B>") == "A &amp; &lt;B&gt;"


def test_small_multiples_all_44_sorted(data):
    bundle, flags, names = data
    results = e.all_footprints_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, bundle.codes)
    order = e.small_multiples_order({c: r.variation for c, (_, r) in results.items()}, names)
    fig = charts.small_multiples([(c, *results[c]) for c in order], names, unit="%", decimals=1, note="n")
    titles = [a.text for a in fig.layout.annotations]
    assert len(titles) == 44  # one per panel: no source line drawn inside the chart
    first = results[order[0]][1].variation_icon.label
    assert first in titles[0]
    # A panel title is at most two lines of name and the badge; the hover has the name in full.
    assert all(t.count("<br>") <= 2 for t in titles)
    assert [a.hovertext for a in fig.layout.annotations] == [names[c] for c in order]
    assert fig.layout.meta["source_note"] == "n"
    # One pair of axes; each kind of line or point one trace across every panel, broken between panels; points
    # one trace per colour, so what the colour means is said once per trace, not once per point.
    assert [t.name for t in fig.data] == [
        "Gridlines",
        "Scale",
        "Process limits",
        "Mean",
        "Target",
        "Value line",
        "Concern",
        "Improvement",
        "Common cause",
        "Concern: a point alone",
        "Improvement: a point alone",
        charts.FIELD_TEST_NAME,
        charts.GAP_NAME,
    ]
    assert not any(k.startswith(("xaxis2", "yaxis2")) for k in fig.layout.to_plotly_json())
    assert [t.name for t in fig.data if t.showlegend is not False][:2] == ["Process limits", "Mean"]
    groups = [t for t in fig.data if t.name in [n for n, *_ in charts.GROUP_NAMES.values()]]
    # Every point once, in a run of line of its colour (not one SVG marker each: the grid drew in half the time);
    # a point alone in its colour also gets a dot, without a hover of its own.
    assert sum(len([x for x in t.x if x is not None]) for t in groups) == sum(len(results[c][0]) for c in order)
    for trace in groups:
        assert trace.mode == "lines" and isinstance(trace.line.color, str)
        assert trace.name.lower() in trace.hovertemplate.lower()
        assert [row is None for row in trace.customdata] == [x is None for x in trace.x]
    dots = [t for t in fig.data if t.name.endswith(": a point alone")]
    assert all(t.mode == "markers" and t.hoverinfo == "skip" and t.showlegend is False for t in dots)
    assert sum(len(t.x) for t in dots) < sum(len(t.x) for t in groups) / 20
    # The hover has the real value and month (not the shared coordinates), and nothing that repeats per point.
    first_series, first_result = results[order[0]]
    group = charts.POINT_GROUPS[first_result.points["point_type"].iloc[0]]
    trace = next(t for t in groups if t.name == charts.GROUP_NAMES[group][0])
    assert list(trace.customdata[0]) == [first_series["period"].iloc[0], f"{first_series['value'].iloc[0]:.1f}"]
    assert trace.meta == ("%",) or list(trace.meta) == ["%"]
    field, gap = fig.data[-2], fig.data[-1]
    # Flagged points: missing or partial returns (E54000009, E54000025, ...), field-test months (12 footprints x
    # 49 months: Frimley has no points to flag).
    assert len(field.x) == 12 * 49  # one mark a month (North West London's names both its trusts)
    assert "covers only trusts reporting 4-hour data: field-test site %{customdata[1]} left out" in field.hovertemplate
    assert {row[1] for row in field.customdata} >= {"RXF", "RFR", "RQM, RYJ"}
    assert len(gap.x) >= 5 and all(len(row) == 2 for row in gap.customdata)
    # Frimley's panel: no line across its missing months.
    frimley = order.index("E54000034")
    counts = dict(zip([t.name for t in fig.data], fig.layout.meta["panels"]["counts"], strict=True))
    start = sum(counts["Value line"][:frimley])
    line = list(fig.data[5].x[start : start + counts["Value line"][frimley]])
    assert line.count(None) == 2 and len([x for x in line if x is not None]) == 70
    # 8 columns and 6 rows for a board screen and a 1600 px export; rows a fixed 65 px apart (room for a
    # three-line title at 18 px once for_board scales the height).
    assert fig.layout.height == 6 * charts.PANEL_HEIGHT + 100 + 70
    grid = charts._grid(44, 8, charts.PANEL_HEIGHT, False)
    assert charts._cell(0, 8, grid)[1][0] - charts._cell(8, 8, grid)[1][1] == pytest.approx(
        65 / (6 * charts.PANEL_HEIGHT)
    )
    # Every panel's points stay inside its own cell: no panel draws over another.
    cells = [charts._cell(i, 8, grid) for i in range(44)]
    counts = dict(zip([t.name for t in fig.data], fig.layout.meta["panels"]["counts"], strict=True))
    for trace in fig.data[2:]:
        at = 0
        for count, ((x0, x1), (y0, y1)) in zip(counts[trace.name], cells, strict=True):
            xs = [x for x in trace.x[at : at + count] if x is not None]
            ys = [y for y in trace.y[at : at + count] if y is not None]
            assert all(x0 <= x <= x1 for x in xs) and all(y0 <= y <= y1 for y in ys), trace.name
            at += count
    # A laptop's column: the same figure relaid in 5 columns and 9 rows, exactly as if built so, titles rewrapped.
    laptop = charts.relayout_small_multiples(fig, 5)
    built = charts.small_multiples([(c, *results[c]) for c in order], names, unit="%", decimals=1, note="n", columns=5)
    assert laptop.layout.height == built.layout.height == 9 * charts.PANEL_HEIGHT + 100 + 70
    for moved, fresh in zip(laptop.data, built.data, strict=True):
        for axis in ("x", "y"):
            got, want = list(moved[axis]), list(fresh[axis])
            assert [v is None for v in got] == [v is None for v in want]
            assert [v for v in got if v is not None] == pytest.approx([v for v in want if v is not None], abs=1e-4)
    assert [a.text for a in laptop.layout.annotations] == [a.text for a in built.layout.annotations]
    place = [v for a in laptop.layout.annotations for v in (a.x, a.y)]
    assert place == pytest.approx([v for a in built.layout.annotations for v in (a.x, a.y)])
    assert laptop.layout.legend.y == pytest.approx(built.layout.legend.y)
    assert laptop.layout.meta == built.layout.meta
    assert fig.layout.height == 6 * charts.PANEL_HEIGHT + 100 + 70  # the cached figure itself is untouched


def test_small_multiples_scales_read_like_an_axis():
    assert charts._nice_ticks(68, 97) == ([70, 80, 90], 10)
    assert charts._nice_ticks(88, 96) == ([90, 95], 5)
    ticks, step = charts._nice_ticks(1200, 15800)
    assert charts._tick_labels(ticks, step) == ["5k", "10k", "15k"]
    ticks, step = charts._nice_ticks(0.1, 0.9)
    assert [charts._tick_label(t, step) for t in ticks] == ["0.25", "0.50", "0.75"]
    assert charts._nice_ticks(5, 5) == ([5], 1.0)


def one_panel(values: list[float], unit: str = "u", name: str = "A") -> go.Figure:
    ends = pd.date_range("2017-01-31", periods=len(values), freq="ME")
    series = pd.DataFrame({"period": ends.strftime("%Y-%m"), "period_end": ends, "value": values})
    return charts.small_multiples([(name, series, spc.xmr(series))], {}, unit=unit, decimals=8, note="n")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.4e6, 1.6e6] * 6, ["1.0M", "1.5M", "2.0M"]),  # was 1,000k: wider than the gap between panels
        ([1e9, 1.2e9] * 6, ["1.0bn", "1.5bn"]),
        ([1.0e-6, 1.1e-6] * 6, ["8e-07", "1e-06", "1.2e-06"]),  # was 0.000001 three times
        ([-50.0, -40.0] * 6, ["−60", "−40", "−20"]),
    ],
)
def test_small_multiples_tick_labels_stay_short_and_distinct(values, expected):
    labels = list(one_panel(values).data[1].text)
    assert len(set(labels)) == len(labels) and max(len(label) for label in labels) <= 7
    assert labels == expected


def test_small_multiples_tick_labels_sit_inside_their_panels():
    fig = one_panel([80.0, 90.0] * 6)
    ticks = fig.data[1]
    assert set(ticks.textposition) <= {"top right", "bottom right"}  # never left of the panel, into its neighbour
    assert fig.layout.margin.l <= 20


def test_small_multiples_survive_extreme_values_and_hostile_units():
    one_panel([1e308] * 11 + [1.5e308])  # used to raise OverflowError
    fig = one_panel([80.0, 90.0] * 6, unit="%{y}", name='The "Black" & <b>Country</b>')
    values = next(t for t in fig.data if t.name == "Common cause")
    # The unit travels in the trace's meta, never the template: a unit like "%{y}" prints as itself.
    assert "%{meta[0]}" in values.hovertemplate and list(values.meta) == ["%{y}"]
    title = fig.layout.annotations[0]
    assert "&#34;Black&#34;" in title.hovertext and "&quot;" not in title.hovertext


def test_small_multiples_for_a_board_screen_and_an_export(data):
    from charts.style import for_board
    from exports.png import board_ready_figure

    bundle, flags, names = data
    results = e.all_footprints_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, bundle.codes)
    fig = charts.small_multiples([(c, *results[c]) for c in results], names, unit="%", decimals=1, note="n")
    board = for_board(fig)
    assert board.data[1].textfont.size >= 18 and all(a.font.size >= 18 for a in board.layout.annotations)
    ready = board_ready_figure(fig, title="T", source_line="S")
    assert ready.layout.meta["panels"] == fig.layout.meta["panels"]
    relaid = charts.relayout_small_multiples(board, 5)
    assert relaid.layout.height == 9 * charts.PANEL_HEIGHT + 170 and relaid.layout.annotations[0].font.size >= 18
