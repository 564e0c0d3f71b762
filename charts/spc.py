"""Making Data Count charts: one footprint's XmR chart, and all footprints' as small multiples.

DataFrame and SpcResult in, plotly Figure out. Colours follow NHSRplotthedots / the MDC tool (orange concern, blue
improvement, purple neutral signal, grey common cause); the icons are drawn as text badges (no image files).
Every data-derived text placed in a title, hover or annotation is HTML-escaped: Plotly renders a subset of HTML.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.style import BASE_FONT_SIZE, NHS_DARK_GREY, TEXT, add_source_note, base_layout
from stp_data import spc

CONCERN = "#E46C0A"  # MDC orange, darkened enough to read as text on white
IMPROVEMENT = "#289DE0"
NEUTRAL = "#490092"
COMMON = "#7B7D7D"
TARGET = "#DE1B1B"
ENGLAND = TEXT
LIMIT = "#7B7D7D"
FLAG_SYMBOL = "x-thin-open"

POINT_COLOURS = {
    spc.COMMON: COMMON,
    spc.IMPROVEMENT_HIGH: IMPROVEMENT,
    spc.IMPROVEMENT_LOW: IMPROVEMENT,
    spc.CONCERN_HIGH: CONCERN,
    spc.CONCERN_LOW: CONCERN,
    spc.NEUTRAL_HIGH: NEUTRAL,
    spc.NEUTRAL_LOW: NEUTRAL,
}
ASSURANCE_COLOURS = {spc.PASS: IMPROVEMENT, spc.FAIL: CONCERN, spc.HIT_AND_MISS: COMMON}


def _x(series: pd.DataFrame) -> pd.Series:
    """Dates on the axis, so the gaps between winters show as gaps."""
    return pd.to_datetime(series["period_end"])


def _segmented(x: pd.Series, points: pd.DataFrame, column: str) -> tuple[list, list]:
    """A line per segment (mean or a limit), broken between segments with None."""
    xs: list = []
    ys: list = []
    for _, part in points.groupby("segment", sort=True):
        xs += [*x.loc[part.index].tolist(), None]
        ys += [*part[column].tolist(), None]
    return xs, ys


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _badge(fig: go.Figure, icon: spc.Icon, colour: str, x: float, kind: str) -> None:
    fig.add_annotation(
        text=f"<b>{html.escape(icon.badge)}</b> {html.escape(icon.label)}",
        xref="paper",
        yref="paper",
        x=x,
        y=1.0,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        bgcolor=colour,
        bordercolor=colour,
        borderpad=4,
        font={"color": "white", "size": BASE_FONT_SIZE - 2},
        hovertext=html.escape(f"{kind}: {icon.meaning}"),
    )


def xmr_chart(
    series: pd.DataFrame,
    result: spc.SpcResult,
    *,
    unit: str,
    decimals: int,
    note: str,
    england: pd.DataFrame | None = None,
    title: str | None = None,
    annotate_burton: bool = False,
    burton_period: str = "2018-07",
    burton_text: str = "Burton moves from Staffordshire to Derbyshire (July 2018)",
    height: int = 500,
) -> go.Figure:
    """XmR chart: points coloured by special cause, mean, process limits (per segment), England, target, flags.

    `series` is stp_data.emergency.footprint_series (period, period_end, value, flagged, flag_note) in the order
    given to spc.xmr; `england` has period, period_end, value.
    """
    x = _x(series)
    points = result.points.set_axis(series.index)
    fig = go.Figure()
    for column, name, dash in (("upper", "Process limits", "dot"), ("lower", None, "dot"), ("mean", "Mean", "solid")):
        xs, ys = _segmented(x, points, column)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=name or "Lower process limit",
                legendgroup=column if column == "mean" else "limits",
                showlegend=name is not None,
                line={"color": TEXT if column == "mean" else LIMIT, "width": 2, "dash": dash},
                hoverinfo="skip",
            )
        )
    if england is not None and not england.empty:
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(england["period_end"]),
                y=england["value"],
                mode="lines",
                name="England",
                line={"color": ENGLAND, "width": 2, "dash": "dash"},
                hovertemplate="England %{y:,." + str(decimals) + "f}<extra></extra>",
            )
        )
    if result.target is not None:
        fig.add_trace(
            go.Scatter(
                x=[x.min(), x.max()],
                y=[result.target, result.target],
                mode="lines",
                name=f"Target {_fmt(result.target, 0 if result.target == int(result.target) else decimals)}",
                line={"color": TARGET, "width": 2, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    fig.add_trace(_value_line(x, points, 2))
    fig.add_trace(_value_trace(x, series, points, unit, decimals))
    flagged = series["flagged"].fillna(False).astype(bool) if "flagged" in series else pd.Series(False, series.index)
    if flagged.any():
        fig.add_trace(
            go.Scatter(
                x=x[flagged],
                y=series.loc[flagged, "value"],
                mode="markers",
                name="Missing or partial return",
                marker={"symbol": FLAG_SYMBOL, "size": 18, "color": TEXT, "line": {"width": 3, "color": TEXT}},
                customdata=[html.escape(str(n)) for n in series.loc[flagged, "flag_note"]],
                hovertemplate="<b>Flagged</b>: %{customdata}<extra></extra>",
            )
        )
    if annotate_burton and burton_period in set(series["period"]):
        start = pd.Period(burton_period, freq="M").start_time
        fig.add_vline(x=start, line={"color": NHS_DARK_GREY, "width": 2, "dash": "dashdot"})
        fig.add_annotation(
            x=start,
            y=1.0,
            yref="paper",
            text=html.escape(burton_text),
            showarrow=False,
            xanchor="right",
            yanchor="top",
            align="right",
            font={"size": BASE_FONT_SIZE - 3, "color": NHS_DARK_GREY},
            bgcolor="rgba(255,255,255,0.85)",
        )
    _badge(
        fig,
        result.variation_icon,
        POINT_COLOURS[result.variation],
        1.0 if result.assurance is None else 0.78,
        "Variation",
    )
    if result.assurance_icon is not None:
        _badge(fig, result.assurance_icon, ASSURANCE_COLOURS[result.assurance], 1.0, "Assurance")
    fig.update_yaxes(title=html.escape(unit), gridcolor="#E8EDEE", zeroline=False)
    fig.update_xaxes(gridcolor="#E8EDEE")
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0}, showlegend=True)
    add_source_note(fig, note, chars_per_line=110, y=-0.3)
    base_layout(fig, title=html.escape(title) if title else None, height=height)
    fig.update_layout(margin={"b": 150, "t": 90 if title else 50})
    return fig


def _value_trace(x: pd.Series, series: pd.DataFrame, points: pd.DataFrame, unit: str, decimals: int) -> go.Scatter:
    labels = [spc.VARIATION_ICONS[t].label for t in points["point_type"]]
    notes = series["flag_note"].fillna("") if "flag_note" in series else pd.Series("", series.index)
    return go.Scatter(
        x=x,
        y=series["value"],
        mode="markers",
        name="Value",
        marker={
            "size": 10,
            "color": [POINT_COLOURS[t] for t in points["point_type"]],
            "line": {"color": "white", "width": 1},
        },
        customdata=[
            [html.escape(str(p)), html.escape(label), html.escape(str(n))]
            for p, label, n in zip(series["period"], labels, notes, strict=True)
        ],
        hovertemplate="<b>%{customdata[0]}</b>: %{y:,."
        + str(decimals)
        + "f} "
        + html.escape(unit)
        + "<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    )


def _value_line(x: pd.Series, points: pd.DataFrame, width: float) -> go.Scatter:
    """The line joining the points, broken between segments: separate winters are never joined."""
    xs, ys = _segmented(x, points, "value")
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        name="Value line",
        showlegend=False,
        line={"color": COMMON, "width": width},
        hoverinfo="skip",
    )


def _short(name: str, limit: int = 30) -> str:
    """Subplot titles do not wrap: long footprint names are shortened (the hover keeps the full name)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip(" ,") + "…"


def small_multiples(
    charts: Sequence[tuple[str, pd.DataFrame, spc.SpcResult]],
    names: Mapping[str, str],
    *,
    unit: str,
    decimals: int,
    note: str,
    title: str | None = None,
    columns: int = 8,
    panel_height: int = 150,
) -> go.Figure:
    """Every footprint's XmR chart in one figure, in the order given (see emergency.small_multiples_order).

    Each panel's title is the footprint's name with its variation icon as a coloured text badge. Sized for a
    1920 x 1080 board screen: 44 panels in 8 columns and 6 rows.
    """
    rows = max(1, math.ceil(len(charts) / columns))
    titles = [
        f"{html.escape(_short(names.get(code, code)))}<br>"
        f"<span style='color:{POINT_COLOURS[result.variation]}'><b>{html.escape(result.variation_icon.badge)}"
        f"</b> {html.escape(result.variation_icon.label)}</span>"
        for code, _, result in charts
    ]
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=titles,
        vertical_spacing=min(0.5 / rows, 0.09),
        horizontal_spacing=0.025,
    )
    for i, (code, series, result) in enumerate(charts):
        row, col = i // columns + 1, i % columns + 1
        first = i == 0
        x = _x(series)
        points = result.points.set_axis(series.index)
        for column, name in (("upper", "Process limits"), ("lower", None), ("mean", "Mean")):
            xs, ys = _segmented(x, points, column)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=name or "Lower process limit",
                    legendgroup=column if column == "mean" else "limits",
                    showlegend=first and name is not None,
                    line={
                        "color": TEXT if column == "mean" else LIMIT,
                        "width": 1,
                        "dash": "solid" if column == "mean" else "dot",
                    },
                    hoverinfo="skip",
                ),
                row=row,
                col=col,
            )
        if result.target is not None:
            fig.add_trace(
                go.Scatter(
                    x=[x.min(), x.max()],
                    y=[result.target] * 2,
                    mode="lines",
                    name="Target",
                    legendgroup="target",
                    showlegend=first,
                    line={"color": TARGET, "width": 1, "dash": "dash"},
                    hoverinfo="skip",
                ),
                row=row,
                col=col,
            )
        value = _value_trace(x, series, points, unit, decimals)
        value.update(
            name="Value",
            legendgroup="value",
            showlegend=first,
            marker={"size": 4, "line": {"width": 0}},
            hovertemplate=f"<b>{html.escape(names.get(code, code))}</b><br>" + value.hovertemplate,
        )
        fig.add_trace(_value_line(x, points, 1), row=row, col=col)
        fig.add_trace(value, row=row, col=col)
        flagged = series["flagged"].fillna(False).astype(bool) if "flagged" in series else None
        if flagged is not None and flagged.any():
            fig.add_trace(
                go.Scatter(
                    x=x[flagged],
                    y=series.loc[flagged, "value"],
                    mode="markers",
                    name="Missing or partial return",
                    legendgroup="flagged",
                    showlegend=False,
                    marker={"symbol": FLAG_SYMBOL, "size": 7, "color": TEXT, "line": {"width": 1.5, "color": TEXT}},
                    customdata=[html.escape(str(n)) for n in series.loc[flagged, "flag_note"]],
                    hovertemplate="<b>Flagged</b>: %{customdata}<extra></extra>",
                ),
                row=row,
                col=col,
            )
    fig.update_annotations(font={"size": BASE_FONT_SIZE - 3})
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(tickfont={"size": BASE_FONT_SIZE - 5}, gridcolor="#E8EDEE", nticks=3)
    fig.update_layout(legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0})
    add_source_note(fig, note, chars_per_line=180, y=-0.05)
    base_layout(fig, title=html.escape(title) if title else None, height=rows * panel_height + 160)
    fig.update_layout(margin={"t": 110 if title else 60, "b": 120})
    return fig


def ordered_small_multiples(
    catalogue: pd.DataFrame,
    results: Mapping[str, tuple[pd.DataFrame, spc.SpcResult]],
    names: Mapping[str, str],
    measure: str,
) -> go.Figure:
    """small_multiples for one catalogue measure, footprints sorted concern first (emergency.small_multiples_order)."""
    from stp_data.emergency import small_multiples_order

    info = catalogue.set_index("measure").loc[measure]
    order = small_multiples_order({code: result.variation for code, (_, result) in results.items()}, names)
    return small_multiples(
        [(code, *results[code]) for code in order],
        names,
        unit=info["unit"],
        decimals=int(info["decimals"]),
        note=f"Source: {info['publisher']}, {info['title']} ({info['published']}).",
    )
