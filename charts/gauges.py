"""Gauges: a footprint's value against England and the spread of all footprints."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from charts.style import BASE_FONT_SIZE, NHS_BLUE, NHS_DARK_GREY, TEXT, base_layout
from stp_data.metrics import GaugeSpec
from stp_data.text import plotly_text

# Blue for better, orange for worse: distinguishable with the common colour-vision deficiencies,
# and the delta's sign and arrow carry the same message.
BETTER = "#005EB8"
WORSE = "#C65D00"
NEUTRAL = NHS_DARK_GREY
MIDDLE_BAND = "#C6DBEF"
NOT_PUBLISHED = "Not published"
ROW_HEIGHT = 330


def delta_colours(polarity: str) -> tuple[str, str]:
    """(colour when above England, colour when below)."""
    if polarity == "higher_is_better":
        return BETTER, WORSE
    if polarity == "lower_is_better":
        return WORSE, BETTER
    return NEUTRAL, NEUTRAL


def axis_range(spec: GaugeSpec) -> list[float]:
    """The span of all footprints, widened to include England, never zero-width."""
    points = [p for p in (spec.spread.minimum, spec.spread.maximum, spec.england, spec.value) if p is not None]
    low, high = min(points), max(points)
    if math.isclose(low, high):
        return [0.0, high * 1.25 or 1.0]
    pad = (high - low) * 0.05
    return [low - pad, high + pad]


def number_format(spec: GaugeSpec) -> str:
    return f",.{spec.decimals}f"


def _indicator(spec: GaugeSpec, domain: dict, show_middle: bool = True) -> go.Indicator:
    above, below = delta_colours(spec.polarity)
    prefix = "£" if spec.unit.startswith("£") else ""  # a fixed symbol, never the file's text
    steps = []
    if show_middle and spec.spread is not None and spec.spread.n >= 4:
        steps.append({"range": [spec.spread.q1, spec.spread.q3], "color": MIDDLE_BAND})
    gauge = {
        "axis": {"range": axis_range(spec), "tickfont": {"size": BASE_FONT_SIZE - 4}, "nticks": 4},
        "bar": {"color": NHS_BLUE, "thickness": 0.35},
        "steps": steps,
        "bgcolor": "white",
        "borderwidth": 1,
        "bordercolor": "#AEB7BD",
    }
    indicator = {
        "mode": "gauge+number",
        "value": spec.value,
        "domain": domain,
        "number": {"valueformat": number_format(spec), "prefix": prefix, "font": {"size": BASE_FONT_SIZE + 10}},
        "gauge": gauge,
        "title": {"text": plotly_text(spec.short_name), "font": {"size": BASE_FONT_SIZE}},
    }
    if spec.england is not None:
        gauge["threshold"] = {"line": {"color": TEXT, "width": 4}, "thickness": 0.9, "value": spec.england}
        indicator["mode"] = "gauge+number+delta"
        indicator["delta"] = {
            "reference": spec.england,
            "valueformat": number_format(spec),
            "increasing": {"color": above, "symbol": "▲ "},
            "decreasing": {"color": below, "symbol": "▼ "},
            "font": {"size": BASE_FONT_SIZE},
        }
    return go.Indicator(**indicator)


def _cell_domains(count: int, columns: int) -> list[dict]:
    rows = math.ceil(count / columns)
    domains = []
    for i in range(count):
        row, col = divmod(i, columns)
        x0, x1 = col / columns, (col + 1) / columns
        y1 = 1 - row / rows
        y0 = 1 - (row + 1) / rows
        # Leave room above for the title and below for the caption.
        domains.append({"x": [x0 + 0.05, x1 - 0.05], "y": [y0 + 0.30 / rows, y1 - 0.12 / rows]})
    return domains


def gauge_row(
    specs: list[GaugeSpec], columns: int = 3, title: str | None = None, show_middle: bool = True
) -> go.Figure:
    """All gauges of a theme in one figure; 'Not published' in place of a needle where there is no value.

    `show_middle=False` drops the middle-half band, for figures not on one basis (never rank those).
    """
    # Traces and annotations are collected and set once: plotly validates each add_* call separately.
    indicators, annotations = [], []
    domains = _cell_domains(len(specs), columns)
    for spec, domain in zip(specs, domains, strict=True):
        centre_x = (domain["x"][0] + domain["x"][1]) / 2
        if spec.value is None:
            annotations.append(
                dict(
                    text=f"<b>{plotly_text(spec.short_name)}</b><br><br>{NOT_PUBLISHED}",
                    x=centre_x,
                    y=(domain["y"][0] + domain["y"][1]) / 2,
                    xref="paper",
                    yref="paper",
                    showarrow=False,
                    font={"size": BASE_FONT_SIZE + 2, "color": NHS_DARK_GREY},
                    name="not-published",
                )
            )
        else:
            indicators.append(_indicator(spec, domain, show_middle))
        annotations.append(
            dict(
                text=_caption(spec),
                x=centre_x,
                y=domain["y"][0] - 0.02,
                xref="paper",
                yref="paper",
                yanchor="top",
                showarrow=False,
                font={"size": BASE_FONT_SIZE - 4, "color": NHS_DARK_GREY},
            )
        )
    fig = go.Figure(data=indicators, layout={"annotations": annotations})
    rows = math.ceil(len(specs) / columns)
    base_layout(
        fig, title=None if title is None else plotly_text(title), height=ROW_HEIGHT * rows + (60 if title else 10)
    )
    return fig


def _caption(spec: GaugeSpec) -> str:
    england = (
        f"England {('£' if spec.unit.startswith('£') else '')}{spec.england:{number_format(spec)}}"
        if spec.england is not None
        else "England: not published"
    )
    published = f"{spec.spread.n}/{spec.areas} published" if spec.spread is not None else "none published"
    unit = plotly_text(spec.unit.replace(" population", ""))
    return f"{unit}, {plotly_text(spec.period)}<br>{england}<br>{published} · {plotly_text(spec.source)}"


def count_gauges(fig: go.Figure) -> tuple[int, int]:
    """(gauges with a needle, gauges saying 'Not published'): what a reader sees."""
    needles = sum(1 for trace in fig.data if isinstance(trace, go.Indicator))
    missing = sum(1 for a in fig.layout.annotations if a.name == "not-published")
    return needles, missing
