"""A measure across all footprints: histogram with a fitted normal curve, the middle shaded."""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.measure_map import GAP_LEGEND, GAP_MARK
from charts.style import BASE_FONT_SIZE, NHS_BLUE, NHS_DARK_GREY, TEXT, base_layout
from stp_data.metrics import Spread
from stp_data.text import plotly_text

MIN_FOR_CURVE = 8
MIDDLE_FILL = "rgba(0, 94, 184, 0.12)"
HIGHLIGHT = "#C65D00"


def measure_histogram(
    values: pd.DataFrame,
    names: dict[str, str],
    *,
    unit: str,
    spread: Spread | None,
    england: float | None,
    note: str,
    highlight_code: str | None = None,
    title: str | None = None,
    gaps: Mapping[str, str] | None = None,
    height: int = 520,
) -> go.Figure:
    """Bars count footprints per value band; hovering a bar lists them.

    `gaps` (code -> note): footprints whose value rests on a missing or partial return that period. They are
    stacked as a hatched part of their band's bar, named in the legend, so a low value is not read as a real fall.
    """
    v = values.dropna(subset=["value"])
    # Values too large to bin (1e308: the span overflows to inf) or non-finite are left out, and said.
    finite = np.isfinite(v["value"].astype(float)) & (v["value"].astype(float).abs() < 1e150)
    left_out = int((~finite).sum())
    v = v.loc[finite]
    names = {code: plotly_text(name) for code, name in names.items()}
    unit, note = plotly_text(unit), plotly_text(note)
    title = None if title is None else plotly_text(title)
    fig = go.Figure()
    if v.empty:
        fig.add_annotation(text="Not published for any footprint", showarrow=False, font={"size": BASE_FONT_SIZE + 2})
        return base_layout(fig, title=title, height=height)
    if left_out:
        note = f"{left_out} value(s) too large to chart left out. {note}"
    edges = _bin_edges(v["value"].to_numpy(dtype=float), min(12, max(3, len(v) // 3)))
    bins = pd.cut(v["value"], edges, include_lowest=True)
    grouped = v.assign(bin=bins).groupby("bin", observed=False)
    centres = (edges[:-1] + edges[1:]) / 2
    width = float(edges[1] - edges[0])
    charted = set(v["code"])
    gaps = {code: note for code, note in (gaps or {}).items() if code in charted}
    plain_words = " without a gap in the returns" if gaps else ""
    members = [sorted(names.get(c, plotly_text(c)) for c in group["code"] if c not in gaps) for _, group in grouped]
    gapped = [sorted(names.get(c, plotly_text(c)) for c in group["code"] if c in gaps) for _, group in grouped]
    bands = [f"{lo:,.1f} to {hi:,.1f}" for lo, hi in pairwise(edges)]
    fig.add_trace(
        go.Bar(
            x=centres,
            y=[len(m) for m in members],
            width=width * 0.92,
            marker={"color": NHS_BLUE, "opacity": 0.75, "line": {"color": TEXT, "width": 1}},
            customdata=[[band, "<br>".join(m) or "(none)"] for band, m in zip(bands, members, strict=True)],
            hovertemplate=(
                f"<b>%{{customdata[0]}}</b>: %{{y}} footprints{plain_words}<br>%{{customdata[1]}}<extra></extra>"
            ),
            name="Footprints",
        )
    )
    if any(gapped):
        fig.add_trace(
            go.Bar(
                x=centres,
                y=[len(m) for m in gapped],
                width=width * 0.92,
                marker={
                    "color": "white",
                    "line": {"color": TEXT, "width": 1},
                    "pattern": {"shape": "/", "fgcolor": NHS_BLUE, "solidity": 0.4},
                },
                customdata=[[band, "<br>".join(m) or "(none)"] for band, m in zip(bands, gapped, strict=True)],
                hovertemplate=(
                    "<b>%{customdata[0]}</b>: %{y} footprints with a gap in the returns (⚑)<br>%{customdata[1]}"
                    "<extra></extra>"
                ),
                name=f"{GAP_LEGEND} ({len(gaps)})",
            )
        )
        fig.update_layout(barmode="stack")
    members = [m + g for m, g in zip(members, gapped, strict=True)]
    top = max(len(m) for m in members)
    if len(v) >= MIN_FOR_CURVE and v["value"].std() > 0:
        mean, sd = float(v["value"].mean()), float(v["value"].std())
        xs = np.linspace(edges[0] - width, edges[-1] + width, 120)
        ys = len(v) * width * np.exp(-0.5 * ((xs - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="Fitted normal curve",
                line={"color": NHS_DARK_GREY, "width": 3},
                hoverinfo="skip",
            )
        )
        top = max(top, float(ys.max()))
    if spread is not None and spread.n >= 4:
        fig.add_vrect(x0=spread.q1, x1=spread.q3, fillcolor=MIDDLE_FILL, line_width=0, layer="below")
        # Above the plot area, where the England line (drawn inside it) cannot cross it.
        fig.add_annotation(
            x=(spread.q1 + spread.q3) / 2,
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=4,
            text="<b>The middle half</b>",
            showarrow=False,
            font={"color": NHS_BLUE},
        )
    if england is not None:
        fig.add_vline(x=england, line={"color": TEXT, "width": 3, "dash": "dash"})
        fig.add_annotation(
            x=england,
            y=top * 1.2,
            text=f"England {england:,.1f}",
            showarrow=False,
            xanchor="left",
            xshift=6,
            bgcolor="rgba(255,255,255,0.85)",
        )
    if highlight_code is not None:
        _mark_footprint(fig, v, names, highlight_code, top, gapped=highlight_code in gaps)
    fig.update_xaxes(title=unit, gridcolor="#E8EDEE")
    # Footprints are counted in whole numbers: integer ticks only (never 0.5 of a footprint).
    fig.update_yaxes(
        title="Footprints", range=[0, top * 1.32], gridcolor="#E8EDEE", tick0=0, dtick=_count_step(top), tickformat="d"
    )
    fig.update_layout(bargap=0.05, legend={"orientation": "h", "y": -0.2, "x": 0, "yanchor": "top"}, showlegend=True)
    # The source line is not drawn inside the chart: the page prints it once under the chart, and PNG exports add
    # it inside the image (exports.png), so it is never shown twice or cut off at the chart's edge.
    fig.update_layout(meta={"source_note": note})
    if left_out:  # said on the chart itself: the caption under it is the source, not this
        fig.add_annotation(
            text=f"{left_out} value(s) too large to chart left out",
            xref="paper",
            yref="paper",
            x=1,
            y=1.0,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": BASE_FONT_SIZE - 2, "color": TEXT},
        )
    base_layout(fig, title=title, height=height)
    fig.update_layout(margin={"b": 90, "t": (fig.layout.margin.t or 10) + 30})
    return fig


def _count_step(top: float) -> int:
    """A whole-number tick step giving at most about six ticks up to `top` footprints."""
    for step in (1, 2, 5, 10, 20, 50, 100):
        if top / step <= 6:
            return step
    return 200


def _bin_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Histogram edges that never fail: all-equal or huge-but-finite values get a usable width."""
    low, high = float(values.min()), float(values.max())
    if not np.isfinite(high - low) or high - low <= abs(high) * 1e-12:
        pad = max(abs(high) * 0.05, 0.5)
        return np.linspace(low - pad, high + pad, bins + 1)
    return np.linspace(low, high, bins + 1)


def _mark_footprint(
    fig: go.Figure, v: pd.DataFrame, names: dict[str, str], code: str, top: float, *, gapped: bool = False
) -> None:
    row = v.loc[v["code"] == code]
    if row.empty:
        return
    x = float(row["value"].iloc[0])
    fig.add_vline(x=x, line={"color": HIGHLIGHT, "width": 4})
    fig.add_annotation(
        x=x,
        y=top * 1.0,
        text=f"<b>{names.get(code, plotly_text(code))}</b> {x:,.1f}" + (f" {GAP_MARK}" if gapped else ""),
        showarrow=False,
        xanchor="right",
        xshift=-6,
        font={"color": HIGHLIGHT},
        bgcolor="rgba(255,255,255,0.85)",
    )
