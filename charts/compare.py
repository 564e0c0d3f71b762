"""Compare, side by side: the footprints' A&E type-1 4-hour trends with England and the 95% standard, and their
journeys to ICS on one time axis (pure Plotly builders; the numbers come from stp_data.compare and journey).

Each footprint keeps the spine chart's colour and shape (charts.spine.style_for) and has its own dash, so colour is
never the only cue. Data-derived text reaches Plotly only through plotly_text (stp_data/text.py says why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from charts.ae_progress import ENGLAND_COLOUR, standard_trace
from charts.progress import journey_swimlane
from charts.spine import style_for
from charts.style import NHS_DARK_GREY, base_layout, lean_figure
from stp_data import ae_progress as ae
from stp_data.text import plotly_text

TREND_HOVER = "<b>%{customdata[0]}</b><br>%{customdata[1]}: %{y:.1f}% within 4 hours<extra></extra>"


def _x(periods: pd.Series) -> pd.Series:
    return pd.PeriodIndex(periods, freq="M").to_timestamp().to_series(index=periods.index)


def _gaps_as_none(values: pd.Series) -> list:
    """Plotly draws None as a gap (with connectgaps off); NaN would be sent as null too, but say it plainly."""
    return [None if pd.isna(v) else float(v) for v in values]


def ae_trends(
    trends: pd.DataFrame,
    england: pd.DataFrame,
    codes: Sequence[str],
    names: Mapping[str, str],
    *,
    title: str | None = None,
    note: str = "",
    height: int = 520,
) -> go.Figure:
    """One line per footprint (`trends`: stp_data.compare.footprint_trends, a month with no figure a gap, never
    joined), England bold and black, the 95% standard dashed grey."""
    fig = go.Figure()
    for i, code in enumerate(codes):
        colour, symbol, dash = style_for(i)
        rows = trends[trends["code"] == code].sort_values("period")
        name = plotly_text(names.get(code, code))
        months = [ae.month_label(p) for p in rows["period"]]
        fig.add_trace(
            go.Scatter(
                x=_x(rows["period"]),
                y=_gaps_as_none(rows["value"]),
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour, "width": 2, "dash": dash},
                # A marker every twelve months in the footprint's own shape ties the line to the spine chart's legend.
                marker={"symbol": symbol, "size": 8, "color": colour, "maxdisplayed": 10},
                name=name,
                customdata=[[name, m] for m in months],
                hovertemplate=TREND_HOVER,
                meta=f"footprint:{code}",
            )
        )
    rows = england.sort_values("period")
    fig.add_trace(
        go.Scatter(
            x=_x(rows["period"]),
            y=_gaps_as_none(rows["value"]),
            mode="lines",
            connectgaps=False,
            line={"color": ENGLAND_COLOUR, "width": 4},
            name=ae.ENGLAND,
            customdata=[[ae.ENGLAND, ae.month_label(p)] for p in rows["period"]],
            hovertemplate=TREND_HOVER,
            meta="england",
        )
    )
    x = _x(rows["period"])
    fig.add_trace(standard_trace(x.min(), x.max(), meta="standard"))
    fig.update_yaxes(title="% seen within 4 hours (type 1)", ticksuffix="%", gridcolor="#E8EDEE", automargin=True)
    fig.update_xaxes(title=None, showgrid=False, dtick="M12", tickformat="%Y", automargin=True)
    base_layout(fig, title=plotly_text(title) if title else None, height=height)
    fig.update_layout(
        legend={"orientation": "h", "y": -0.1, "yanchor": "top", "x": 0, "font": {"color": NHS_DARK_GREY}},
        hovermode="closest",
        margin={"t": 60 if title else 20, "b": 150},
        meta={"source_note": note},
    )
    return lean_figure(fig)


def journeys(paths: pd.DataFrame, steps: pd.DataFrame, codes: Sequence[str], *, note: str) -> go.Figure:
    """The compared footprints' journeys to ICS on one time axis, in the comparison's order (first at the top):
    charts.progress.journey_swimlane on just these rows."""
    subset = paths.set_index("code").loc[list(codes)].reset_index()
    return lean_figure(journey_swimlane(subset, steps[steps["code"].isin(set(codes))], note=note))
