"""Choropleth of footprints by July 2017 rating, drawn as SVG with no network (see charts.style.MAP_CONFIG)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.style import BASE_FONT_SIZE, RATING_COLOURS, base_layout, footprint_geo, lean_figure, short_citation
from geo.boundaries import geojson_bounds, geojson_data_url
from stp_data.ratings import NOT_RATED, RATING_GROUPS, UNPUBLISHED
from stp_data.text import plotly_text

SELECTED_OUTLINE = "#000000"
NO_DATA = "#EEF1F2"

HOVER = (
    "<b>%{customdata[0]}</b><br>"
    "Code: %{customdata[1]}<br>"
    "Region: %{customdata[2]}<br>"
    "Population (mid-2018): %{customdata[3]}<br>"
    "Rating: %{customdata[4]}<br>"
    "Source: %{customdata[5]}"
    "<extra></extra>"
)


def outline_shapes(geojson: dict, codes: list[str], colour: str, width: float, name: str) -> go.Choropleth:
    """A thick outline around `codes`, transparent inside; hover passes through to the shapes beneath."""
    return go.Choropleth(
        geojson=geojson_data_url(geojson, set(codes)),
        locations=codes,
        z=[0] * len(codes),
        colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        showscale=False,
        name=name,
        marker={"line": {"color": colour, "width": width}},
        hoverinfo="skip",
    )


def selected_outline(geojson: dict, code: str) -> go.Choropleth:
    """'You are here': one footprint outlined."""
    return outline_shapes(geojson, [code], SELECTED_OUTLINE, 4, "Selected footprint")


def hover_rows(profiles: pd.DataFrame) -> list[list[str]]:
    rows = []
    for p in profiles.itertuples():
        if p.rating_group == UNPUBLISHED:
            rating, source = "Advanced or Making progress", "not published"
        elif p.rating_group == NOT_RATED:
            rating, source = NOT_RATED, "your data"
        else:
            rating, source = p.rating, short_citation(p.rating_source)
        population = f"{int(p.population):,}" if pd.notna(p.population) else "not published"
        region = p.region if isinstance(p.region, str) else "not published"
        rows.append([p.name, p.code, region, population, rating, source])
    return rows


def category_shapes(
    geojson: dict, codes: list[str], colour: str, category: str, customdata: object, hovertemplate: str
) -> go.Choropleth:
    """One legend entry of a category map: only its own shapes (the payload stays one copy of the GeoJSON), one
    colour, named with its count, clickable by code."""
    return go.Choropleth(
        geojson=geojson_data_url(geojson, set(codes)),
        locations=codes,
        z=[1] * len(codes),
        colorscale=[[0, colour], [1, colour]],
        showscale=False,
        showlegend=True,
        name=f"{category} ({len(codes)})",
        legendgroup=category,
        marker={"line": {"color": "white", "width": 1}, "opacity": 0.95},
        customdata=customdata,
        hovertemplate=hovertemplate,
    )


def rating_map(
    geojson: dict,
    profiles: pd.DataFrame,
    selected_code: str | None = None,
    title: str | None = None,
    height: int = 640,
) -> go.Figure:
    """One trace per rating group, each carrying only its own shapes.

    Splitting the GeoJSON by group keeps the payload the size of one copy
    while giving a legend that names every category in rating order.
    """
    fig = go.Figure()
    drawn = {f["id"] for f in geojson["features"]}
    for group in (*RATING_GROUPS, NOT_RATED):
        members = profiles.loc[(profiles["rating_group"] == group) & profiles["code"].isin(drawn)]
        if members.empty:
            continue
        fig.add_trace(
            category_shapes(geojson, members["code"].tolist(), RATING_COLOURS[group], group, hover_rows(members), HOVER)
        )
    unmatched = sorted({f["id"] for f in geojson["features"]} - set(profiles["code"]))
    if unmatched:
        # A user's boundaries of another vintage: areas our 2017 tables do not cover, shown not hidden.
        fig.add_trace(
            go.Choropleth(
                geojson=geojson_data_url(geojson, set(unmatched)),
                locations=unmatched,
                z=[0] * len(unmatched),
                colorscale=[[0, NO_DATA], [1, NO_DATA]],
                showscale=False,
                name=f"No July 2017 rating for this area ({len(unmatched)})",
                marker={"line": {"color": "white", "width": 1}},
                customdata=[[plotly_text(code)] for code in unmatched],  # codes of a user's file: escaped
                hovertemplate="Code %{customdata[0]}<br>not one of the 44 footprints of 2017<extra></extra>",
            )
        )
    if selected_code is not None and selected_code in set(profiles["code"]):
        fig.add_trace(selected_outline(geojson, selected_code))
    fig.update_layout(
        geo=footprint_geo(geojson_bounds(geojson)),
        legend={
            "title": {"text": "July 2017 rating (number of footprints)", "side": "top"},
            "orientation": "h",
            "x": 0,
            "y": 0,
            "yanchor": "top",
            "font": {"size": BASE_FONT_SIZE},
        },
        clickmode="event+select",
    )
    base_layout(fig, title=title, height=height)
    fig.update_layout(margin={"b": 130})
    return lean_figure(fig)
