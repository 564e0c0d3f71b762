"""Overview: the map, the bell curve and the middle, at a glance."""

from __future__ import annotations

import streamlit as st

from charts.bell_curve import rating_bell_curve
from charts.rating_map import rating_map
from stp_data import cached, ratings
from stp_data.links import selected_location, selected_row

cached.ensure_app_frame()

FOOTPRINT = "pages/footprint.py"
MAP_KEY = "rating_map"
MIDDLE_KEY = "middle_table"
HEADLINE_LABELS = {
    "Outstanding": "Top: Outstanding",
    "The middle": "The middle",
    "Needs most improvement": "Bottom: Needs most improvement",
}


def open_footprint(code: str) -> None:
    st.switch_page(FOOTPRINT, query_params={"stp": code})


bundle = cached.bundle()
profiles = cached.profiles()
geojson, join_report = cached.map_geometry()
bars, curve = cached.rating_bars()
counts = ratings.chart_counts(bundle.distribution)
summary = ratings.group_summary(profiles, counts)
middle = ratings.middle_footprints(profiles)

st.title("STP progress ratings, July 2017")
st.markdown(
    "NHS England rated all 44 Sustainability and Transformation Partnerships on **21 July 2017**. "
    "The top five and the bottom five were named; **the 34 in the middle were barely reported**. "
    "Click a footprint on the map or in the list to open its page."
)

columns = st.columns(len(summary))
for column, row in zip(columns, summary.itertuples(), strict=True):
    column.metric(
        HEADLINE_LABELS.get(row.group, row.group),
        f"{row.footprints} footprints",
        f"{row.population / 1e6:.1f} million people",
        delta_color="off",
        delta_arrow="off",
        help=f"{row.footprints} footprints, {row.population:,} people (ONS mid-2018).",
    )
st.caption(
    f"Population: ONS mid-2018 estimates, summed over member CCGs (England {int(profiles['population'].sum()):,}). "
    f"Of the middle {int(summary.loc[1, 'footprints'])}, sources name {int(bars.loc[1, 'named'])} Advanced and "
    f"{int(bars.loc[2, 'named'])} Making progress; "
    f"the other {int(profiles['rating'].isna().sum())} ratings were never published."
)
if not join_report.complete:
    st.warning(f"Map boundaries and footprint table do not fully match: {join_report.describe()}.")

map_column, chart_column = st.columns([1, 1.2], gap="medium")
with map_column:
    st.subheader("Footprints by July 2017 rating")
    event = st.plotly_chart(
        rating_map(geojson, profiles),
        key=MAP_KEY,
        on_select="rerun",
        selection_mode="points",
        config={
            "scrollZoom": False,
            "displaylogo": False,
            "toImageButtonOptions": {"filename": "stp-ratings-map", "scale": 2},
        },
        alt=(
            f"Map of England's {len(profiles)} STP footprints coloured by their July 2017 rating. "
            "The middle footprints are listed in the table below."
        ),
    )
    if (code := selected_location(event)) is not None:
        open_footprint(code)
    st.caption(
        "Grey: the rating was one of the two middle bands, but no public source says which. "
        "Boundaries: ONS (OGL v3), 2017 footprints rebuilt from 2018 STP and 2019 CCG boundaries."
    )

with chart_column:
    st.subheader("The bell curve of ratings")
    st.plotly_chart(
        rating_bell_curve(bars, curve, note=ratings.distribution_note(bundle.distribution)),
        key="rating_bell",
        config={"displaylogo": False, "toImageButtonOptions": {"filename": "stp-ratings-bell-curve", "scale": 2}},
        alt="Bar chart of how many footprints got each rating, with a bell curve and the middle marked: "
        + ", ".join(f"{row.total} {row.rating}" for row in bars.itertuples())
        + ".",
    )

st.subheader(f"Who is in the middle? All {len(middle)} footprints")
st.caption("Select a row to open that footprint. Ratings shown only where a public source names them.")
table = middle[["code", "name", "region", "population", "rating_shown", "care_system"]].rename(
    columns={
        "code": "Code",
        "name": "Footprint",
        "region": "NHS England region",
        "population": "Population (mid-2018)",
        "rating_shown": "July 2017 rating",
        "care_system": "Became ACS/ICS",
    }
)
table["Became ACS/ICS"] = table["Became ACS/ICS"].fillna("Not by June 2019")
picked = st.dataframe(
    table,
    key=MIDDLE_KEY,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    width="stretch",
    column_config={"Population (mid-2018)": st.column_config.NumberColumn(format="localized")},
)
if (row := selected_row(picked)) is not None:
    open_footprint(table.iloc[int(row)]["Code"])
