"""Overview: the map, the bell curve and the middle, at a glance."""

from __future__ import annotations

import streamlit as st

import settings as s
from stp_data.links import escape_markdown
from ui import controls, packs_view, page_data, state

state.ensure_app_frame()

HEADLINE_LABELS = {
    "Outstanding": "Top: Outstanding",
    "The middle": "The middle",
    "Needs most improvement": "Bottom: Needs most improvement",
}
# Presentation mode at 1080 px: map and bell curve side by side, both above the fold.
BOARD_CHART_HEIGHT = 560


def plural(count: int, noun: str) -> str:
    """'1 footprint', '2 footprints'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


MAP_SOURCE = (
    f"Ratings: NHS England STP progress dashboard, {s.RATINGS_PUBLISHED}, as reported (see Data & sources). "
    f"Boundaries: {s.OGL_ATTRIBUTION}"
)


def render_measure(bundle, info, measure: str, geojson: dict) -> None:
    """The overview for one of the user's measures: the same map and bell curve, their figures."""
    from charts.distribution import measure_histogram
    from charts.measure_map import measure_map
    from stp_data import metrics

    period = metrics.periods(bundle.metrics, measure)[-1]
    values = metrics.values_for(bundle.metrics, measure, period)
    names = data.names
    note = f"Your data: {info['title']}, {period}. {info['notes'] or ''}"
    map_column, chart_column = controls.columns([1, 1.2])
    with map_column:
        st.header(escape_markdown(f"{info['name']}, {period}"))
        controls.clickable_map(
            measure_map(geojson, values, names, label=info["short_name"], unit=info["unit"], decimals=1),
            key="user_measure_map",
            alt=f"Map of {info['name']} by footprint from your data.",
        )
        st.caption(escape_markdown(note))
    with chart_column:
        st.header(f"{plural(len(values), 'footprint')} in your file")
        spread = metrics.spread(values)
        st.plotly_chart(
            controls.shown(measure_histogram(values, names, unit=info["unit"], spread=spread, england=None, note=note)),
            key="user_measure_histogram",
            alt=f"Histogram of {info['name']} across footprints from your data.",
        )


data = page_data.current()
bundle, profiles, geojson, boundary_label = data.bundle, data.profiles, data.geojson, data.boundaries_label
numbers = data.overview_numbers()
middle = data.overview_tables()[1]
middle_count, unpublished = numbers.middle_count, numbers.unpublished
bell_note = data.bell_note
user_measures = (
    bundle.measures.loc[bundle.measures["theme"] == s.USER_THEME].set_index("measure")
    if data.has_user_measures
    else None
)

st.title(
    f"{middle_count} of {len(profiles)} footprints sit in the middle"
    if state.is_board() and not data.user_ratings
    else "STP progress ratings, July 2017"
)
if not state.is_board():  # on a shared screen the title says it; the map and bell curve come first
    st.markdown(
        f"NHS England rated all {len(profiles)} Sustainability and Transformation Partnerships on **21 July 2017**. "
        f"The top five and the bottom five were named; **the {middle_count} in the middle were barely reported**. "
        "Click a footprint on the map or in the list to open its page."
    )

for column, (group, footprints, population) in zip(st.columns(len(numbers.groups)), numbers.groups, strict=True):
    column.metric(
        HEADLINE_LABELS.get(group, group),
        plural(footprints, "footprint"),
        f"{population / 1e6:.1f} million people",
        delta_color="off",
        delta_arrow="off",
        help=f"{footprints} footprints, {population:,} people (ONS mid-2018).",
    )
named = numbers.named
st.caption(
    f"Population: ONS mid-2018 estimates, summed over member CCGs (England {numbers.population:,}). "
    + (
        f"Ratings from your file; {unpublished} footprints are not in it."
        if data.user_ratings
        else f"Of the middle {middle_count}, sources name {int(named['Advanced'])} Advanced and "
        f"{int(named['Making progress'])} Making progress; the other {unpublished} ratings were never published."
    )
)
controls.user_data_banner(data)
shown = "rating"
if user_measures is not None and not user_measures.empty:
    labels = {"rating": "July 2017 rating", **user_measures["name"].to_dict()}
    shown = state.url_selectbox("Colour the map by", list(labels), param="measure", format_func=labels.get)


def render_ratings() -> None:
    """The rating map, the bell curve and the middle list."""
    figures = data.overview_figures()
    if not data.join_report.complete:
        st.warning(
            escape_markdown(f"Map boundaries and footprint table do not fully match: {data.join_report.describe()}.")
        )

    # Side by side in presentation mode too: the map and the bell curve are the overview's one idea.
    map_column, chart_column = st.columns([1, 1.2], gap="medium")
    with map_column:
        st.header(f"{len(profiles)} footprints by July 2017 rating")
        map_figure = figures[0]
        controls.clickable_map(
            map_figure,
            key="rating_map",
            board_height=BOARD_CHART_HEIGHT,
            alt=(
                f"Map of England's {len(profiles)} STP footprints coloured by their July 2017 rating. "
                "The middle footprints are listed below."
            ),
        )
        st.caption(
            f"Grey: the {unpublished} footprints whose rating was one of the two middle bands, but no public source "
            "says which. " + MAP_SOURCE + f" Map drawn with {boundary_label}."
        )
        controls.chart_downloads(
            map_figure, name="stp-ratings-map", title="STP footprints by July 2017 rating", source=MAP_SOURCE
        )

    with chart_column:
        finding = f"{numbers.top} praised, {numbers.bottom} castigated, {middle_count} in the middle"
        st.header(finding)
        bell_figure = figures[1]
        if state.is_board():  # larger two-line tick labels: the legend moves down to clear them
            shown_bell = controls.figure(bell_figure, board_height=BOARD_CHART_HEIGHT)
            shown_bell.update_layout(legend={"y": -0.24}, margin={"b": 170})
        else:  # the shared figure's spec, made once (not a to_dict per run)
            shown_bell = controls.shown(bell_figure)
        st.plotly_chart(
            shown_bell,
            key="rating_bell",
            config={"displaylogo": False, "toImageButtonOptions": {"filename": "stp-ratings-bell-curve"}},
            alt="Bar chart of how many footprints got each rating, with a bell curve and the middle marked: "
            + numbers.bar_counts
            + ".",
        )
        st.caption(bell_note)
        controls.chart_downloads(bell_figure, name="stp-ratings-bell-curve", title=finding, source=bell_note)

    st.header(f"Who is in the middle? All {len(middle)} footprints")
    st.caption(
        "By NHS England region, with population (mid-2018) and the rating where a public source names it. "
        "Click a name to open that footprint; the full table is in the downloads below."
    )
    table, regions = data.overview_middle(middle)
    # Links, not a data grid: one click or Enter opens a footprint, screen readers can list them, and the
    # overview does not load the grid's code before it first paints (about 15% of first paint, measured).
    carried = state.params()  # presentation mode, carried by every link
    for column, (region, links) in zip(controls.columns([1, 1]) * 4, regions, strict=False):
        with column:
            st.markdown(f"**{escape_markdown(region)}**")
            for label, code in links:
                state.page_link(s.FOOTPRINT_PAGE, label=label, query_params={**carried, "stp": code})
    controls.table_downloads(table, name="stp-middle-footprints", source=bell_note)


def render_board_packs() -> None:
    """England and one NHS England region as PowerPoint and PDF, from the figures on this page."""
    st.header("Board packs")
    st.caption(
        "Slides (editable PowerPoint charts) and an A4 landscape PDF, with the sources and data dates on every page. "
        "They show the data this page shows, labelled as such."
    )
    england, region = st.columns(2)
    with england:
        packs_view.pack_controls(data, "england", "England", title="England board pack")
    with region:
        packs_view.region_pack_picker(data)


if shown == "rating":
    render_ratings()
else:
    render_measure(bundle, user_measures.loc[shown], shown, geojson)
render_board_packs()
