"""MDC chart builders: the expected traces, badges, flags, the Burton note, escaping, small multiples."""

from __future__ import annotations

import pandas as pd
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
        "Missing or partial return",
    ]
    value = fig.data[trace_names(fig).index("Value")]
    assert len(value.y) == 36
    assert list(value.marker.color) == [charts.POINT_COLOURS[t] for t in result.points["point_type"]]
    flagged = fig.data[-1]
    assert len(flagged.x) == 3 and flagged.marker.symbol == charts.FLAG_SYMBOL
    badges = [a.text for a in fig.layout.annotations if a.bgcolor]
    assert any(result.variation_icon.label in b for b in badges)
    assert any(result.assurance_icon.label in b for b in badges)


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


def test_burton_annotation_and_recalculated_limits(data):
    bundle, flags, _ = data
    series, result = e.footprint_spc(
        bundle.metrics, bundle.measures, flags, e.AE_PCT, "E54000010", recalculate_from=[e.BURTON_BREAK]
    )
    fig = charts.xmr_chart(series, result, unit="%", decimals=1, note="n", annotate_burton=True)
    assert any("Burton" in (a.text or "") for a in fig.layout.annotations)
    upper = fig.data[0]
    assert list(upper.x).count(None) == 2  # two segments, each ended by a gap
    plain = charts.xmr_chart(series, result, unit="%", decimals=1, note="n")
    assert not any("Burton" in (a.text or "") for a in plain.layout.annotations)


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
    assert "&lt;script&gt;" in fig.data[-1].customdata[0]
    assert fig.layout.title.text == "A &amp; &lt;B&gt;"
    small = charts.small_multiples(
        [("E54000005", frame, spc.xmr(frame))], {"E54000005": "<img src=x>"}, unit="%", decimals=1, note="n"
    )
    assert "<img" not in small.to_json()


def test_small_multiples_all_44_sorted(data):
    bundle, flags, names = data
    results = e.all_footprints_spc(bundle.metrics, bundle.measures, flags, e.AE_PCT, bundle.codes)
    order = e.small_multiples_order({c: r.variation for c, (_, r) in results.items()}, names)
    fig = charts.small_multiples([(c, *results[c]) for c in order], names, unit="%", decimals=1, note="n")
    titles = [a.text for a in fig.layout.annotations][:44]
    assert len(titles) == 44
    first = results[order[0]][1].variation_icon.label
    assert first in titles[0]
    values = [t for t in fig.data if t.name == "Value"]
    assert len(values) == 44 and sum(bool(t.showlegend) for t in values) == 1
    assert sum(t.name == "Missing or partial return" for t in fig.data) == 2  # E54000009 and E54000025
    assert fig.layout.height <= 1100  # 6 rows of 150 px + margins: one board screen
