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
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from charts.style import BASE_FONT_SIZE, NHS_DARK_GREY, TEXT, base_layout
from stp_data import spc
from stp_data.emergency import FIELD_TEST_TEXT
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
    """Dates on the axis, so the gaps between winters (and Frimley's missing months) show as gaps."""
    return pd.to_datetime(series["period_end"])


def _runs(series: pd.DataFrame, points: pd.DataFrame, *, by_segment: bool) -> pd.Series:
    """A run number per point: a new run after every gap in a monthly or weekly series (spc.gap_starts), and at
    every new segment when `by_segment`. A line is drawn within a run and never from one run to the next."""
    periods = series["period"].astype(str)
    starts = periods.isin(spc.gap_starts(periods.tolist()))
    if by_segment:
        starts |= points["segment"].ne(points["segment"].shift()).to_numpy() & (points.index != points.index[0])
    return starts.cumsum()


def _line_runs(series: pd.DataFrame, points: pd.DataFrame) -> pd.Series:
    """The value line's runs: a monthly series is one line across its recalculation points (the break is marked
    with its own line), broken only at a gap; any other series (separate winters) is broken at every segment."""
    return _runs(series, points, by_segment=not spc.is_monthly(series["period"].astype(str)))


def _segmented(x: pd.Series, points: pd.DataFrame, column: str, runs: pd.Series, decimals: int | None = None) -> tuple:
    """A line per run (mean, a limit or the values), broken between runs with None."""
    xs: list = []
    ys: list = []
    for _, part in points.groupby(runs.to_numpy(), sort=True):
        xs += [*x.loc[part.index].tolist(), None]
        values = part[column].astype(float)
        ys += [*(values if decimals is None else values.round(decimals)).tolist(), None]
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


FIELD_TEST_NAME = "Field-test trust left out"
GAP_NAME = "Missing or partial return"
RECLASSIFICATION_NAME = "Reclassification (step)"
RECLASSIFICATION_SYMBOL = "diamond-open"
BREAK_COLOUR = NHS_DARK_GREY
GAP_SHADE = "rgba(123,125,125,0.12)"  # months with no figure
LABEL_ROWS = 3  # break labels step down the top of the plot so neighbours never overlap


def _field_test_only(series: pd.DataFrame) -> pd.Series:
    kinds = series["flag_kinds"] if "flag_kinds" in series else pd.Series(None, series.index, dtype=object)
    return kinds.eq("field_test")


def _flagged(series: pd.DataFrame) -> pd.Series:
    return series["flagged"].fillna(False).astype(bool) if "flagged" in series else pd.Series(False, series.index)


def _flag_texts(series: pd.DataFrame) -> pd.Series:
    """What each flag is, in a few words (emergency.flag_text), or the note where no short text was given."""
    notes = series["flag_note"].fillna("").astype(str) if "flag_note" in series else pd.Series("", series.index)
    if "flag_text" not in series:
        return notes
    return series["flag_text"].where(series["flag_text"].fillna("").astype(str).ne(""), notes).fillna("").astype(str)


def _limits_text(points: pd.DataFrame) -> list[str]:
    """'Limits from 2023-06 (trial limits: 9 points)' for a point in a short segment, '' elsewhere."""
    info = spc.segments(points).set_index("segment")
    return [
        f"Limits from {info.loc[seg, 'first']}: trial limits ({info.loc[seg, 'points']} points, fewer than "
        f"{spc.TRIAL_POINTS})"
        if info.loc[seg, "trial"]
        else ""
        for seg in points["segment"]
    ]


def xmr_chart(
    series: pd.DataFrame,
    result: spc.SpcResult,
    *,
    unit: str,
    decimals: int,
    note: str,
    england: pd.DataFrame | None = None,
    title: str | None = None,
    breaks: Sequence = (),
    reclassified: Mapping[str, str] | None = None,
    height: int = 500,
) -> go.Figure:
    """XmR chart: points coloured by special cause, mean, process limits (per segment), England, target, flags.

    `series` is stp_data.emergency.footprint_series (period, period_end, value, flagged, flag_note, flag_kinds,
    flag_text) in the order given to spc.xmr; `england` has period, period_end, value. `breaks`: where the limits
    restart (emergency.RecalcPoint: period, label, reason), each drawn as a vertical line labelled with its reason.
    `reclassified`: period -> note of a reclassification between department types, marked on its point. No line
    is drawn across a gap in a monthly series, and none is filled in.
    """
    x = _x(series)
    points = result.points.set_axis(series.index)
    runs = _runs(series, points, by_segment=True)
    fig = go.Figure()
    for column, name, dash in (("upper", "Process limits", "dot"), ("lower", None, "dot"), ("mean", "Mean", "solid")):
        xs, ys = _segmented(x, points, column, runs, decimals + 2)
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
                y=england["value"].astype(float).round(decimals + 1),
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
    fig.add_trace(_value_line(x, series, points, 2, decimals))
    fig.add_trace(_value_trace(x, series, points, unit, decimals))
    flagged = _flagged(series)
    field = flagged & _field_test_only(series)
    texts, notes = _flag_texts(series), series["flag_note"].fillna("") if "flag_note" in series else None
    for chosen, name in ((field, FIELD_TEST_NAME), (flagged & ~field, GAP_NAME)):
        if not chosen.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=x[chosen],
                y=series.loc[chosen, "value"].astype(float).round(decimals),
                mode="markers",
                name=name,
                # Field-test months run for years: a lighter mark, so the points' colours still read through.
                marker={"symbol": FLAG_SYMBOL, "size": 12, "color": NHS_DARK_GREY, "line": {"width": 1.5}}
                if name == FIELD_TEST_NAME
                else {"symbol": FLAG_SYMBOL, "size": 18, "color": TEXT, "line": {"width": 3, "color": TEXT}},
                customdata=[
                    [plotly_text(str(p)), plotly_text(t), plotly_text(str(n)) if notes is not None else ""]
                    for p, t, n in zip(
                        series.loc[chosen, "period"],
                        texts[chosen],
                        notes[chosen] if notes is not None else texts[chosen],
                        strict=True,
                    )
                ],
                hovertemplate="<b>%{customdata[0]} ⚑</b> %{customdata[1]}<br><span style='font-size:11px'>"
                "%{customdata[2]}</span><extra></extra>",
            )
        )
    _mark_reclassifications(fig, x, series, reclassified or {}, decimals)
    _draw_breaks(fig, series, breaks)
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


def _mark_reclassifications(
    fig: go.Figure, x: pd.Series, series: pd.DataFrame, reclassified: Mapping[str, str], decimals: int
) -> None:
    """A reclassification between department types steps the series: marked on its point, the note in the hover
    (offered as a recalculation point, never a default)."""
    at = series["period"].astype(str).isin(set(reclassified))
    if not at.any():
        return
    fig.add_trace(
        go.Scatter(
            x=x[at],
            y=series.loc[at, "value"].astype(float).round(decimals),
            mode="markers",
            name=RECLASSIFICATION_NAME,
            marker={"symbol": RECLASSIFICATION_SYMBOL, "size": 16, "color": NEUTRAL, "line": {"width": 2}},
            customdata=[[plotly_text(str(p)), plotly_text(reclassified[str(p)])] for p in series.loc[at, "period"]],
            hovertemplate="<b>%{customdata[0]}: reclassification between department types</b><br>"
            "<span style='font-size:11px'>%{customdata[1]}</span><extra></extra>",
        )
    )


def _draw_breaks(fig: go.Figure, series: pd.DataFrame, breaks: Sequence) -> None:
    """Each recalculation point as a vertical line at the start of its period, labelled with its short reason
    (the full reason in the label's hover and the page's caption)."""
    ends = dict(zip(series["period"].astype(str), pd.to_datetime(series["period_end"]), strict=True))
    periods = series["period"].astype(str).tolist()
    monthly = spc.is_monthly(periods)
    if monthly:  # the months with no figure, shaded: nothing is drawn or filled in there
        for restart in spc.gap_starts(periods):
            before = pd.Period(periods[periods.index(restart) - 1], freq="M")
            fig.add_vrect(
                x0=(before + 1).start_time,
                x1=pd.Period(restart, freq="M").start_time,
                fillcolor=GAP_SHADE,
                line_width=0,
                layer="below",
            )
    for index, point in enumerate(breaks):
        if point.period not in ends:
            continue
        start = (
            pd.Period(point.period, freq="M").start_time
            if monthly
            else ends[point.period] - pd.Timedelta(days=6)  # the week's first day
        )
        fig.add_vline(x=start, line={"color": BREAK_COLOUR, "width": 1.5, "dash": "dashdot"})
        fig.add_annotation(
            x=start,
            y=1.0 - 0.07 * (index % LABEL_ROWS),
            yref="paper",
            text=plotly_text(point.label),
            hovertext=plotly_text(f"Limits recalculated from {point.period}: {point.reason}"),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            align="left",
            font={"size": BASE_FONT_SIZE - 4, "color": BREAK_COLOUR},
            bgcolor="rgba(255,255,255,0.85)",
        )


def _keep_note(fig: go.Figure, note: str) -> None:
    """The source line is not drawn inside the chart (it would be cut off at the chart's edge on a narrow screen):
    the page prints it with the chart, and PNG exports draw it inside the image (exports.png)."""
    fig.update_layout(meta={"source_note": note})


def _value_trace(x: pd.Series, series: pd.DataFrame, points: pd.DataFrame, unit: str, decimals: int) -> go.Scatter:
    labels = [spc.VARIATION_ICONS[t].label for t in points["point_type"]]
    flagged = _flagged(series)
    texts = _flag_texts(series).where(flagged, "")
    notes = [f"⚑ {t}" if t else "" for t in texts]
    limits = _limits_text(points)
    return go.Scatter(
        x=x,
        y=series["value"].astype(float).round(decimals),
        mode="markers",
        name="Value",
        marker={
            "size": 10,
            "color": [POINT_COLOURS[t] for t in points["point_type"]],
            "line": {"color": "white", "width": 1},
        },
        customdata=[
            [plotly_text(str(p)), plotly_text(label), plotly_text(n), plotly_text(lim)]
            for p, label, n, lim in zip(series["period"], labels, notes, limits, strict=True)
        ],
        hovertemplate="<b>%{customdata[0]}</b>: %{y:,."
        + str(decimals)
        + "f} "
        + plotly_text(unit)
        + "<br>%{customdata[1]}<br>%{customdata[2]}<br>%{customdata[3]}<extra></extra>",
    )


def _value_line(x: pd.Series, series: pd.DataFrame, points: pd.DataFrame, width: float, decimals: int) -> go.Scatter:
    """The line joining the points: never across a gap (separate winters, a month with no figure)."""
    xs, ys = _segmented(x, points, "value", _line_runs(series, points), decimals)
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

# Points by their colour's meaning: one trace each, so the hover says what the colour means once per trace rather
# than once per point (44 panels x 119 months), and the legend names the colours.
POINT_GROUPS = {
    spc.COMMON: "common",
    spc.IMPROVEMENT_HIGH: "improvement",
    spc.IMPROVEMENT_LOW: "improvement",
    spc.CONCERN_HIGH: "concern",
    spc.CONCERN_LOW: "concern",
    spc.NEUTRAL_HIGH: "neutral",
    spc.NEUTRAL_LOW: "neutral",
}
GROUP_NAMES = {  # the legend's short name, the colour, and what the hover says
    "concern": ("Concern", CONCERN, "Special cause: concern"),
    "improvement": ("Improvement", IMPROVEMENT, "Special cause: improvement"),
    "neutral": ("Special cause", NEUTRAL, "Special cause: neither better nor worse"),
    "common": ("Common cause", COMMON, "Common cause"),
}
# A point that no neighbour of its colour joins (e.g. one month beyond a limit) draws no line of its own: a dot marks
# it, one trace per colour so the legend hides both together.
DOT_KINDS = {group: f"{group}_dot" for group in GROUP_NAMES if group != "common"}
# Drawn in this order, each one trace across every panel (lines broken between panels with None); a kind no panel
# has is left out (the figure's meta lists each drawn trace's points per panel).
_KINDS = ("grid", "ticks", "limits", "mean", "target", "line", *GROUP_NAMES, *DOT_KINDS.values(), "field_test", "gap")
_WITH_EXTRA = (*GROUP_NAMES, "field_test", "gap")  # kinds with a hover row (customdata) per point


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
        self.extra: dict[str, list] = {"ticks": [], "tick_position": [], **{kind: [] for kind in _WITH_EXTRA}}
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


def _place_panel(panels: _Panels, series: pd.DataFrame, result: spc.SpcResult, decimals: int) -> None:
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
    for _, part in points.groupby(_runs(series, points, by_segment=True).to_numpy(), sort=True):
        months = [u(when) for when in x.loc[part.index]]
        for kind, column in (("limits", "upper"), ("limits", "lower"), ("mean", "mean")):
            level = part[column]
            if level.nunique(dropna=False) == 1:  # a segment's level: its two ends draw the same line
                panels.add(kind, [months[0], months[-1]], [v(level.iloc[0])] * 2, gap=True)
            else:
                panels.add(kind, months, [v(value) for value in level], gap=True)
    for _, part in points.groupby(_line_runs(series, points).to_numpy(), sort=True):
        panels.add("line", [u(when) for when in x.loc[part.index]], [v(value) for value in part["value"]], gap=True)
    if result.target is not None:
        panels.add("target", [u(first), u(last)], [v(result.target)] * 2, gap=True)
    _place_points(panels, series, points, [u(when) for when in x], [v(value) for value in series["value"]], decimals)
    flagged = _flagged(series)
    field = flagged & _field_test_only(series)
    orgs = series["flag_orgs"] if "flag_orgs" in series else pd.Series("", series.index)
    panels.add("field_test", [u(when) for when in x[field]], [v(value) for value in series.loc[field, "value"]])
    panels.extra["field_test"] += [
        [plotly_text(str(p)), plotly_text(str(o or "a trust"))]
        for p, o in zip(series.loc[field, "period"], orgs[field].fillna(""), strict=True)
    ]
    gap = flagged & ~field
    panels.add("gap", [u(when) for when in x[gap]], [v(value) for value in series.loc[gap, "value"]])
    panels.extra["gap"] += [
        [plotly_text(str(p)), plotly_text(t)]
        for p, t in zip(series.loc[gap, "period"], _flag_texts(series)[gap], strict=True)
    ]


def _colour_runs(series: pd.DataFrame, points: pd.DataFrame) -> pd.Series:
    """A run number per point: consecutive points of one colour (POINT_GROUPS) on one stretch of the value line."""
    groups = points["point_type"].map(POINT_GROUPS)
    line_runs = pd.Series(_line_runs(series, points).to_numpy(), index=points.index)
    starts = groups.ne(groups.shift()) | line_runs.ne(line_runs.shift())
    return starts.cumsum()


def _place_points(
    panels: _Panels, series: pd.DataFrame, points: pd.DataFrame, us: list, vs: list, decimals: int
) -> None:
    """The points as runs of line in their colour over the grey value line, not one SVG marker each (5,000 markers
    took most of the grid's drawing time): a run joins consecutive points of one colour, and a point alone in its
    colour gets a dot. The hover is per point as before: the month and the value as the measure shows it."""
    groups = points["point_type"].map(POINT_GROUPS).to_numpy()
    rows = [
        [plotly_text(str(period)), _fmt(float(value), decimals)]
        for period, value in zip(series["period"], series["value"], strict=True)
    ]
    for _, run in pd.Series(range(len(points))).groupby(_colour_runs(series, points).to_numpy(), sort=True):
        at = run.tolist()
        group = groups[at[0]]
        panels.add(group, [us[i] for i in at], [vs[i] for i in at], gap=True)
        panels.extra[group] += [*(rows[i] for i in at), None]
        if len(at) == 1 and group in DOT_KINDS:
            panels.add(DOT_KINDS[group], [us[at[0]]], [vs[at[0]]])


def _legend_line(xy: dict, name: str, colour: str, dash: str) -> go.Scatter:
    """One kind of reference line across every panel, named once in the legend."""
    line = {"color": colour, "width": 1, "dash": dash}
    return go.Scatter(**xy, mode="lines", name=name, legendgroup=name, line=line, hoverinfo="skip")


def _panel_traces(panels: _Panels, unit: str) -> tuple[list[go.Scatter], list[str]]:
    """A trace per kind of line or point, across every panel (one legend entry each, as one panel's would be), and
    the kinds drawn, in order. The unit travels in each trace's meta, not its template: a unit like "%{y}" must
    print as itself."""
    xy = {kind: {"x": panels.x[kind], "y": panels.y[kind]} for kind in _KINDS}
    skip = {"hoverinfo": "skip", "showlegend": False}
    traces = {
        "grid": go.Scatter(
            **xy["grid"], mode="lines", name="Gridlines", line={"color": GRID_COLOUR, "width": 1}, **skip
        ),
        "ticks": go.Scatter(
            **xy["ticks"],
            mode="text",
            name="Scale",
            text=panels.extra["ticks"],
            textposition=panels.extra["tick_position"],
            textfont={"size": TICK_SIZE, "color": NHS_DARK_GREY},
            cliponaxis=False,
            **skip,
        ),
        "limits": _legend_line(xy["limits"], "Process limits", LIMIT, "dot"),
        "mean": _legend_line(xy["mean"], "Mean", TEXT, "solid"),
        "target": _legend_line(xy["target"], "Target", TARGET, "dash"),
        "line": go.Scatter(**xy["line"], mode="lines", name="Value line", line={"color": COMMON, "width": 1}, **skip),
    }
    for group, (name, colour, meaning) in GROUP_NAMES.items():
        # Lines, hovered at each point (a scatter trace hovers at its points whatever it draws).
        traces[group] = go.Scatter(
            **xy[group],
            mode="lines",
            name=name,
            legendgroup=group,
            line={"color": colour, "width": 1 if group == "common" else 2},
            hoveron="points",
            customdata=panels.extra[group],
            meta=[unit],
            hovertemplate=f"<b>%{{customdata[0]}}</b>: %{{customdata[1]}} %{{meta[0]}}<br>{plotly_text(meaning)}"
            "<extra></extra>",
        )
    for group, kind in DOT_KINDS.items():
        traces[kind] = go.Scatter(
            **xy[kind],
            mode="markers",
            name=f"{GROUP_NAMES[group][0]}: a point alone",
            legendgroup=group,
            showlegend=False,
            marker={"size": 4, "color": GROUP_NAMES[group][1], "line": {"width": 0}},
            hoverinfo="skip",  # the point's line trace, at the same place, has its hover
        )
    # Named in the page's key (⚑), not the legend, which stays one line under the panels.
    flag = {"symbol": FLAG_SYMBOL, "size": 7, "color": TEXT, "line": {"width": 1.5, "color": TEXT}}
    traces["field_test"] = go.Scatter(
        **xy["field_test"],
        mode="markers",
        name=FIELD_TEST_NAME,
        legendgroup="flagged",
        showlegend=False,
        # Field-test months run for years: a lighter mark, so the points' colours still read through.
        marker={**flag, "size": 5, "color": NHS_DARK_GREY, "line": {"width": 1, "color": NHS_DARK_GREY}},
        customdata=panels.extra["field_test"],
        hovertemplate="<b>%{customdata[0]} ⚑</b> "
        + plotly_text(FIELD_TEST_TEXT).replace("{orgs}", "%{customdata[1]}")
        + "<extra></extra>",
    )
    traces["gap"] = go.Scatter(
        **xy["gap"],
        mode="markers",
        name=GAP_NAME,
        legendgroup="flagged",
        showlegend=False,
        marker=flag,
        customdata=panels.extra["gap"],
        hovertemplate="<b>%{customdata[0]} ⚑</b> %{customdata[1]}<extra></extra>",
    )
    kinds = [kind for kind in _KINDS if panels.x[kind]]
    return [traces[kind] for kind in kinds], kinds


def _title(index: int, columns: int, grid: dict, text: str, name: str) -> dict:
    """A panel's title above its cell: centred, as make_subplots places a subplot title, except in the outer columns,
    where it is held to the cell's outer edge so that a long badge ("H Improvement (high)" at a board's 18 px) is
    never cut off at the figure's edge."""
    (x0, x1), (_, y1) = _cell(index, columns, grid)
    column = index % columns
    x, anchor = ((x0 + x1) / 2, "center")
    if column == columns - 1 and columns > 1:
        x, anchor = x1, "right"
    elif column == 0 and columns > 1:
        x, anchor = x0, "left"
    return {
        "text": text,
        "x": x,
        "y": y1,
        "xref": "paper",
        "yref": "paper",
        "xanchor": anchor,
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
        _place_panel(panels, series, result, decimals)
        text = (
            f"{panel_name(names.get(code, code), width)}<br>"
            f"<span style='color:{POINT_COLOURS[result.variation]}'><b>{plotly_text(result.variation_icon.badge)}"
            f"</b> {plotly_text(result.variation_icon.label)}</span>"
        )
        annotations.append(_title(index, columns, grid, text, name))
    traces, kinds = _panel_traces(panels, plotly_text(unit))
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
        # Its font as it was (e.g. for_board's).
        annotation.update({key: title[key] for key in ("text", "x", "y", "xanchor")})
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


@dataclass(frozen=True)
class FootprintXmr:
    """One footprint's XmR chart and what the page says beside it. Read-only (shared between sessions)."""

    series: pd.DataFrame
    result: spc.SpcResult
    figure: go.Figure
    points: tuple  # emergency.RecalcPoint, oldest first: where the limits restart and why
    suggested: Mapping[str, str]  # month -> note: reclassifications, offered as points to add
    # Worked out once with the chart (a warm footprint switch should only draw): the default points (month -> label,
    # reason) and the segments with trial limits (first, last, points).
    defaults: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    trial: tuple[tuple[str, str, int], ...] = ()
    # The series' shape, also worked out once: a winter (weekly) series keeps its breaks; a monthly one's limits
    # may restart at any of `months` (its second month to its last, gaps included).
    weekly: bool = False
    months: tuple[str, ...] = ()  # () when weekly


def footprint_xmr(bundle: Bundle, code: str, measure: str, *, recalc: Sequence[str] | None = None) -> FootprintXmr:
    """One footprint's XmR chart of a catalogue measure: its series, the rules' result and the figure (England,
    target, flagged points, each recalculation point drawn with its reason, reclassifications marked).

    `recalc`: None for the default recalculation points (the small multiples' too), months to replace them, () for
    none (emergency.recalc_points).
    """
    from stp_data import emergency

    info = bundle.measure_rows[measure]
    series, result = emergency.footprint_spc(
        bundle.metrics, bundle.measures, bundle.flags, measure, code, recalc=recalc
    )
    points = tuple(emergency.recalc_points(series, code, measure, bundle.flags, recalc))
    suggested = emergency.reclassification_notes(bundle.flags, code, measure)
    england = emergency.england_series(bundle.metrics, bundle.measures, measure)
    fig = xmr_chart(
        series,
        result,
        unit=info["unit"],
        decimals=int(info["decimals"]),
        note=f"Source: {info['publisher']}, {info['title']} ({info['published']}).",
        england=england if not england.empty else None,
        breaks=points,
        reclassified=suggested,
    )
    trial = spc.segments(result.points)
    trial = trial.loc[trial["trial"]]
    weekly, months = emergency.recalc_shape(series)
    return FootprintXmr(
        series,
        result,
        fig,
        points,
        suggested,
        defaults=emergency.default_recalc_months(code, measure, bundle.flags),
        trial=tuple((str(r.first), str(r.last), int(r.points)) for r in trial.itertuples()),
        weekly=weekly,
        months=months,
    )
