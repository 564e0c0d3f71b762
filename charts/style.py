"""Colours, type and shared layout for every figure."""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
import urllib.parse

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from settings import (  # noqa: F401
    BOARD_CHART_SCALE,
    BOARD_MIN_FONT_PX,
    FONT_FAMILY,
    NHS_BLUE,
    NHS_DARK_GREY,
    NOT_RATED_COLOUR,
    RATING_PALETTE,
    TEXT,
)
from stp_data.ratings import NOT_RATED, RATING_GROUPS
from stp_data.text import plotly_text

BASE_FONT_SIZE = 16

# ColorBrewer RdBu ends and inner tones (colour-blind safe, ordered), with a
# neutral grey for ratings that were never published. The legend always names
# the category, so colour is never the only cue.
RATING_COLOURS = dict(zip(RATING_GROUPS, RATING_PALETTE, strict=True)) | {NOT_RATED: NOT_RATED_COLOUR}


# Maps are SVG (Plotly geo), not WebGL (MapLibre): 44 shapes draw in milliseconds, with no software-WebGL start-up
# on machines without a GPU. Plotly's geo maps fetch a world outline (topojson) from a CDN before drawing, even
# with every base layer hidden; an empty topology as a data: URL answers that fetch with no network. plotly.js
# appends "/<scope>_<resolution>m.json" to the URL, which the trailing "#" turns into a harmless fragment.
OFFLINE_TOPOJSON_URL = (
    "data:application/json,"
    + urllib.parse.quote(json.dumps({"type": "Topology", "objects": {}, "arcs": []}, separators=(",", ":")))
    + "#"
)
MAP_CONFIG = {"topojsonURL": OFFLINE_TOPOJSON_URL, "scrollZoom": False, "displaylogo": False}


def footprint_geo(bounds: tuple[float, float, float, float], pad: float = 0.02) -> dict:
    """Geo subplot showing only the shapes drawn (no world outline), framed on `bounds` (west, south, east, north).

    Explicit axis ranges, not `fitbounds`: Plotly's fitbounds leaves about a third of the plot empty around
    England, so the map would be drawn smaller than the space it is given.
    """
    west, south, east, north = bounds
    lon_pad, lat_pad = (east - west) * pad, (north - south) * pad
    return {
        "visible": False,
        "projection": {"type": "mercator"},
        "lonaxis": {"range": [west - lon_pad, east + lon_pad]},
        "lataxis": {"range": [south - lat_pad, north + lat_pad]},
        "bgcolor": "rgba(0,0,0,0)",
    }


def base_layout(fig: go.Figure, *, title: str | None = None, height: int = 560) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": BASE_FONT_SIZE + 4}} if title else None,
        font={"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": TEXT},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": BASE_FONT_SIZE}},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 10, "r": 10, "t": 60 if title else 10, "b": 10},
    )
    return fig


_PARENTHETICAL = re.compile(r"\(([^()]+)\)")


def short_citation(source: object) -> str:
    """First publisher-and-date in a source cell, e.g. 'National Health Executive, 21 Jul 2017'."""
    if not isinstance(source, str) or not source.strip():
        return "no source"
    found = _PARENTHETICAL.search(source)
    text = found.group(1) if found else source.split(";")[0].strip()
    return text.split(";")[0].strip()[:90]


def wrap_for_plotly(text: str, width: int = 80) -> str:
    """Plotly annotations never wrap by themselves; break long notes into lines."""
    return "<br>".join(textwrap.wrap(text, width=width))


BOARD_SCALE = BOARD_CHART_SCALE
_FONT_KEYS = {"font", "tickfont", "hoverlabel", "number", "delta"}


def for_board(fig: go.Figure, scale: float = BOARD_SCALE, minimum: int = BOARD_MIN_FONT_PX) -> go.Figure:
    """A copy with every text size and the height scaled up, readable from the back of a room.

    Every font size is scaled, then clamped to at least `minimum` px (settings.BOARD_MIN_FONT_PX): nothing a board
    reads is smaller, however small it was on a laptop. Fonts left at Plotly's defaults (tick labels, legend,
    annotations without a size) inherit the layout font, which is set to at least that size too.
    """
    spec = fig.to_plotly_json()

    def grow(node: object, in_font: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "size" and in_font and isinstance(value, int | float):
                    node[key] = max(minimum, round(value * scale))
                else:
                    grow(value, in_font or key in _FONT_KEYS or key.endswith("font"))
        elif isinstance(node, list):
            for item in node:
                grow(item, in_font)

    grow(spec["data"])
    grow(spec["layout"])
    layout = spec["layout"]
    font = layout.setdefault("font", {})
    font["size"] = size = max(minimum, font.get("size", round(BASE_FONT_SIZE * scale)))
    # Text left at its default takes its size from the theme's template, not from layout.font (Streamlit's
    # template sizes tick labels and legends in rem, 16.5 px under presentation mode's CSS): give every such text
    # an explicit size so the template cannot shrink it.
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis.setdefault("tickfont", {}).setdefault("size", size)
            title = axis.get("title")
            if isinstance(title, dict):
                title.setdefault("font", {}).setdefault("size", size)
    layout.setdefault("legend", {}).setdefault("font", {}).setdefault("size", size)
    legend_title = layout["legend"].get("title")
    if isinstance(legend_title, dict):
        legend_title.setdefault("font", {}).setdefault("size", size)
    for annotation in layout.get("annotations", []):
        annotation.setdefault("font", {}).setdefault("size", size)
    for trace in spec["data"]:
        bar = trace.get("colorbar") or (trace.get("marker") or {}).get("colorbar")
        if isinstance(bar, dict):
            bar.setdefault("tickfont", {}).setdefault("size", size)
            if isinstance(bar.get("title"), dict):
                bar["title"].setdefault("font", {}).setdefault("size", size)
    if "height" in layout:
        layout["height"] = round(layout["height"] * 1.3)
    return go.Figure(spec)


def add_source_note(fig: go.Figure, note: str, *, chars_per_line: int, y: float = -0.36) -> None:
    """The chart's source line under the plot, inside the figure (for a figure drawn only as an image).

    `note` is plain text: it is escaped here (stp_data.text.plotly_text), after wrapping, so callers pass it
    unescaped. Charts shown on a page keep their note in `fig.layout.meta["source_note"]` instead: the page prints
    it under the chart and PNG exports draw it inside the image (exports.png), so it is never cut off on screen.
    """
    lines = textwrap.wrap(note, width=chars_per_line)
    fig.add_annotation(
        text="<br>".join(plotly_text(line) for line in lines),
        xref="paper",
        yref="paper",
        x=0,
        y=y,
        showarrow=False,
        xanchor="left",
        yanchor="top",
        align="left",
        font={"size": BASE_FONT_SIZE - 3, "color": NHS_DARK_GREY},
    )


# Template layout entries only a continuous colour scale reads (a heatmap's z, a coloraxis, numeric marker colours).
_CONTINUOUS_TEMPLATE_KEYS = ("colorscale", "coloraxis")


def _uses_continuous_colour(fig: go.Figure) -> bool:
    if any(key.startswith("coloraxis") for key in fig.layout.to_plotly_json()):
        return True
    for trace in fig.data:
        if getattr(trace, "z", None) is not None or getattr(trace, "coloraxis", None) is not None:
            return True
        marker_colour = getattr(getattr(trace, "marker", None), "color", None)
        if (
            marker_colour is not None
            and not isinstance(marker_colour, str)
            and len(marker_colour)
            and all(isinstance(value, int | float) for value in marker_colour)
        ):
            return True
    return False


def lean_template(fig: go.Figure) -> go.Figure:
    """Keep only the template entries this figure's traces can use; in place, and returned.

    Every figure carries the whole default template (Streamlit's, about 3.4 kB of JSON: colour scales for ten trace
    types this dashboard never draws), sent again with every chart on every page. What is dropped cannot change
    the drawing: template.data entries apply only to traces of their own type, and the colour scales only to
    traces coloured by numbers. Call it on a figure once it is built, before it is shared or shown.
    """
    template = fig.layout.template
    used = {trace.type for trace in fig.data}
    data = {kind: traces for kind, traces in template.data.to_plotly_json().items() if kind in used}
    layout = template.layout.to_plotly_json()
    if not _uses_continuous_colour(fig):
        layout = {key: value for key, value in layout.items() if key not in _CONTINUOUS_TEMPLATE_KEYS}
    fig.layout.template = go.layout.Template(data=data, layout=layout)
    return fig


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.0+)?$")
_DATE_KEYS = ("x", "y", "base")


def _day_strings(values: object) -> list[str | None] | None:
    """Dates that are all midnights as 'YYYY-MM-DD' (gaps as None); None if they are not such dates.

    Plotly sends a datetime64 array as '2016-04-30T00:00:00.000000' per point: 26 characters where 10 say it all,
    and the time axis reads both the same."""
    if values is None or isinstance(values, str | dict):
        return None
    array = np.asarray(values)
    if array.ndim != 1 or not len(array):
        return None
    if array.dtype.kind == "M":
        days = array.astype("datetime64[D]")
        present = ~np.isnat(array)
        if not present.any() or (array[present] != days[present]).any():
            return None
        return [str(day) if keep else None for day, keep in zip(days, present, strict=True)]
    if array.dtype.kind not in "OU":
        return None
    out: list[str | None] = []
    for value in array:
        if value is None:
            out.append(None)
            continue
        text = value.isoformat() if isinstance(value, pd.Timestamp | dt.datetime) else value
        found = _MIDNIGHT.match(text) if isinstance(text, str) else None
        if found is None:
            return None
        out.append(found.group(1))
    return out if any(day is not None for day in out) else None


def short_dates(fig: go.Figure) -> go.Figure:
    """Every trace's midnight dates as 'YYYY-MM-DD'; in place, and returned."""
    for trace in fig.data:
        for key in _DATE_KEYS:
            days = _day_strings(getattr(trace, key, None)) if key in trace else None
            if days is not None:
                trace[key] = days
    return fig


def lean_figure(fig: go.Figure) -> go.Figure:
    """The figure as it is best sent: only the template entries it uses, dates without a time of day. In place,
    and returned: call it once a figure is built, before it is shared or shown."""
    return short_dates(lean_template(fig))
