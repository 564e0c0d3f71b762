"""Did the middle catch up? A&E type-1 4-hour performance per group of footprints, with England and the 95%
standard (pure Plotly builder; the numbers come from stp_data.ae_progress).

Data-derived text reaches Plotly only through plotly_text (stp_data/text.py says why).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.progress import DASHES, LINE_COLOURS, short_period
from charts.style import NHS_DARK_GREY, base_layout
from stp_data import ae_progress as ae
from stp_data.ratings import BOTTOM, MIDDLE_RATINGS, TOP, UNPUBLISHED
from stp_data.text import plotly_text

ENGLAND_COLOUR = "#000000"
STANDARD_COLOUR = "#425563"  # NHS dark grey: a reference, not a series
# Rating groups keep the rating colours of every other chart (the named middle takes Advanced's tone).
RATING_GROUP_COLOURS = {
    ae.RATING_TOP: LINE_COLOURS[TOP],
    ae.RATING_NAMED_MIDDLE: LINE_COLOURS[MIDDLE_RATINGS[0]],
    ae.RATING_UNPUBLISHED: LINE_COLOURS[UNPUBLISHED],
    ae.RATING_BOTTOM: LINE_COLOURS[BOTTOM],
}
# Waves: Okabe-Ito hues darkened to at least 3:1 on white; each line also has its own dash, so colour is never
# the only cue.
WAVE_COLOURS = ("#0072B2", "#D55E00", "#007A5E", "#AA4499", "#8C6D00", "#6F6F6F", "#56B4E9")
GROUP_HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[1]}: %{y:.1f}% within 4 hours<br>"
    "%{customdata[2]} of %{customdata[3]} attendances<br>%{customdata[4]}<extra></extra>"
)


def standard_trace(first: object, last: object, meta: str | None = None) -> go.Scatter:
    """The 95% operational standard as a dashed reference line from `first` to `last` (dates on the x axis)."""
    return go.Scatter(
        x=[first, last],
        y=[ae.STANDARD, ae.STANDARD],
        mode="lines",
        line={"color": STANDARD_COLOUR, "width": 2, "dash": "dash"},
        name=f"{ae.STANDARD:g}% standard (all A&amp;E types)",
        hovertemplate=f"{ae.STANDARD:g}% operational standard (all A&amp;E types together)<extra></extra>",
        meta=meta,
    )


def _x(series: pd.DataFrame) -> pd.Series:
    return pd.PeriodIndex(series["period"], freq="M").to_timestamp().to_series(index=series.index)


def _hover(rows: pd.DataFrame, name: str) -> list[list[str]]:
    data = []
    for r in rows.itertuples():
        month = short_period(ae.month_label(r.period))
        if r.footprints:
            within, reported = f"{r.within:,.0f}", f"{r.reported:,.0f}"
        else:
            within = reported = "no"
        covered = f"{r.footprints} of {r.members} footprints with 4-hour data"
        data.append([name, month, within, reported, covered])
    return data


def colours_for(groups: list[str]) -> dict[str, str]:
    """Rating groups in their rating colours; anything else (waves) from WAVE_COLOURS in order."""
    others = iter(WAVE_COLOURS * 2)
    return {g: RATING_GROUP_COLOURS.get(g) or next(others) for g in groups}


def group_chart(
    series: pd.DataFrame,
    england: pd.DataFrame,
    *,
    title: str | None = None,
    note: str = "",
    height: int = 560,
) -> go.Figure:
    """One line per group (its summed counts' ratio each month; a month with no footprint's data is a gap, never
    joined), England bold and black, and the 95% standard dashed."""
    fig = go.Figure()
    groups = list(dict.fromkeys(series["group"]))
    colours = colours_for(groups)
    for i, group in enumerate(groups):
        rows = series[series["group"] == group].sort_values("period")
        members = int(rows["members"].iloc[0])
        name = plotly_text(group)
        fig.add_trace(
            go.Scatter(
                x=_x(rows),
                y=rows["value"].where(rows["footprints"] > 0).astype(object).where(rows["value"].notna(), None),
                mode="lines",
                connectgaps=False,
                line={"color": colours[group], "width": 2.5, "dash": DASHES[i % len(DASHES)]},
                name=f"{name} ({members})",
                legendgroup=name,
                customdata=_hover(rows, name),
                hovertemplate=GROUP_HOVER,
            )
        )
    rows = england.sort_values("period")
    fig.add_trace(
        go.Scatter(
            x=_x(rows),
            y=rows["value"].astype(object).where(rows["value"].notna(), None),
            mode="lines",
            connectgaps=False,
            line={"color": ENGLAND_COLOUR, "width": 4},
            name=f"{ae.ENGLAND} ({int(rows['members'].iloc[0])})",
            customdata=_hover(rows, ae.ENGLAND),
            hovertemplate=GROUP_HOVER,
        )
    )
    x = _x(rows)
    fig.add_trace(standard_trace(x.min(), x.max()))
    fig.update_yaxes(title="% seen within 4 hours (type 1)", ticksuffix="%", gridcolor="#E8EDEE", automargin=True)
    fig.update_xaxes(title=None, showgrid=False, dtick="M12", tickformat="%Y", automargin=True)
    fig.update_layout(
        legend={
            # No legend title: beside the entries (or above them, "top left"), Plotly wraps the entries as if it
            # were not there, and in a 1600 px export the last one was cut off at the edge. The names say it all.
            "orientation": "h",
            "y": -0.1,
            "yanchor": "top",
            "x": 0,
            "font": {"color": NHS_DARK_GREY},
        },
        hovermode="closest",
    )
    base_layout(fig, title=plotly_text(title) if title else None, height=height)
    # A fixed bottom margin holds the legend (up to four rows), so a PNG export keeps room for it above the source.
    fig.update_layout(margin={"t": 60 if title else 20, "b": 170})
    fig.update_layout(meta={"source_note": note})  # printed under the chart by the page, inside PNG exports
    return fig


def chart_alt(table: pd.DataFrame, spans: tuple[ae.Window, ...], *, by: str, first: str, last: str) -> str:
    """The chart as a sentence: what is drawn, and each group's figure in the first and latest windows."""
    start, end = spans[0], spans[-1]
    values = "; ".join(
        f"{row['Group']} {row[f'{start.label} (%)']:.1f}% to {row[f'{end.label} (%)']:.1f}%"
        for _, row in table.iterrows()
    )
    return (
        f"Line chart: A&E type-1 4-hour performance each month from {first} to {last}, one line per {by} "
        f"(the ratio of its summed counts), England in bold black and the 95% standard dashed. From {start.label} "
        f"to the latest 12 months ({end.label}): {values}. The table below has the numbers."
    )
