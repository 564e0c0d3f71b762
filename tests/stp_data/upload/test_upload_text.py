"""Data-derived text reaches Plotly escaped: a measure name cannot become a live link."""

from __future__ import annotations

import pandas as pd

from charts.distribution import measure_histogram
from charts.gauges import gauge_row
from charts.measure_map import measure_map
from stp_data.metrics import GaugeSpec, Spread
from stp_data.text import plotly_text

EVIL = '<a href="https://evil.example/">Click here</a>'
SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "E54000005",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]},
        }
    ],
}


def test_plotly_text_escapes_markup():
    assert plotly_text(EVIL) == "&lt;a href=&#34;https://evil.example/&#34;&gt;Click here&lt;/a&gt;"
    assert plotly_text("A&E ≤ 4h") == "A&amp;E ≤ 4h"


def spec(value: float | None) -> GaugeSpec:
    return GaugeSpec("m", EVIL, EVIL, EVIL, "neutral", 1, EVIL, value, None, Spread(4, 1, 2, 3, 4, 5), EVIL)


def test_no_chart_builder_passes_a_link_to_plotly():
    values = pd.DataFrame({"code": ["E54000005"], "value": [3.0]})
    figures = [
        gauge_row([spec(3.0), spec(None)], title=EVIL),
        measure_histogram(
            values,
            {"E54000005": EVIL},
            unit=EVIL,
            spread=None,
            england=None,
            note=EVIL,
            title=EVIL,
            highlight_code="E54000005",
        ),
        measure_map(SQUARE, values, {"E54000005": EVIL}, label=EVIL, unit=EVIL, decimals=1),
    ]
    for fig in figures:
        text = fig.to_json()
        assert "<a href" not in text and "&lt;a href" in text
