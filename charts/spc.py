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

from charts.style import BASE_FONT_SIZE, NHS_DARK_GREY, TEXT, base_layout
from stp_data import spc
from stp_data.loading import Bundle
from stp_data.text import plotly_text

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
        text=f"<b>{plotly_text(icon.badge)}</b> {plotly_text(icon.label)}",
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
        hovertext=plotly_text(f"{kind}: {icon.meaning}"),
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
                customdata=[plotly_text(str(n)) for n in series.loc[flagged, "flag_note"]],
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
            text=plotly_text(burton_text),
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
    fig.update_yaxes(title=plotly_text(unit), gridcolor="#E8EDEE", zeroline=False)
    fig.update_xaxes(gridcolor="#E8EDEE")
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0}, showlegend=True)
    _keep_note(fig, note)
    base_layout(fig, title=plotly_text(title) if title else None, height=height)
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
            [plotly_text(str(p)), plotly_text(label), plotly_text(str(n))]
            for p, label, n in zip(series["period"], labels, notes, strict=True)
        ],
        hovertemplate="<b>%{customdata[0]}</b>: %{y:,."
        + str(decimals)
        + "f} "
        + plotly_text(unit)
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
    return "<br>".join(plotly_text(line) for line in wrapped)


PANEL_HEIGHT = 165  # px per row of panels, the gap between rows included
ROW_GAP_PX = 65  # between rows: a three-line panel title, at 18 px once for_board has scaled the figure
PANEL_SPACING = 0.03  # between columns, a fraction of the width
LAPTOP_COLUMNS = 5  # a laptop's main column (about 790 px): 9 rows
BOARD_COLUMNS = 8  # a 1920 px board screen and a 1600 px export: 6 rows
LEFT_MARGIN = 12  # tick labels sit inside their panels, so no column needs room on its left


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
    """The x and y span of panel `index` (row by row from the top left) in the paper, as make_subplots would lay
    out its axes' domains: the small multiples draw each panel there in one shared pair of axes."""
    width = (1 - PANEL_SPACING * (columns - 1)) / columns
    height = (1 - grid["vertical"] * (grid["rows"] - 1)) / grid["rows"]
    row, col = divmod(index, columns)
    x0 = col * (width + PANEL_SPACING)
    y1 = 1 - row * (height + grid["vertical"])
    return [x0, x0 + width], [y1 - height, y1]


def _legend_y(grid: dict) -> float:
    # In paper units like everything under the plot (exports.png keeps the bottom margin's ratio to the plot).
    return -12 / grid["plot_height"]


GRID_COLOUR = "#E8EDEE"
TICK_SIZE = BASE_FONT_SIZE - 5
X_PAD = 0.04  # of a panel's width, right of its last month (room for the end point)
LABEL_STRIP = 0.14  # of a panel's width, left of its first month: the tick labels' own strip, clear of the data
Y_PAD = 0.06  # of a panel's value range, above and below its highest and lowest line
MOST_TICKS = 3
TOP_LABEL_V = 0.75  # a gridline above this share of the panel has its label below it
DECIMALS = 5  # places kept in the shared coordinates: a hundred-thousandth of the figure, well under a pixel

# Drawn in this order, each one trace across every panel (lines broken between panels with None).
_KINDS = ("grid", "ticks", "limits", "mean", "target", "line", "value", "flagged")


def _finite(value: object) -> bool:
    return value is not None and not pd.isna(value) and math.isfinite(float(value))


def _nice_ticks(lo: float, hi: float, most: int = MOST_TICKS) -> tuple[list[float], float]:
    """Round values between `lo` and `hi`, a step of 1, 2 or 5 times a power of ten apart, two to `most` of them
    (2.5 times, which needs one more decimal place in the label, only when nothing else gives two)."""
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(hi - lo)) or not hi > lo:
        return [lo if math.isfinite(lo) else 0.0], 1.0
    magnitude = 10.0 ** math.floor(math.log10((hi - lo) / most))  # a float: 20 * 10**307 as an int overflows
    fitting = []
    for multiple in (1, 2, 2.5, 5, 10, 20):
        step = multiple * magnitude
        if not math.isfinite(step):
            continue
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        # Rounded to the step's own places (not a fixed 12): steps of 1e-13 would otherwise give equal ticks.
        ticks = list(dict.fromkeys(round(k * step, max(12, _places(step) + 2)) for k in range(first, last + 1)))
        if 0 < len(ticks) <= most:
            fitting.append((multiple == 2.5 or len(ticks) < 2, ticks, step))
    if not fitting:
        return [lo, hi], hi - lo
    _, ticks, step = min(fitting, key=lambda fit: fit[0])
    return ticks, step


def _places(step: float) -> int:
    """Decimal places that show every multiple of `step` exactly (2.5 needs 1, 0.25 needs 2, 20 none)."""
    return next((d for d in range(16) if abs(round(step, d) - step) < step * 1e-6), 15)


# Short labels for big numbers: a panel is about 140 px wide on a laptop, so "1,500,000" would run into the next one.
# (from, divide by, suffix): thousands only from 10,000, so 4-digit values stay as they are (6000, 9500).
_SUFFIXES = ((1e12, 1e12, "tn"), (1e9, 1e9, "bn"), (1e6, 1e6, "M"), (1e4, 1e3, "k"))
MOST_PLACES = 4  # beyond this, significant figures ("1.2e-06") are shorter than fixed decimals


def _tick_labels(ticks: list[float], step: float) -> list[str]:
    """A panel's tick values as narrow labels that tell every tick apart: 17.5k, 1.5M, 2bn, 0.25, 1.2e-06.

    One suffix per panel (from its largest tick), so a panel never mixes 9,500 and 10k.
    """
    largest = max(abs(t) for t in ticks)
    size, suffix = next(((size, suffix) for start, size, suffix in _SUFFIXES if largest >= start), (1.0, ""))
    places = _places(step / size)
    if places > MOST_PLACES:
        digits = max(2, math.ceil(math.log10(max(largest, step) / step)) + 1)
        labels = [f"{t / size:.{digits}g}{suffix}" for t in ticks]
    else:
        labels = [f"{t / size:.{places}f}{suffix}" for t in ticks]
    return [f"−{label[1:]}" if label.startswith("-") else label for label in labels]  # a minus sign, as Plotly


def _tick_label(value: float, step: float) -> str:
    """One tick's label on its own (see _tick_labels for a panel's)."""
    return _tick_labels([value], step)[0]


class _Panels:
    """Every panel's lines and points in one coordinate space: the figure's paper, x and y from 0 to 1.

    A panel's own months and values are first placed in its unit square (u, v), then into its cell of the grid;
    `counts` records how many points of each kind each panel has, so `relayout_small_multiples` can move them.
    """

    def __init__(self, columns: int, grid: dict) -> None:
        self.columns, self.grid = columns, grid
        self.x: dict[str, list] = {kind: [] for kind in _KINDS}
        self.y: dict[str, list] = {kind: [] for kind in _KINDS}
        self.extra: dict[str, list] = {"ticks": [], "tick_position": [], "value": [], "colour": [], "flagged": []}
        self.counts: dict[str, list[int]] = {kind: [] for kind in _KINDS}
        self.cell: tuple[list[float], list[float]] = ([0, 1], [0, 1])

    def start(self, index: int) -> None:
        self.cell = _cell(index, self.columns, self.grid)
        for kind in _KINDS:
            self.counts[kind].append(0)

    def add(self, kind: str, u: Sequence, v: Sequence, *, gap: bool = False) -> None:
        """Points at (u, v) of the current panel's unit square; `gap` ends them with None (a break in the line)."""
        (x0, x1), (y0, y1) = self.cell
        xs = [round(x0 + a * (x1 - x0), DECIMALS) if b is not None else None for a, b in zip(u, v, strict=True)]
        ys = [round(y0 + b * (y1 - y0), DECIMALS) if b is not None else None for b in v]
        if gap:
            xs, ys = [*xs, None], [*ys, None]
        self.x[kind] += xs
        self.y[kind] += ys
        self.counts[kind][-1] += len(xs)


def _place_panel(panels: _Panels, name: str, series: pd.DataFrame, result: spc.SpcResult, decimals: int) -> None:
    """One footprint's XmR chart in its cell: gridlines and tick labels on its own value scale, limits, mean,
    target, the value line, coloured points and flags."""
    x = _x(series)
    points = result.points.set_axis(series.index)
    values = [float(v) for v in series["value"]]
    drawn = [*values, *points["mean"], *points["upper"], *points["lower"]]
    if result.target is not None:
        drawn.append(result.target)
    finite = [float(v) for v in drawn if _finite(v)] or [0.0]
    low, high = min(finite), max(finite)
    pad = (high - low) * Y_PAD if high > low else max(abs(high) * 0.1, 1.0)
    low, high = low - pad, high + pad
    ticks, step = _nice_ticks(low, high)
    first, last = x.min(), x.max()
    span = (last - first).total_seconds() or 1.0

    def u(when: object) -> float:
        offset = (pd.Timestamp(when) - first).total_seconds() / span if last > first else 0.5
        return LABEL_STRIP + offset * (1 - LABEL_STRIP - X_PAD)

    def v(value: object) -> float | None:
        return (float(value) - low) / (high - low) if _finite(value) else None

    for tick in ticks:
        panels.add("grid", [0.0, 1.0], [v(tick)] * 2, gap=True)
    # Inside the panel at its left edge, above the gridline (below it near the top, clear of the title): never cut
    # off at the figure's edge nor drawn over the previous panel, at any width or font size.
    tick_v = [v(t) for t in ticks]
    panels.add("ticks", [0.0] * len(ticks), tick_v)
    panels.extra["ticks"] += _tick_labels(ticks, step)
    panels.extra["tick_position"] += ["bottom right" if (p or 0) > TOP_LABEL_V else "top right" for p in tick_v]
    for _, part in points.groupby("segment", sort=True):
        months = [u(when) for when in x.loc[part.index]]
        for kind, column in (("limits", "upper"), ("limits", "lower"), ("mean", "mean")):
            level = part[column]
            if level.nunique(dropna=False) == 1:  # a segment's level: its two ends draw the same line
                panels.add(kind, [months[0], months[-1]], [v(level.iloc[0])] * 2, gap=True)
            else:
                panels.add(kind, months, [v(value) for value in level], gap=True)
        panels.add("line", months, [v(value) for value in part["value"]], gap=True)
    if result.target is not None:
        panels.add("target", [u(first), u(last)], [v(result.target)] * 2, gap=True)
    months = [u(when) for when in x]
    panels.add("value", months, [v(value) for value in values])
    notes = series["flag_note"].fillna("") if "flag_note" in series else pd.Series("", series.index)
    panels.extra["value"] += [
        [
            name,
            plotly_text(str(period)),
            _fmt(value, decimals),
            plotly_text(spc.VARIATION_ICONS[kind].label),
            plotly_text(str(note)),
        ]
        for period, value, kind, note in zip(series["period"], values, points["point_type"], notes, strict=True)
    ]
    panels.extra["colour"] += [POINT_COLOURS[kind] for kind in points["point_type"]]
    flagged = series["flagged"].fillna(False).astype(bool) if "flagged" in series else None
    if flagged is not None and flagged.any():
        panels.add("flagged", [u(when) for when in x[flagged]], [v(value) for value in series.loc[flagged, "value"]])
        panels.extra["flagged"] += [plotly_text(str(n)) for n in series.loc[flagged, "flag_note"]]


def _legend_line(xy: dict, name: str, colour: str, dash: str) -> go.Scatter:
    """One kind of reference line across every panel, named once in the legend."""
    line = {"color": colour, "width": 1, "dash": dash}
    return go.Scatter(**xy, mode="lines", name=name, legendgroup=name, line=line, hoverinfo="skip")


def _panel_traces(panels: _Panels, unit: str) -> list[go.Scatter]:
    """A trace per kind of line or point, across every panel (one legend entry each, as one panel's would be)."""
    xy = {kind: {"x": panels.x[kind], "y": panels.y[kind]} for kind in _KINDS}
    skip = {"hoverinfo": "skip", "showlegend": False}
    traces = [
        go.Scatter(**xy["grid"], mode="lines", name="Gridlines", line={"color": GRID_COLOUR, "width": 1}, **skip),
        go.Scatter(
            **xy["ticks"],
            mode="text",
            name="Scale",
            text=panels.extra["ticks"],
            textposition=panels.extra["tick_position"],
            textfont={"size": TICK_SIZE, "color": NHS_DARK_GREY},
            cliponaxis=False,
            **skip,
        ),
        _legend_line(xy["limits"], "Process limits", LIMIT, "dot"),
        _legend_line(xy["mean"], "Mean", TEXT, "solid"),
    ]
    if panels.x["target"]:
        traces.append(_legend_line(xy["target"], "Target", TARGET, "dash"))
    traces += [
        go.Scatter(**xy["line"], mode="lines", name="Value line", line={"color": COMMON, "width": 1}, **skip),
        go.Scatter(
            **xy["value"],
            mode="markers",
            name="Value",
            legendgroup="value",
            marker={"size": 4, "color": panels.extra["colour"], "line": {"width": 0}},
            # The unit travels in the data, not the template: a unit like "%{y}" must print as itself.
            customdata=[[*row, unit] for row in panels.extra["value"]],
            hovertemplate="<b>%{customdata[0]}</b><br><b>%{customdata[1]}</b>: %{customdata[2]} %{customdata[5]}"
            "<br>%{customdata[3]}<br>%{customdata[4]}<extra></extra>",
        ),
    ]
    if panels.x["flagged"]:
        traces.append(
            go.Scatter(
                **xy["flagged"],
                mode="markers",
                name="Missing or partial return",
                legendgroup="flagged",
                showlegend=False,
                marker={"symbol": FLAG_SYMBOL, "size": 7, "color": TEXT, "line": {"width": 1.5, "color": TEXT}},
                customdata=panels.extra["flagged"],
                hovertemplate="<b>Flagged</b>: %{customdata}<extra></extra>",
            )
        )
    return traces


def _title(index: int, columns: int, grid: dict, text: str, name: str) -> dict:
    """A panel's title centred above its cell, as make_subplots places a subplot title."""
    (x0, x1), (_, y1) = _cell(index, columns, grid)
    return {
        "text": text,
        "x": (x0 + x1) / 2,
        "y": y1,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": BASE_FONT_SIZE - 4},
        "hovertext": name,
    }


_AXIS = {"range": [0, 1], "domain": [0, 1], "visible": False, "fixedrange": True, "showgrid": False}


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

    Drawn cheaply: every panel sits in its own cell of ONE pair of axes (x and y from 0 to 1, the paper), each on
    its own value scale with its own gridlines and tick labels, and each kind of line is one trace across all
    panels, broken with None; the hover gives the real value and month. A handful of traces instead of six per
    panel and 44 pairs of axes, which plotly.js draws in a fraction of the time.
    """
    grid = _grid(len(charts), columns, panel_height, bool(title))
    width = _name_width(columns)
    panels = _Panels(columns, grid)
    annotations = []
    for index, (code, series, result) in enumerate(charts):
        name = plotly_text(names.get(code, code))
        panels.start(index)
        _place_panel(panels, name, series, result, decimals)
        text = (
            f"{panel_name(names.get(code, code), width)}<br>"
            f"<span style='color:{POINT_COLOURS[result.variation]}'><b>{plotly_text(result.variation_icon.badge)}"
            f"</b> {plotly_text(result.variation_icon.label)}</span>"
        )
        annotations.append(_title(index, columns, grid, text, name))
    traces = _panel_traces(panels, plotly_text(unit))
    kinds = [kind for kind in _KINDS if kind not in ("target", "flagged") or panels.x[kind]]
    fig = go.Figure(traces)
    fig.update_layout(
        annotations=annotations,
        xaxis=_AXIS,
        yaxis=_AXIS,
        hovermode="closest",
        dragmode=False,
        legend={"orientation": "h", "x": 0, "y": _legend_y(grid), "yanchor": "top"},
    )
    base_layout(fig, title=plotly_text(title) if title else None, height=grid["height"])
    fig.update_layout(
        margin={"t": grid["top"], "b": grid["bottom"], "l": LEFT_MARGIN},
        meta={
            "source_note": note,
            "panels": {
                "columns": columns,
                "panel_height": panel_height,
                "count": len(charts),
                "counts": [panels.counts[kind] for kind in kinds],
            },
        },
    )
    return fig


def _move(values: list, counts: list[int], old: list[tuple[float, float]], new: list[tuple[float, float]]) -> list:
    """Coordinates of one trace moved panel by panel from the `old` cells' spans to the `new` ones'."""
    moved, at = [], 0
    for count, (old0, old1), (new0, new1) in zip(counts, old, new, strict=True):
        scale = (new1 - new0) / (old1 - old0)
        for value in values[at : at + count]:
            moved.append(None if value is None else round(new0 + (value - old0) * scale, DECIMALS))
        at += count
    return moved


def relayout_small_multiples(
    fig: go.Figure, columns: int = LAPTOP_COLUMNS, panel_height: int = PANEL_HEIGHT
) -> go.Figure:
    """A copy of a `small_multiples` figure with its panels in `columns` (titles rewrapped to fit), for a narrower
    screen than the figure was built for. Moves each panel's points from its old cell to its new one (the figure's
    meta says how many points of each trace are each panel's): a fraction of a rebuild's time, so a cached figure
    can be shown on a laptop (5 columns) and on a board screen or in an export (8) alike."""
    spec = fig.to_plotly_json()
    layout = spec["layout"]
    info = layout["meta"]["panels"]
    count = info["count"]
    titled = bool((layout.get("title") or {}).get("text"))
    old_grid = _grid(count, info["columns"], info["panel_height"], titled)
    grid = _grid(count, columns, panel_height, titled)
    old = [_cell(index, info["columns"], old_grid) for index in range(count)]
    new = [_cell(index, columns, grid) for index in range(count)]
    for trace, counts in zip(spec["data"], info["counts"], strict=True):
        trace["x"] = _move(list(trace["x"]), counts, [c[0] for c in old], [c[0] for c in new])
        trace["y"] = _move(list(trace["y"]), counts, [c[1] for c in old], [c[1] for c in new])
    width = _name_width(columns)
    for index, annotation in enumerate(layout.get("annotations", [])):
        badge = annotation["text"].split("<br>")[-1]
        name = html.unescape(annotation.get("hovertext") or "")
        title = _title(index, columns, grid, f"{panel_name(name, width)}<br>{badge}", name)
        annotation.update({key: title[key] for key in ("text", "x", "y")})  # its font as it was (e.g. for_board's)
    layout["meta"] = {**layout["meta"], "panels": {**info, "columns": columns, "panel_height": panel_height}}
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
