"""The rating distribution as bars with a bell curve, the middle marked and named."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.style import (
    BASE_FONT_SIZE,
    NHS_BLUE,
    NHS_DARK_GREY,
    RATING_COLOURS,
    TEXT,
    base_layout,
    lean_figure,
    wrap_for_plotly,
)
from stp_data.ratings import RATINGS

MIDDLE_FILL = "rgba(0, 94, 184, 0.10)"
TICK_LABELS = {
    "Outstanding": "Out-<br>standing",
    "Making progress": "Making<br>progress",
    "Needs most improvement": "Needs most<br>improvement",
}


def _names_list(names: list[str]) -> str:
    return "<br>".join(names) if names else "(none named)"


def rating_bell_curve(
    bars: pd.DataFrame,
    curve: pd.DataFrame,
    note: str,
    title: str | None = None,
    highlight: tuple[str, str | None] | None = None,
    height: int = 640,
) -> go.Figure:
    """Stacked bars (named / counted but unnamed) per rating, normal curve on top.

    `highlight` is (footprint name, its published rating or None); None puts
    the marker on the middle band, since an unpublished rating is somewhere there.
    """
    x = bars["position"].tolist()
    colours = [RATING_COLOURS[r] for r in bars["rating"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=bars["named"],
            name="Rating named in a public source",
            marker={"color": colours, "line": {"color": TEXT, "width": 1}},
            customdata=[
                [r, n, _names_list(names)]
                for r, n, names in zip(bars["rating"], bars["named"], bars["named_names"], strict=True)
            ],
            hovertemplate="<b>%{customdata[0]}: %{customdata[1]} named</b><br>%{customdata[2]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=bars["unnamed"],
            name="Counted nationally, not named publicly",
            marker={
                "color": colours,
                "opacity": 0.55,
                "pattern": {"shape": "/", "fgcolor": TEXT, "size": 8, "solidity": 0.25},
                "line": {"color": TEXT, "width": 1},
            },
            customdata=[[r, n] for r, n in zip(bars["rating"], bars["unnamed"], strict=True)],
            hovertemplate=(
                "<b>%{customdata[0]}: %{customdata[1]} more</b><br>"
                "counted nationally; which footprints is not published<extra></extra>"
            ),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=curve["x"],
            y=curve["y"],
            mode="lines",
            name="Bell (normal) curve, same mean and spread",
            line={"color": NHS_DARK_GREY, "width": 3, "shape": "spline"},
            hoverinfo="skip",
        )
    )
    peak = max(float(bars["total"].max()), float(curve["y"].max()) if not curve.empty else 0.0, 1.0)
    middle_total = int(bars.loc[bars["rating"].isin(RATINGS[1:-1]), "total"].sum())
    fig.add_shape(
        type="rect", x0=1.5, x1=3.5, y0=0, y1=peak * 1.32, fillcolor=MIDDLE_FILL, line={"width": 0}, layer="below"
    )
    fig.add_annotation(
        x=2.5,
        y=peak * 1.30,
        text=f"<b>THE MIDDLE: {middle_total} footprints</b><br>Advanced or Making progress",
        showarrow=False,
        yanchor="top",
        font={"size": BASE_FONT_SIZE + 2, "color": NHS_BLUE},
    )
    for row in bars.itertuples():
        fig.add_annotation(
            x=row.position,
            y=row.total,
            text=f"<b>{row.total}</b>",
            showarrow=False,
            yshift=14,
            font={"size": BASE_FONT_SIZE + 2},
        )
    fig.update_xaxes(
        tickvals=x,
        ticktext=[TICK_LABELS.get(r, r) for r in bars["rating"]],
        tickangle=0,
        range=[0.45, 4.55],
        title=None,
        # 14 px keeps "Making progress" and "Needs most improvement" apart in a half-width laptop column
        # (presentation mode scales it to 20 px on a full-width chart).
        tickfont={"size": BASE_FONT_SIZE - 2},
    )
    fig.update_yaxes(title="Footprints", range=[0, peak * 1.35], gridcolor="#E8EDEE", zeroline=True)
    fig.update_layout(
        barmode="stack",
        bargap=0.25,
        legend={"orientation": "h", "x": 0, "y": -0.16, "xanchor": "left", "yanchor": "top"},
        hovermode="closest",
    )
    # The source line is not drawn inside the chart: the page prints it once under the chart, and PNG exports add
    # it inside the image (exports.png), so it is never shown twice or cut off in presentation mode.
    fig.update_layout(meta={"source_note": note})
    base_layout(fig, title=title, height=height)
    fig.update_layout(margin={"b": 130})
    if highlight is not None:
        _add_highlight(fig, bars, highlight, peak)
    return lean_figure(fig)


def _add_highlight(fig: go.Figure, bars: pd.DataFrame, highlight: tuple[str, str | None], peak: float) -> None:
    """Outline where the footprint sits and say it in the title (no labels to collide)."""
    name, rating = highlight
    if rating in set(bars["rating"]):
        row = bars.loc[bars["rating"] == rating].iloc[0]
        x0, x1, top = row["position"] - 0.45, row["position"] + 0.45, float(row["total"])
        text = f"<b>{name}</b>: one of {row['total']} rated {rating}"
    else:
        x0, x1, top = 1.5, 3.5, peak * 1.32
        text = f"<b>{name}</b>: in the middle (Advanced or Making progress; which is not published)"
    fig.add_shape(
        type="rect",
        x0=x0,
        x1=x1,
        y0=0,
        y1=top,
        line={"color": TEXT, "width": 3, "dash": "dot"},
        fillcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(
        title={"text": wrap_for_plotly(text, 60), "x": 0, "xanchor": "left", "font": {"size": BASE_FONT_SIZE + 2}}
    )
    fig.update_layout(margin={"t": 90})
