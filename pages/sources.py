"""Data & sources: every table, who published it, its licence, how it was made, and a download."""

from __future__ import annotations

import streamlit as st

import settings as s
from exports.csv import safe_csv_bytes
from geo.boundaries import BOUNDARIES_2017
from ui import cache, controls, state

state.ensure_app_frame()

bundle = cache.bundle()  # the bundled tables only: a user's files are theirs, not sources
tables = bundle.tables()

st.title("Data & sources")
st.markdown(
    "Every figure in this dashboard comes from a published source named here. Where no source gives a value, "
    "the dashboard says **not published**; no missing value is estimated or filled in. Three things are "
    "calculated here and labelled as such: rates per 100,000 people (published counts ÷ ONS population), England "
    "references (population-weighted across the 44 footprints) and footprint populations (sums of ONS CCG "
    "estimates). The GP workforce source itself imputes missing practice returns. Sources were compiled on "
    f"**{s.SOURCES_COMPILED}**; the ratings are as published on **{s.RATINGS_PUBLISHED}**."
)
st.info(
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2018. "
    "Contains OS data © Crown copyright and database right 2019.",
    icon=":material/copyright:",
)

st.header("Catalogue")
# What an executive reads: each table by its name, who published it, when and under which licence. The file
# paths and how each file was built are for analysts: in the CSV download and under "For analysts" below.
catalogue = bundle.sources[["title", "publisher", "published", "retrieved", "licence"]].rename(
    columns={
        "title": "Table",
        "publisher": "Publisher",
        "published": "Published",
        "retrieved": "Retrieved",
        "licence": "Licence",
    }
)
st.dataframe(
    catalogue,
    hide_index=True,
    width="stretch",
    placeholder="",
    column_config={"Table": st.column_config.TextColumn(width="large")},
)
st.download_button(
    "Download the catalogue with file names (CSV)",
    safe_csv_bytes(bundle.sources),
    file_name="stp-progress-sources.csv",
    mime="text/csv",
    on_click="ignore",
    key="download_sources",
)

for source in bundle.sources.itertuples():
    with st.expander(source.title, expanded=False):
        st.markdown(f"**Publisher:** {source.publisher}")
        st.markdown(f"**Where:** {source.urls}")
        st.markdown(f"**Published:** {source.published} · **Retrieved:** {source.retrieved}")
        st.markdown(f"**Licence:** {source.licence}")
        st.caption(f"For analysts: file `{source.file}`. How it was made: {source.derivation}")
        if source.table_id in tables:
            frame = tables[source.table_id]
            st.dataframe(frame, hide_index=True, width="stretch", placeholder="")
            controls.table_downloads(frame, name=source.table_id, source=f"{source.publisher}: {source.title}")
        elif source.table_id == "boundaries_2017":
            st.download_button(
                "Download the simplified boundaries (GeoJSON)",
                BOUNDARIES_2017.read_bytes(),
                file_name=BOUNDARIES_2017.name,
                mime="application/geo+json",
                on_click="ignore",
                key="download_boundaries_2017",
            )
