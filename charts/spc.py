"""Making Data Count charts: one footprint's XmR chart, and all footprints' as small multiples.

DataFrame and SpcResult in, plotly Figure out. Colours follow NHSRplotthedots / the MDC tool (orange concern, blue
improvement, purple neutral signal, grey common cause); the icons are drawn as text badges (no image files).
Every data-derived text placed in a title, hover or annotation is HTML-escaped: Plotly renders a subset of HTML.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.style import BASE_FONT_SIZE, NHS_DARK_GREY, TEXT, base_layout
from stp_data import spc
from stp_data.loading import Bundle

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
    _keep_note(fig, note)
    base_layout(fig, title=html.escape(title) if title else None, height=height)
    fig.update_layout(margin={"b": 110, "t": 90 if title else 50})
    return fig


def _keep_note(fig: go.Figure, note: str) -> None:
    """The source line is not drawn inside the chart (it would be cut off at the chart's edge on a narrow screen):
    the page prints it with the chart, and PNG exports draw it inside the image (exports.png)."""
    fig.update_layout(meta={"source_note": note})


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


def panel_name(name: str, width: int = 20, lines: int = 2) -> str:
    """A footprint's name for a small panel's title, escaped: wrapped at `width` characters, at most `lines` lines,
    the last shortened with "…" when the name is longer (the panel's hover keeps the full name)."""
    wrapped = textwrap.wrap(name, width=width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], _short(" ".join(wrapped[lines - 1 :]), width)]
    return "<br>".join(html.escape(line) for line in wrapped)


PANEL_HEIGHT = 165  # px per row of panels, the gap between rows included
ROW_GAP_PX = 65  # between rows: a three-line panel title, at 18 px once for_board has scaled the figure
PANEL_SPACING = 0.03  # between columns, a fraction of the width
LAPTOP_COLUMNS = 5  # a laptop's main column (about 790 px): 9 rows
BOARD_COLUMNS = 8  # a 1920 px board screen and a 1600 px export: 6 rows


def _name_width(columns: int) -> int:
    """Characters per title line that fit a panel: 20 in 5 columns at 12 px on a laptop, 17 in 8 columns (18 px on
    a 1920 px board, 12 px in a 1600 px export)."""
    return max(12, 25 - columns)


def _grid(count: int, columns: int, panel_height: int, titled: bool) -> dict:
    """Rows, height, margins and spacings of `count` panels in `columns`, with a fixed gap in pixels between rows."""
    rows = max(1, math.ceil(count / columns))
    top, bottom = (150 if titled else 100), 70  # the top clears a PNG export's own title band too
    height = rows * panel_height + top + bottom
    plot_height = height - top - bottom
    vertical = min(ROW_GAP_PX / plot_height, 0.5 / rows) if rows > 1 else 0.0
    return {
        "rows": rows,
        "height": height,
        "plot_height": plot_height,
        "top": top,
        "bottom": bottom,
        "vertical": vertical,
    }


def _cell(index: int, columns: int, grid: dict) -> tuple[list[float], list[float]]:
    """The x and y domains of panel `index` (row by row from the top left), as make_subplots lays them out."""
    width = (1 - PANEL_SPACING * (columns - 1)) / columns
    height = (1 - grid["vertical"] * (grid["rows"] - 1)) / grid["rows"]
    row, col = divmod(index, columns)
    x0 = col * (width + PANEL_SPACING)
    y1 = 1 - row * (height + grid["vertical"])
    return [x0, x0 + width], [y1 - height, y1]


def _legend_y(grid: dict) -> float:
    # In paper units like everything under the plot (exports.png keeps the bottom margin's ratio to the plot).
    return -12 / grid["plot_height"]


def small_multiples(
    charts: Sequence[tuple[str, pd.DataFrame, spc.SpcResult]],
    names: Mapping[str, str],
    *,
    unit: str,
    decimals: int,
    note: str,
    title: str | None = None,
    columns: int = BOARD_COLUMNS,
    panel_height: int = PANEL_HEIGHT,
) -> go.Figure:
    """Every footprint's XmR chart in one figure, in the order given (see emergency.small_multiples_order).

    Each panel's title is the footprint's name (wrapped on two lines at most, shortened beyond that; the hover has
    it in full) with its variation icon as a coloured text badge. By default 8 columns and 6 rows, for a 1920 px
    board screen (scaled by `for_board`) and a 1600 px PNG export; `relayout_small_multiples` gives a laptop's
    narrower column 5. Rows are a fixed gap in pixels apart, room for a three-line panel title at 18 px.
    """
    grid = _grid(len(charts), columns, panel_height, bool(title))
    width = _name_width(columns)
    titles = [
        f"{panel_name(names.get(code, code), width)}<br>"
        f"<span style='color:{POINT_COLOURS[result.variation]}'><b>{html.escape(result.variation_icon.badge)}"
        f"</b> {html.escape(result.variation_icon.label)}</span>"
        for code, _, result in charts
    ]
    fig = make_subplots(
        rows=grid["rows"],
        cols=columns,
        subplot_titles=titles,
        vertical_spacing=grid["vertical"],
        horizontal_spacing=PANEL_SPACING,
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
    for annotation, (code, _, _) in zip(fig.layout.annotations, charts, strict=True):
        annotation.update(font={"size": BASE_FONT_SIZE - 4}, hovertext=html.escape(names.get(code, code)))
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(tickfont={"size": BASE_FONT_SIZE - 5}, gridcolor="#E8EDEE", nticks=3)
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": _legend_y(grid), "yanchor": "top"})
    _keep_note(fig, note)
    base_layout(fig, title=html.escape(title) if title else None, height=grid["height"])
    fig.update_layout(margin={"t": grid["top"], "b": grid["bottom"]})
    return fig


def relayout_small_multiples(
    fig: go.Figure, columns: int = LAPTOP_COLUMNS, panel_height: int = PANEL_HEIGHT
) -> go.Figure:
    """A copy of a `small_multiples` figure with its panels in `columns` (titles rewrapped to fit), for a narrower
    screen than the figure was built for. Moves axes and titles only: a fraction of a rebuild's time, so a cached
    figure can be shown on a laptop (5 columns) and on a board screen or in an export (8) alike."""
    spec = fig.to_plotly_json()
    layout = spec["layout"]
    annotations = layout.get("annotations", [])
    title = layout.get("title") or {}
    grid = _grid(len(annotations), columns, panel_height, bool(title.get("text")))
    width = _name_width(columns)
    for index, annotation in enumerate(annotations):
        x_domain, y_domain = _cell(index, columns, grid)
        badge = annotation["text"].split("<br>")[-1]
        name = html.unescape(annotation.get("hovertext") or "")
        annotation.update(x=sum(x_domain) / 2, y=y_domain[1], text=f"{panel_name(name, width)}<br>{badge}")
        suffix = "" if index == 0 else str(index + 1)
        layout.setdefault(f"xaxis{suffix}", {})["domain"] = x_domain
        layout.setdefault(f"yaxis{suffix}", {})["domain"] = y_domain
    for key in [k for k in layout if k.startswith(("xaxis", "yaxis"))]:
        number = int(key[5:] or 1)
        if number > len(annotations):  # an empty cell of the old grid
            layout[key].update(visible=False, domain=[0, 0.01])
    layout["height"] = grid["height"]
    layout.setdefault("margin", {}).update(t=grid["top"], b=grid["bottom"])
    layout.setdefault("legend", {})["y"] = _legend_y(grid)
    return go.Figure(spec)


def ordered_small_multiples(
    catalogue: pd.DataFrame,
    results: Mapping[str, tuple[pd.DataFrame, spc.SpcResult]],
    names: Mapping[str, str],
    measure: str,
    *,
    columns: int = BOARD_COLUMNS,
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
        columns=columns,
    )


def footprint_xmr(
    bundle: Bundle, code: str, measure: str, *, recalculate: bool = False
) -> tuple[pd.DataFrame, spc.SpcResult, go.Figure]:
    """One footprint's XmR chart of a catalogue measure: its series, the rules' result and the figure (England,
    target, flagged points, Burton's move annotated where it applies)."""
    from stp_data import emergency

    info = bundle.measures.set_index("measure").loc[measure]
    breaks = [emergency.BURTON_BREAK] if recalculate else []
    series, result = emergency.footprint_spc(
        bundle.metrics, bundle.measures, bundle.flags, measure, code, recalculate_from=breaks
    )
    england = emergency.england_series(bundle.metrics, bundle.measures, measure)
    fig = xmr_chart(
        series,
        result,
        unit=info["unit"],
        decimals=int(info["decimals"]),
        note=f"Source: {info['publisher']}, {info['title']} ({info['published']}).",
        england=england if not england.empty else None,
        annotate_burton=emergency.burton_applies(code, measure, series),
    )
    return series, result, fig
