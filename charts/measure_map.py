"""Choropleth of one measure's values, drawn as SVG with no network; unpublished footprints in grey."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from charts.rating_map import outline_shapes, selected_outline
from charts.style import BASE_FONT_SIZE, TEXT, base_layout, footprint_geo
from geo.boundaries import geojson_bounds, geojson_data_url
from stp_data.text import plotly_text

NOT_PUBLISHED_GREY = "#D8DDE0"
GAP_MARK = "⚑"
GAP_LEGEND = f"{GAP_MARK} Gap in the returns"


def measure_map(
    geojson: dict,
    values: pd.DataFrame,
    names: dict[str, str],
    *,
    label: str,
    unit: str,
    decimals: int,
    selected_code: str | None = None,
    gaps: Mapping[str, str] | None = None,
    height: int = 600,
) -> go.Figure:
    """Darker blue = higher value, whatever the polarity; the colour bar names the unit.

    `gaps` (code -> note): footprints whose value that period rests on a missing or partial return. They are
    outlined and named in the legend, and the note is in their hover, so a low month is not read as a real fall.
    """
    # Names, label and unit may come from a user's file: escaped once here, shown literally by Plotly.
    label, unit = plotly_text(label), plotly_text(unit)
    names = {code: plotly_text(name) for code, name in names.items()}
    all_codes = {f["id"] for f in geojson["features"]}
    gaps = {code: plotly_text(note) for code, note in (gaps or {}).items() if code in all_codes}

    def hover_rows(codes: list[str]) -> list[list[str]]:
        return [
            [names.get(c, plotly_text(c)), plotly_text(c), f"<br>{GAP_MARK} {gaps[c]}" if c in gaps else ""]
            for c in codes
        ]

    published = values.dropna(subset=["value"])
    published = published[published["code"].isin(all_codes)]
    missing = sorted(all_codes - set(published["code"]))
    fig = go.Figure()
    if not published.empty:
        fig.add_trace(
            go.Choropleth(
                geojson=geojson_data_url(geojson, set(published["code"])),
                locations=published["code"],
                z=published["value"],
                colorscale="Blues",
                marker={"line": {"color": "white", "width": 1}},
                # Under the map, not beside it: England is tall and narrow, so a side bar would shrink it.
                colorbar={
                    "title": {"text": unit, "side": "top"},
                    "orientation": "h",
                    "x": 0,
                    "xanchor": "left",
                    "y": -0.02,
                    "yanchor": "top",
                    "len": 0.9,
                    "thickness": 14,
                },
                customdata=hover_rows(published["code"].tolist()),
                hovertemplate=(
                    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
                    + f"{label}: %{{z:,.{decimals}f}} {unit}%{{customdata[2]}}<extra></extra>"
                ),
                name=label,
            )
        )
    if missing:
        fig.add_trace(
            go.Choropleth(
                geojson=geojson_data_url(geojson, set(missing)),
                locations=missing,
                z=[0] * len(missing),
                colorscale=[[0, NOT_PUBLISHED_GREY], [1, NOT_PUBLISHED_GREY]],
                showscale=False,
                showlegend=True,
                name=f"Not published ({len(missing)})",
                marker={"line": {"color": "white", "width": 1}},
                customdata=hover_rows(missing),
                hovertemplate=(
                    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>Not published%{customdata[2]}<extra></extra>"
                ),
            )
        )
    if gaps:
        fig.add_trace(gap_outline(geojson, sorted(gaps)))
    if selected_code in all_codes:
        fig.add_trace(selected_outline(geojson, selected_code))
    fig.update_layout(
        geo=footprint_geo(geojson_bounds(geojson)),
        legend={"orientation": "h", "x": 0, "y": -0.17, "yanchor": "top", "font": {"size": BASE_FONT_SIZE}},
    )
    base_layout(fig, height=height)
    fig.update_layout(margin={"b": 130})
    return fig


def gap_outline(geojson: dict, codes: list[str]) -> go.Choropleth:
    """A dark outline around footprints with a gap in the returns, named in the legend."""
    outline = outline_shapes(geojson, codes, TEXT, 3, f"{GAP_LEGEND} ({len(codes)})")
    return outline.update(showlegend=True)
