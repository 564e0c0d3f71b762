"""Gauges: a footprint's value against England and the spread of all footprints."""

from __future__ import annotations

import math
import textwrap

import plotly.graph_objects as go

from charts.style import BASE_FONT_SIZE, NHS_BLUE, NHS_DARK_GREY, TEXT, base_layout, lean_figure
from stp_data.metrics import GaugeSpec
from stp_data.text import plotly_text

# Blue for better, orange for worse: distinguishable with the common colour-vision deficiencies,
# and the delta's sign and arrow carry the same message.
BETTER = "#005EB8"
WORSE = "#C65D00"
NEUTRAL = NHS_DARK_GREY
MIDDLE_BAND = "#C6DBEF"
NOT_PUBLISHED = "Not published"


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
        "title": {"text": _title(spec), "font": {"size": BASE_FONT_SIZE}},
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


# A gauge row in pixels (presentation mode scales the height): the title above each gauge, the dial, the caption
# under it and a gap before the next row. Plotly draws a half-circle gauge with radius min(width / 2, height) of its
# domain, centred; a dial no taller than half a laptop column (about 130 px at 1280 px) fills its domain, so the
# caption, drawn at the domain's bottom, sits right under the dial and never on the next row's title.
TITLE_PX = 64
DIAL_PX = 132
CAPTION_PX = 64
GAP_PX = 20
ROW_HEIGHT = TITLE_PX + DIAL_PX + CAPTION_PX + GAP_PX
TITLE_CHARS = 20  # longer gauge titles wrap onto a second line (two fit above the dial)
CAPTION_CHARS = 34  # each caption line wraps at this width (a third of a 1280 px laptop's content)
COLUMN_PAD = 0.04  # paper width left between neighbouring gauges, each side


def _cell_domains(count: int, columns: int) -> list[dict]:
    rows = math.ceil(count / columns)
    domains = []
    for i in range(count):
        row, col = divmod(i, columns)
        x0, x1 = col / columns, (col + 1) / columns
        top = 1 - row / rows
        dial_top = top - TITLE_PX / (ROW_HEIGHT * rows)
        dial_bottom = dial_top - DIAL_PX / (ROW_HEIGHT * rows)
        domains.append({"x": [x0 + COLUMN_PAD, x1 - COLUMN_PAD], "y": [dial_bottom, dial_top]})
    return domains


def _wrap(text: str, width: int) -> str:
    return "<br>".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) or text


def _title(spec: GaugeSpec) -> str:
    return _wrap(plotly_text(spec.short_name), TITLE_CHARS)


def gauge_row(
    specs: list[GaugeSpec], columns: int = 3, title: str | None = None, show_middle: bool = True
) -> go.Figure:
    """All gauges of a theme in one figure; 'Not published' in place of a needle where there is no value.

    `show_middle=False` drops the middle-half band, for figures not on one basis (never rank those).
    """
    # Traces and annotations are collected and set once: plotly validates each add_* call separately.
    indicators, annotations = [], []
    rows = math.ceil(len(specs) / columns)
    title_gap = TITLE_PX / (ROW_HEIGHT * rows)
    domains = _cell_domains(len(specs), columns)
    for spec, domain in zip(specs, domains, strict=True):
        centre_x = (domain["x"][0] + domain["x"][1]) / 2
        if spec.value is None:
            # Where the gauge would be: its title on top, "Not published" in the dial's place (one annotation).
            annotations.append(
                dict(
                    text=f"<b>{_title(spec)}</b><br><br>{NOT_PUBLISHED}",
                    x=centre_x,
                    xanchor="center",  # 'auto' would anchor paper x < 1/3 left and > 2/3 right
                    y=domain["y"][1] + title_gap * 0.9,
                    xref="paper",
                    yref="paper",
                    yanchor="top",
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
                xanchor="center",
                y=domain["y"][0],
                xref="paper",
                yref="paper",
                yanchor="top",
                yshift=-4,
                showarrow=False,
                font={"size": BASE_FONT_SIZE - 4, "color": NHS_DARK_GREY},
            )
        )
    fig = go.Figure(data=indicators, layout={"annotations": annotations})
    if not indicators:
        # Nothing drawn but words: no Cartesian axes behind them (Plotly adds empty ones to a figure with no traces).
        fig.update_xaxes(visible=False, range=[0, 1], fixedrange=True)
        fig.update_yaxes(visible=False, range=[0, 1], fixedrange=True)
    base_layout(
        fig, title=None if title is None else plotly_text(title), height=ROW_HEIGHT * rows + (70 if title else 20)
    )
    return lean_figure(fig)


def _caption(spec: GaugeSpec) -> str:
    england = (
        f"England {('£' if spec.unit.startswith('£') else '')}{spec.england:{number_format(spec)}}"
        if spec.england is not None
        else "England: not published"
    )
    published = f"{spec.spread.n}/{spec.areas} published" if spec.spread is not None else "none published"
    unit = plotly_text(spec.unit.replace(" population", ""))
    lines = [f"{unit}, {plotly_text(spec.period)}", england, f"{published} · {plotly_text(spec.source)}"]
    return "<br>".join(_wrap(line, CAPTION_CHARS) for line in lines)


def count_gauges(fig: go.Figure) -> tuple[int, int]:
    """(gauges with a needle, gauges saying 'Not published'): what a reader sees."""
    needles = sum(1 for trace in fig.data if isinstance(trace, go.Indicator))
    missing = sum(1 for a in fig.layout.annotations if a.name == "not-published")
    return needles, missing
