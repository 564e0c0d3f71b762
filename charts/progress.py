"""Progress after July 2017: time to integrated care system, status map, journeys, trends (pure Plotly builders).

Every piece of data-derived text put in a title, hover or annotation is HTML-escaped: Plotly renders a subset
of HTML, so a name or note must not become markup.
"""

from __future__ import annotations

import math
import re
from html import escape

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.rating_map import category_shapes
from charts.style import (
    BASE_FONT_SIZE,
    NHS_BLUE,
    NHS_DARK_GREY,
    RATING_COLOURS,
    TEXT,
    base_layout,
    footprint_geo,
    short_citation,
)
from geo.boundaries import geojson_bounds, geojson_data_url
from stp_data import journey
from stp_data.loading import Bundle
from stp_data.ratings import UNPUBLISHED

# A blue sequence for the designation stages, distinct from the red-blue rating colours; the legend names each.
STATUS_COLOURS = {
    journey.STP: "#E3E8EA",
    journey.PARTLY: "#9ECAE1",
    journey.ICS: "#3182BD",
    journey.STATUTORY: "#08306B",
}
INFERRED_COLOUR = "#7FB2D9"  # an ICS inferred by elimination: its own legend entry, like the unnamed middle
MERGED_OUTLINE = "#000000"
# The grey of the unpublished middle is too light for a line on white; a darker grey, and a dash, for the line.
LINE_COLOURS = {**RATING_COLOURS, UNPUBLISHED: "#6F6F6F"}
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "star")
FAINT = "rgba(66, 85, 99, 0.18)"
BAND = "rgba(0, 94, 184, 0.14)"
DATE_RULE = (
    "Dates known only to the month or year are drawn at the start of that month or year and labelled with the "
    "month or year alone; no day is invented. The shadow accountable care systems and two devolution areas of June "
    "2017 count from then (NHS England called them ICSs from Feb 2018). A share counts whole footprints."
)


_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")


def short_period(period: object) -> str:
    """'September 2015' -> 'Sep 2015': tick labels short enough to sit side by side (hover keeps the full one)."""
    return _MONTH.sub(lambda m: m.group(1)[:3], str(period))


def _keep_note(fig: go.Figure, note: str) -> None:
    """The source line is not drawn inside the chart (it would be cut off at the chart's edge on a narrow screen):
    the page prints it under the chart, and PNG exports draw it inside the image (exports.png)."""
    fig.update_layout(meta={"source_note": note})


def _names(names: object, limit: int = 12) -> str:
    names = [escape(str(n)) for n in (names or ())]
    if not names:
        return "none"
    shown = names[:limit]
    more = f"<br>… and {len(names) - limit} more" if len(names) > limit else ""
    return "<br>".join(shown) + more


# --- Time to integrated care system ------------------------------------------------------------------------------
def time_to_ics_chart(
    cumulative: pd.DataFrame,
    months: pd.DataFrame,
    *,
    title: str | None = None,
    note: str | None = None,
    height: int = 560,
) -> go.Figure:
    """Step lines per July 2017 rating group: the share of its footprints that were ICSs (whole footprint) at the
    end of each milestone month; hover gives the count and names who joined; milestone months as vertical lines."""
    fig = go.Figure()
    for i, (group, rows) in enumerate(cumulative.groupby("group", sort=False)):
        rows = rows.sort_values("x")
        label = escape(journey.group_label(group))
        customdata = [
            [
                escape(r.label),
                r.ics,
                r.n,
                r.partly,
                _names(r.joined),
            ]
            for r in rows.itertuples()
        ]
        fig.add_trace(
            go.Scatter(
                x=rows["x"],
                y=rows["share"],
                mode="lines+markers",
                line={
                    "shape": "hv",
                    "color": LINE_COLOURS.get(group, NHS_DARK_GREY),
                    "width": 3,
                    "dash": DASHES[i % 6],
                },
                marker={"symbol": SYMBOLS[i % 6], "size": 8},
                name=f"{label} ({int(rows['n'].iloc[0])})",
                legendgroup=label,
                customdata=customdata,
                hovertemplate=(
                    f"<b>{label}</b><br>%{{customdata[0]}}: %{{customdata[1]}} of %{{customdata[2]}} ICSs "
                    "(%{y:.0%})<br>Partly designated: %{customdata[3]}<br>Joined:<br>%{customdata[4]}<extra></extra>"
                ),
            )
        )
    for m in months.itertuples():
        fig.add_vline(x=m.x, line={"color": "#AEB7BD", "width": 1, "dash": "dot"})
        fig.add_annotation(
            x=m.x,
            y=1.02,
            yref="paper",
            text=escape(m.label),
            showarrow=False,
            # Upright labels need no more width than their line height: milestones three months apart
            # ("Feb 2018", "May 2018") stay apart on a laptop.
            textangle=-90,
            xanchor="center",
            yanchor="bottom",
            font={"size": BASE_FONT_SIZE - 4, "color": NHS_DARK_GREY},
            hovertext=escape(m.what),
        )
    fig.update_yaxes(
        title="Share that were ICSs", tickformat=".0%", range=[-0.02, 1.05], gridcolor="#E8EDEE", automargin=True
    )
    fig.update_xaxes(title=None, showgrid=False)
    fig.update_layout(
        legend={"title": {"text": "July 2017 rating (footprints)"}, "orientation": "h", "y": -0.15, "x": 0},
        hovermode="closest",
    )
    base_layout(fig, title=escape(title) if title else None, height=height)
    # The top margin holds the upright milestone labels at presentation mode's 18 px too.
    fig.update_layout(margin={"t": 150 if title else 110, "b": 120})
    _keep_note(fig, note or DATE_RULE)
    return fig


# --- Map at a date -----------------------------------------------------------------------------------------------
MAP_HOVER = (
    "<b>%{customdata[0]}</b><br>Code: %{customdata[1]}<br>Status: %{customdata[2]}<br>"
    "%{customdata[3]}<br>July 2017 rating: %{customdata[4]}<br>%{customdata[5]}<extra></extra>"
)


def _map_hover(rows: pd.DataFrame) -> list[list[str]]:
    data = []
    for r in rows.itertuples():
        since = ""
        if r.since_label:
            since = f"Since {r.since_label}"
            if r.basis == journey.INFERRED:
                since += " (inferred by elimination, not named by a source)"
            if r.area:
                since += f"; part of footprint: {r.area}"
            if r.via:
                since += f" ({r.via})"
        merged = f"Part of {journey.MERGED_NAME} ({r.merged_into}) since Aug 2018" if r.merged_into else ""
        rating = "Advanced or Making progress (not published)" if r.rating_group == UNPUBLISHED else r.rating_group
        data.append([escape(str(v)) for v in (r.name, r.code, r.status, since, rating, merged)])
    return data


def _status_category(row: pd.Series) -> str:
    if row["status"] == journey.ICS and row["basis"] == journey.INFERRED:
        return "ICS, inferred by elimination"
    return row["status"]


def status_map(
    geojson: dict,
    statuses: pd.DataFrame,
    at: str,
    *,
    title: str | None = None,
    selected_code: str | None = None,
    height: int = 640,
) -> go.Figure:
    """Footprints coloured by status at a date (from `journey.status_at`); merged footprints outlined after
    Aug 2018. One trace per status; `locations` are codes, so a click gives the footprint like the rating map."""
    drawn = {f["id"] for f in geojson["features"]}
    shown = statuses[statuses["code"].isin(drawn)].assign(category=lambda f: f.apply(_status_category, axis=1))
    colours = {**STATUS_COLOURS, "ICS, inferred by elimination": INFERRED_COLOUR}
    order = [journey.STP, journey.PARTLY, journey.ICS, "ICS, inferred by elimination", journey.STATUTORY]
    fig = go.Figure()
    for category in order:
        members = shown[shown["category"] == category]
        if members.empty:
            continue
        fig.add_trace(
            category_shapes(
                geojson, members["code"].tolist(), colours[category], category, _map_hover(members), MAP_HOVER
            )
        )
    merged = shown.loc[shown["merged_into"].astype(bool), "code"].tolist()
    if merged:
        fig.add_trace(
            go.Choropleth(
                geojson=geojson_data_url(geojson, set(merged)),
                locations=merged,
                z=[0] * len(merged),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                name=f"Merged into {journey.MERGED_NAME} ({journey.MERGED_INTO}), Aug 2018",
                marker={"line": {"color": MERGED_OUTLINE, "width": 3}},
                hoverinfo="skip",
            )
        )
    if selected_code is not None and selected_code in set(shown["code"]):
        fig.add_trace(
            go.Choropleth(
                geojson=geojson_data_url(geojson, {selected_code}),
                locations=[selected_code],
                z=[0],
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                name="Selected footprint",
                marker={"line": {"color": NHS_BLUE, "width": 4}},
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        geo=footprint_geo(geojson_bounds(geojson)),
        legend={
            "title": {"text": f"Status at the end of {escape(at)} (footprints of July 2017)", "side": "top"},
            "orientation": "h",
            "x": 0,
            "y": 0,
            "yanchor": "top",
        },
        clickmode="event+select",
    )
    base_layout(fig, title=escape(title) if title else None, height=height)
    fig.update_layout(margin={"b": 130})
    return fig


# --- Every footprint's journey -----------------------------------------------------------------------------------
def journey_swimlane(
    paths: pd.DataFrame,
    steps: pd.DataFrame,
    *,
    title: str | None = None,
    note: str | None = None,
) -> go.Figure:
    """One row per 2017 footprint (order of `journey.journeys`), a line from first designation to statutory ICS
    coloured by 2017 rating; milestones as markers: filled where a source names the footprint, hollow where
    inferred by elimination, half-filled for part of a footprint, a cross for the 2018 merger."""
    # Category labels render HTML too: every name is escaped once, here.
    order = [escape(n) for n in paths["name"]][::-1]  # first designated at the top
    names = dict(zip(paths["code"], [escape(n) for n in paths["name"]], strict=True))
    groups = dict(zip(paths["code"], paths["rating_group"], strict=True))
    fig = go.Figure()
    for group in dict.fromkeys(paths["rating_group"]):
        xs, ys = [], []
        for p in paths[paths["rating_group"] == group].itertuples():
            start = p.first_date if pd.notna(p.first_date) else pd.Timestamp(journey.STATUTORY_DATE)
            xs += [start, pd.Timestamp(journey.STATUTORY_DATE), None]
            ys += [names[p.code], names[p.code], None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": LINE_COLOURS.get(group, NHS_DARK_GREY), "width": 6},
                name=escape(journey.group_label(group)),
                legendgroup="rating",
                legendgrouptitle={"text": "July 2017 rating"},
                hoverinfo="skip",
            )
        )
    kinds = {
        "Named by a source": (steps["kind"] == "designation") & ~steps["partial"] & (steps["basis"] == journey.SOURCED),
        "Inferred by elimination": (steps["kind"] == "designation") & (steps["basis"] == journey.INFERRED),
        "Part of the footprint": (steps["kind"] == "designation") & steps["partial"],
        "Merger (Aug 2018)": steps["kind"] == "merger",
        "Statutory ICS": steps["kind"] == "statutory",
    }
    symbols = {
        "Named by a source": "circle",
        "Inferred by elimination": "circle-open",
        "Part of the footprint": "diamond",
        "Merger (Aug 2018)": "x-thin-open",
        "Statutory ICS": "square",
    }
    for label, mask in kinds.items():
        rows = steps[mask & steps["code"].isin(names)]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["placed"],
                y=rows["code"].map(names),
                mode="markers",
                marker={
                    "symbol": symbols[label],
                    "size": 12,
                    "color": [LINE_COLOURS.get(groups[c], NHS_DARK_GREY) for c in rows["code"]],
                    "line": {"color": TEXT, "width": 2},
                },
                name=label,
                legendgroup="milestone",
                legendgrouptitle={"text": "Milestone"},
                customdata=[_step_hover(r, names) for r in rows.itertuples()],
                hovertemplate="%{customdata[0]}<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=order, tickfont={"size": BASE_FONT_SIZE - 4}, title=None)
    fig.update_xaxes(title=None, gridcolor="#E8EDEE")
    base_layout(fig, title=escape(title) if title else None, height=26 * len(order) + 330)
    fig.update_layout(
        legend={"orientation": "h", "y": 1.0, "x": 0, "yanchor": "bottom"},
        margin={"t": 230 if title else 190, "b": 50},
    )
    _keep_note(fig, note or DATE_RULE)
    return fig


def _step_hover(row: object, names: dict[str, str]) -> list[str]:
    parts = [
        f"<b>{names[row.code]}</b>",
        f"{escape(row.date_label)}: {escape(row.milestone)}",
    ]
    if row.area:
        parts.append(f"Part of footprint: {escape(row.area)}")
    if row.via:
        parts.append(escape(row.via))
    parts.append(f"Basis: {escape(journey.BASIS_LABELS.get(row.basis, row.basis))}")
    parts.append(f"Source: {escape(short_citation(row.source))}")
    if row.notes:
        parts.append(f"Note: {escape(row.notes[:160])}")
    return ["<br>".join(parts)]


# --- Trends: a measure over time ---------------------------------------------------------------------------------
def middle_half_traces(band: pd.DataFrame, fmt: str, **legend: object) -> tuple[go.Scatter, go.Scatter]:
    """The middle half of footprints (q1 to q3) per period as a shaded band: an invisible upper edge, then the
    lower edge filled up to it. `legend`: the band's name and legend settings."""
    upper = go.Scatter(
        x=band["period_end"], y=band["q3"], mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False
    )
    lower = go.Scatter(
        x=band["period_end"],
        y=band["q1"],
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor=BAND,
        customdata=band[["period", "q3"]].to_numpy(),
        hovertemplate=f"%{{customdata[0]}}: middle half %{{y:{fmt}}} to %{{customdata[1]:{fmt}}}<extra></extra>",
        **legend,
    )
    return upper, lower


def trend_lines(
    series: pd.DataFrame,
    trend: pd.DataFrame,
    *,
    names: dict[str, str],
    code: str | None,
    measure_name: str,
    unit: str,
    decimals: int = 1,
    title: str | None = None,
    note: str | None = None,
    height: int = 520,
) -> go.Figure:
    """Every footprint a faint line, the chosen one highlighted, England bold, the middle half shaded (only where
    `trend["band"]`: never for measures not on one basis, such as finance)."""
    fmt = f",.{decimals}f"
    fig = go.Figure()
    if trend["band"].any():
        fig.add_traces(middle_half_traces(trend[trend["band"]], fmt, name="Middle half of footprints"))
    xs, ys, labels = [], [], []
    for footprint, rows in series.groupby("code", sort=True):
        if footprint == code:
            continue
        xs += [*pd.to_datetime(rows["period_end"]), None]
        ys += [*rows["value"], None]
        labels += [escape(names.get(footprint, footprint))] * len(rows) + [""]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": FAINT, "width": 1},
            name="Each footprint",
            text=labels,
            hovertemplate=f"%{{text}}: %{{y:{fmt}}}<extra></extra>",
            connectgaps=False,
        )
    )
    if trend["england"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=trend["period_end"],
                y=trend["england"],
                mode="lines+markers",
                line={"color": TEXT, "width": 4},
                name="England",
                customdata=trend[["period"]].to_numpy(),
                hovertemplate=f"England, %{{customdata[0]}}: %{{y:{fmt}}}<extra></extra>",
            )
        )
    mine = series[series["code"] == code]
    if code is not None and not mine.empty:
        name = escape(names.get(code, code))
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(mine["period_end"]),
                y=mine["value"],
                mode="lines+markers",
                line={"color": NHS_BLUE, "width": 4},
                marker={"size": 10},
                name=name,
                customdata=mine[["period"]].to_numpy(),
                hovertemplate=f"{name}, %{{customdata[0]}}: %{{y:{fmt}}}<extra></extra>",
            )
        )
    fig.update_xaxes(
        tickvals=trend["period_end"],
        ticktext=[escape(short_period(p)) for p in trend["period"]],
        title=None,
        showgrid=False,
    )
    fig.update_yaxes(title=escape(unit), gridcolor="#E8EDEE")
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0}, hovermode="closest")
    base_layout(fig, title=escape(title or measure_name), height=height)
    fig.update_layout(margin={"b": 110})
    if note:
        _keep_note(fig, note)
    return fig


def footprint_trend_small_multiples(
    trends: pd.DataFrame,
    *,
    name: str,
    columns: int = 3,
    title: str | None = None,
    note: str | None = None,
    panel_height: int = 240,
) -> go.Figure:
    """A footprint's measures over time (from `journey.footprint_trends`), one small chart each: the footprint,
    England, and the middle half of footprints shaded where the measure is on one basis.

    Laid out for a laptop's main column (about 790 px wide, 3 columns) and, scaled by `for_board`, a 1920 px board
    screen: short panel titles (the measure's full name in their hover), ticks as "Sep 2015", upright, and a fixed
    gap in pixels between rows for the tick labels above and the panel title below.
    """
    measures = list(dict.fromkeys(trends["measure"]))
    rows = max(1, math.ceil(len(measures) / columns))
    first = [trends.loc[trends["measure"] == m].iloc[0] for m in measures]
    titles = [escape(str(r["short_name"])) for r in first]
    top, bottom, gap = (110 if title else 60), 110, 80  # px; the gap holds a row's ticks and the next row's title
    height = rows * panel_height + top + bottom
    plot_height = height - top - bottom
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=titles,
        vertical_spacing=min(gap / plot_height, 0.5 / rows) if rows > 1 else 0.0,
        horizontal_spacing=0.08,
    )
    shown_legend: set[str] = set()
    footprint = escape(name)
    for i, measure in enumerate(measures):
        t = trends[trends["measure"] == measure].sort_values("period_end")
        row, col = divmod(i, columns)
        where = {"row": row + 1, "col": col + 1}
        fmt = f",.{int(t['decimals'].iloc[0])}f"

        def legend(label: str) -> dict:
            first = label not in shown_legend
            shown_legend.add(label)
            return {"name": label, "legendgroup": label, "showlegend": first}

        if t["band"].any():
            upper, lower = middle_half_traces(t[t["band"]], fmt, **legend("Middle half of footprints"))
            fig.add_trace(upper, **where)
            fig.add_trace(lower, **where)
        if t["england"].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=t["period_end"],
                    y=t["england"],
                    mode="lines",
                    line={"color": TEXT, "width": 3},
                    customdata=t[["period"]].to_numpy(),
                    hovertemplate=f"England, %{{customdata[0]}}: %{{y:{fmt}}}<extra></extra>",
                    **legend("England"),
                ),
                **where,
            )
        fig.add_trace(
            go.Scatter(
                x=t["period_end"],
                y=t["value"],
                mode="lines+markers",
                line={"color": NHS_BLUE, "width": 3},
                marker={"size": 8},
                customdata=t[["period"]].to_numpy(),
                hovertemplate=f"{footprint}, %{{customdata[0]}}: %{{y:{fmt}}}<extra></extra>",
                **legend(footprint),
            ),
            **where,
        )
        fig.update_xaxes(
            tickvals=t["period_end"],
            ticktext=[escape(short_period(p)) for p in t["period"]],
            tickfont={"size": 12},
            tickangle=0,
            **where,
        )
    for annotation, row in zip(fig.layout.annotations, first, strict=True):
        annotation.font = {"size": BASE_FONT_SIZE - 2}
        annotation.hovertext = escape(str(row["name"]))
    base_layout(fig, title=escape(title) if title else None, height=height)
    fig.update_layout(
        # Below the last row's tick labels, in paper units like everything under the plot (exports.png keeps
        # the ratio of the bottom margin to the plot when it adds the source line under it).
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -45 / plot_height, "yanchor": "top"},
        margin={"t": top, "b": bottom, "l": 10, "r": 10},
    )
    if note:
        _keep_note(fig, note)
    return fig


WORKFORCE_TRENDS_SOURCE = "Source: NHS Digital workforce statistics; ONS mid-year population (see Data & sources)."


def footprint_workforce_trends(bundle: Bundle, code: str, name: str) -> tuple[pd.DataFrame, go.Figure | None]:
    """A footprint's workforce measures over time (journey.footprint_trends) and their small multiples."""
    trends = journey.footprint_trends(bundle.metrics, bundle.measures, code, "workforce")
    if trends.empty:
        return trends, None
    return trends, footprint_trend_small_multiples(trends, name=name, note=WORKFORCE_TRENDS_SOURCE)


PROGRESS_SOURCE = (
    "Source: NHS England, HSJ, LGC, Healthcare Leader, National Health Executive and others as cited per milestone "
    "(Data & sources: ICS designations 2017-2022). Dates as precise as the sources: a month or year alone is "
    "placed at its start and labelled as published."
)


def footprint_trends_alt(name: str, trends: pd.DataFrame) -> str:
    """The text alternative of a footprint's workforce trends: every value, measure by measure."""
    return (
        f"Small line charts of {name}'s workforce measures over time with England and the middle half of "
        "footprints: "
        + "; ".join(
            f"{m}: " + ", ".join(f"{r.period} {r.value:,.1f}" for r in t.itertuples() if pd.notna(r.value))
            for m, t in trends.groupby("short_name", sort=False)
        )
    )
