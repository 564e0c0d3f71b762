"""Spine chart (Fingertips' convention): every measure on one row, England as the centre line, the range of all
footprints as a bar with the middle half shaded, each compared footprint a marker with its own shape and colour.

Draws precomputed rows (stp_data.compare.spine_rows) and computes nothing but positions. Each row is scaled to its
own spread, so England is always at the centre and the farther of the lowest and highest footprint reaches the
edge; lower-is-better measures are flipped so that right is always better (neutral measures: right is higher).
Data-derived text reaches Plotly only through plotly_text (stp_data/text.py says why).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from charts.style import BASE_FONT_SIZE, NHS_DARK_GREY, TEXT, base_layout, lean_figure
from stp_data import compare
from stp_data.text import plotly_text

# One colour and one shape per compared footprint, in the link's order: never colour alone. Okabe-Ito hues, the
# pale ones left out (each at least 3:1 on the grey range bar's white surround).
FOOTPRINT_COLOURS = ("#0072B2", "#D55E00", "#007A5E", "#AA4499", "#8C6D00", "#000000")
# No triangles: the ▲▼ beside each marker already mean above and below England.
FOOTPRINT_SYMBOLS = ("circle", "square", "diamond", "star", "cross", "x")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
RANGE_COLOUR = "#E8EDEE"  # the range of all footprints
MIDDLE_COLOUR = "#AEB7BD"  # the middle half (interquartile range), darker, as in Fingertips
CENTRE_COLOUR = TEXT
BETTER_COLOUR = "#005EB8"  # the gauges' blue and orange for better and worse (charts/gauges.py)
WORSE_COLOUR = "#C65D00"
ROW_PX = 36  # a row: two lines of label at the laptop's label size; twelve rows and the legend fit in 720 px
LEGEND_LINE_PX = 21  # a legend line at the laptop's label size
BOTTOM_PX = 40  # the "worse | better" words under the rows
LABEL_SIZE = BASE_FONT_SIZE - 3
MARKER_SIZE = 13
DODGE = 0.11  # of a row: each footprint's marker sits a little above or below the next, so equal values stay apart
X_EDGE = 1.12  # the axis reaches a little beyond the farthest footprint (at 1) so its marker is never cut


def legend_px(footprints: int) -> int:
    """Room above the rows for the legend: the footprints and the three reference entries, two to a line on a
    laptop's column (more fit on a board screen or in an export, which only leaves spare room)."""
    return 16 + LEGEND_LINE_PX * math.ceil((footprints + 3) / 2)


def style_for(index: int) -> tuple[str, str, str]:
    """(colour, marker symbol, line dash) of the compared footprint at this position."""
    return (
        FOOTPRINT_COLOURS[index % len(FOOTPRINT_COLOURS)],
        FOOTPRINT_SYMBOLS[index % len(FOOTPRINT_SYMBOLS)],
        DASHES[index % len(DASHES)],
    )


def short_unit(unit: str) -> str:
    return unit.replace(" population", "")


def row_label(row: Mapping) -> str:
    """'<b>GP FTE</b><br>per 100,000 · September 2018': the measure, then its unit and period (and, where the
    measure has no England figure, that its centre line is the footprints' median)."""
    median = "" if pd.notna(row["england"]) else " · centre: median"
    unit = plotly_text(short_unit(row["unit"]))
    return f"<b>{plotly_text(row['short_name'])}</b><br>{unit} · {plotly_text(row['period_label'])}{median}"


def _fmt(value: float, row: Mapping) -> str:
    prefix = "£" if str(row["unit"]).startswith("£") else ""
    return f"{prefix}{value:,.{int(row['decimals'])}f}"


def _arrow(value: float, row: Mapping) -> tuple[str, str]:
    """(▲ or ▼ for above or below England, its colour: blue better, orange worse, grey for a neutral measure)."""
    if pd.isna(row["england"]) or value == row["england"]:
        return "", NHS_DARK_GREY
    arrow = "▲" if value > row["england"] else "▼"
    said = compare.verdict(value, row["england"], row["polarity"])
    return arrow, {compare.BETTER: BETTER_COLOUR, compare.WORSE: WORSE_COLOUR}.get(said, NHS_DARK_GREY)


def _versus(value: float, row: Mapping) -> str:
    said = compare.verdict(value, row["england"], row["polarity"])
    if pd.isna(row["england"]):
        return "no England figure: the centre line is the footprints' median"
    if said == compare.SAME:
        return "the same as England"
    polarity = {"higher_is_better": "higher is better", "lower_is_better": "lower is better"}.get(row["polarity"])
    why = f" ({polarity})" if polarity else " (neither is better)"
    return f"{said} than England{why}"


def spine_chart(
    rows: pd.DataFrame,
    codes: Sequence[str],
    names: Mapping[str, str],
    *,
    title: str | None = None,
    note: str = "",
) -> go.Figure:
    """One row per ranked measure in `rows` (unranked ones, e.g. finance, are not drawn); one marker trace per
    footprint in `codes`, named in the legend; a footprint with no figure on a row has no marker there and the row
    says "not published: <name>" at its right."""
    ranked = rows[rows["ranked"]].reset_index(drop=True)
    count = len(ranked)
    y = list(range(count))[::-1]  # first measure at the top
    labels = [row_label(r) for _, r in ranked.iterrows()]
    fig = go.Figure()

    # The range of all footprints and the middle half: horizontal bars from their left end (flipped rows too).
    for which, low, high, colour, width, legend in (
        ("range", "minimum", "maximum", RANGE_COLOUR, 0.62, "Range of all footprints"),
        ("middle", "q1", "q3", MIDDLE_COLOUR, 0.62, "Middle half of footprints (IQR)"),
    ):
        lefts, lengths, hover = [], [], []
        for _, r in ranked.iterrows():
            a, b = compare.spine_position(r[low], r), compare.spine_position(r[high], r)
            lefts.append(min(a, b))
            lengths.append(abs(b - a))
            hover.append(
                f"<b>{plotly_text(r['short_name'])}</b> ({plotly_text(r['period_label'])})<br>"
                f"{r['n']} of {r['areas']} footprints: lowest {_fmt(r['minimum'], r)}, highest {_fmt(r['maximum'], r)}"
                f"<br>Middle half: {_fmt(r['q1'], r)} to {_fmt(r['q3'], r)}"
                + (f"<br>England: {_fmt(r['england'], r)}" if pd.notna(r["england"]) else "<br>No England figure")
            )
        fig.add_trace(
            go.Bar(
                x=lengths,
                base=lefts,
                y=y,
                orientation="h",
                width=width,
                marker={"color": colour, "line": {"width": 0}},
                name=legend,
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                meta=which,
            )
        )

    # England (or, for a measure without one, the footprints' median): the centre line of every row.
    fig.add_trace(
        go.Scatter(
            x=[0, 0],
            y=[-0.5, count - 0.5],
            mode="lines",
            line={"color": CENTRE_COLOUR, "width": 3},
            name="England (centre line)",
            hoverinfo="skip",
            meta="centre",
        )
    )

    # Each footprint: one marker per row it has a figure on, dodged a little up or down from the row's middle.
    missing: dict[int, list[str]] = {}
    shift = (len(codes) - 1) / 2
    for i, code in enumerate(codes):
        colour, symbol, _ = style_for(i)
        name = plotly_text(names.get(code, code))
        xs, ys, texts, text_colours, hover = [], [], [], [], []
        for j, (_, r) in enumerate(ranked.iterrows()):
            value = r["values"][i]
            if value is None or pd.isna(value):
                missing.setdefault(j, []).append(names.get(code, code))
                continue
            arrow, arrow_colour = _arrow(value, r)
            xs.append(compare.spine_position(float(value), r))
            ys.append(y[j] + (shift - i) * DODGE)
            texts.append(arrow)
            text_colours.append(arrow_colour)
            centre = (
                f"England {_fmt(r['england'], r)}"
                if pd.notna(r["england"])
                else f"Median of footprints {_fmt(r['median'], r)}"
            )
            hover.append(
                f"<b>{name}</b><br>{plotly_text(r['short_name'])}: {_fmt(value, r)} "
                f"({plotly_text(short_unit(r['unit']))}, {plotly_text(r['period_label'])})<br>{centre}: "
                f"{arrow} {_versus(value, r)}"
            )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers+text",
                marker={"symbol": symbol, "color": colour, "size": MARKER_SIZE, "line": {"color": "white", "width": 1}},
                text=texts,
                textposition="middle right",
                textfont={"size": LABEL_SIZE - 2, "color": text_colours},
                name=name,
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                meta=f"footprint:{code}",
                cliponaxis=False,
            )
        )

    annotations = []
    for j, who in missing.items():
        shown = ", ".join(who)
        shown = shown if len(shown) <= 28 else f"{len(who)} footprint{'s' if len(who) > 1 else ''}"
        annotations.append(
            dict(
                text=f"not published: {plotly_text(shown)}",
                x=1.0,
                xref="paper",
                xanchor="left",
                xshift=6,
                y=y[j],
                yref="y",
                showarrow=False,
                font={"size": LABEL_SIZE - 1, "color": NHS_DARK_GREY},
                name="not-published",
            )
        )
    fig.update_layout(annotations=annotations)
    # Which side is which, under the rows (the legend is above them): ticks at the middle of each half.
    fig.update_xaxes(
        range=[-X_EDGE, X_EDGE],
        tickvals=[-0.5, 0.5],
        ticktext=["◀ Worse than England", "Better than England ▶"],
        tickfont={"size": LABEL_SIZE, "color": NHS_DARK_GREY},
        ticks="",
        showgrid=False,
        zeroline=False,
        fixedrange=True,
        automargin=True,
        title=None,
    )
    fig.update_yaxes(
        tickvals=y,
        ticktext=labels,
        range=[-0.6, count - 0.4],
        tickfont={"size": LABEL_SIZE},
        showgrid=False,
        zeroline=False,
        fixedrange=True,
        automargin=True,
        title=None,
    )
    top = legend_px(len(codes))
    base_layout(fig, title=plotly_text(title) if title else None, height=ROW_PX * max(count, 1) + top + BOTTOM_PX)
    fig.update_layout(
        barmode="overlay",
        bargap=0,
        hovermode="closest",
        showlegend=True,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "yref": "paper",
            "font": {"size": LABEL_SIZE},
            "traceorder": "normal",
        },
        margin={"t": top + (40 if title else 0), "b": BOTTOM_PX, "l": 10, "r": 190 if missing else 16},
        meta={"source_note": note},
    )
    return lean_figure(fig)


def marker_counts(fig: go.Figure) -> dict[str, int]:
    """Markers drawn per footprint code (the test probe: one per measure with a figure)."""
    return {
        str(trace.meta).split(":", 1)[1]: len(trace.x)
        for trace in fig.data
        if isinstance(trace.meta, str) and trace.meta.startswith("footprint:")
    }


def marker_symbols(fig: go.Figure) -> dict[str, str]:
    return {
        str(trace.meta).split(":", 1)[1]: trace.marker.symbol
        for trace in fig.data
        if isinstance(trace.meta, str) and trace.meta.startswith("footprint:")
    }


def row_labels(fig: go.Figure) -> list[str]:
    """The rows' labels, top first."""
    return list(fig.layout.yaxis.ticktext) if fig.layout.yaxis.ticktext else []  # tickvals run top down


def spine_alt(rows: pd.DataFrame, codes: Sequence[str], names: Mapping[str, str]) -> str:
    """The chart in words: how many measures, and each footprint's count of better and worse than England."""
    ranked = rows[rows["ranked"]]
    parts = []
    for i, code in enumerate(codes):
        verdicts = [v[i] for v in ranked["verdicts"]]
        parts.append(
            f"{names.get(code, code)} better than England on {verdicts.count(compare.BETTER)}, worse on "
            f"{verdicts.count(compare.WORSE)}"
        )
    return (
        f"Spine chart of {len(ranked)} measures: England as the centre line, the range of all footprints as a grey "
        "bar with the middle half shaded, each footprint a marker of its own shape. " + "; ".join(parts) + ". "
        "The table below has every value."
    )
