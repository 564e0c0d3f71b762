"""Load data: an analyst's own metrics, ratings or boundaries, validated with a report before anything is shown.

Metrics go through the mapping step (ui.load_view): the report with the prefilled mapping, then every choice
shown and changeable, saved as a mapping file for next month.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

import settings as s
from charts.style import MAP_CONFIG
from exports.csv import safe_csv_bytes
from stp_data.errors import DataValidationError
from stp_data.links import escape_markdown
from stp_data.upload import COLUMN_ALIASES, MAX_UPLOAD_BYTES, parse_ratings_file, template_table
from ui import load_view, page_data, publish, session, state

state.ensure_app_frame()

PENDING = "pending_upload"
KINDS = {
    "Metrics (one row per footprint, measure and period)": "metrics",
    "Ratings (footprint code, rating)": "ratings",
    "Boundaries (GeoJSON, GeoPackage or zipped shapefile)": "boundaries",
}


FATES = ["code", "map", "what it shows"]
# A file over the limit never reaches the server (the uploader refuses it in the browser), so the page cannot
# say so with st.error: Streamlit puts the reason ("File must be 20.0MB or smaller.") in a hidden alert next to a
# red icon. This constant stylesheet (no data in it) shows that reason under the file's name, in the error red.
OVER_LIMIT_STYLE = """<style>
[data-testid="stFileChip"][aria-invalid="true"] { flex-wrap: wrap; max-width: none; height: auto; }
[data-testid="stFileChip"][aria-invalid="true"] span[role="alert"] {
  position: static !important; width: auto !important; height: auto !important; margin: 0.25rem 0 0 0 !important;
  clip: auto !important; clip-path: none !important; overflow: visible !important; white-space: normal !important;
  flex-basis: 100%; color: #B2182B; font-weight: 600; font-size: 0.875rem;
}
</style>"""
LIMIT_NOTE = f"At most {s.MAX_UPLOAD_MB} MB per file: a bigger file is refused before it is sent. "


def boundary_upload_section() -> None:
    """Boundaries of another vintage (e.g. the 42 footprints of 2018): pick the code column, check, preview, use."""
    from charts.rating_map import rating_map
    from geo.boundaries import (
        BoundaryError,
        coverage_sentence,
        geojson_size_bytes,
        join_by_code,
        simplify_preserving_borders,
        to_geojson,
    )
    from geo.upload import read_uploaded_boundaries

    uploaded = st.file_uploader(
        "Choose a boundary file",
        type=list(s.BOUNDARY_EXTENSIONS),
        key="boundary_file",
        max_upload_size=s.MAX_UPLOAD_MB,
    )
    st.caption(LIMIT_NOTE + "Zip a shapefile, or simplify the shapes (500 m is plenty for a map of England).")
    if uploaded is not None:
        if uploaded.size > s.MAX_UPLOAD_BYTES:
            st.error(escape_markdown(load_view.too_big_message(uploaded.name, uploaded.size)), icon=":material/error:")
            return
        try:
            upload = read_uploaded_boundaries(uploaded.getvalue(), uploaded.name)
            columns = [*upload.candidate_code_columns] + [
                c for c in upload.frame.columns if c not in upload.candidate_code_columns and c != "geometry"
            ]
            code_column = st.selectbox(
                "Which column holds the area codes?", columns, key="boundary_code_column", format_func=str
            )
            shapes, repairs = upload.checked(code_column, name_column(upload.frame, code_column))
        except BoundaryError as error:
            st.error(escape_markdown(f"These boundaries can't be used: {error}"), icon=":material/error:")
            return
        for note in upload.notes:
            st.caption(escape_markdown(note))
        for note in repairs.notes():
            st.warning(escape_markdown(note[:1].upper() + note[1:]), icon=":material/build:")
        if shapes.empty:
            st.error("No feature in this file is an area that can be drawn.", icon=":material/error:")
            return
        _, report = join_by_code(shapes, data.profiles[["code"]], "code")
        st.metric("Areas in the file", len(shapes))
        st.markdown("**What happens to every area**")
        fates = pd.concat(
            [report.fates(), pd.DataFrame([(c, "not drawn", why) for c, why in repairs.excluded], columns=FATES)],
            ignore_index=True,
        )
        for codes_done, what in (
            (repairs.repaired, "invalid shape repaired"),
            (repairs.polygons_extracted, "kept its areas only"),
        ):
            done = fates["code"].isin(codes_done) & fates["map"].eq("drawn")
            fates.loc[done, "what it shows"] += f" ({what})"
        names = dict(zip(shapes["code"], shapes["name"], strict=True)) if "name" in shapes else {}
        fates.insert(1, "name", fates["code"].map(names).fillna(fates["code"].map(data.names)).fillna(""))
        st.dataframe(fates, hide_index=True, width="stretch", key="boundary_fates")
        geojson = to_geojson(shapes)
        if geojson_size_bytes(geojson) > 400_000:
            geojson = to_geojson(simplify_preserving_borders(shapes, 500))
            st.caption("Simplified for the browser (coverage simplification, 500 m).")
        st.plotly_chart(
            rating_map(geojson, data.profiles),
            key="boundary_preview",
            config=MAP_CONFIG,
            alt="Preview of the boundaries in your file, coloured by July 2017 rating where the codes match.",
        )
        st.caption(
            escape_markdown(coverage_sentence(shapes["code"], data.profiles))
            + ". Areas without a 2017 code are drawn but show no July 2017 figures; your own metrics may use "
            "their codes."
        )
        if st.button("Use these boundaries", type="primary", key="confirm_boundaries"):
            session.set_user_boundaries(
                {
                    "geojson": geojson,
                    "file_name": uploaded.name,
                    "loaded_at": datetime.now().strftime(s.LOADED_AT_FORMAT),
                }
            )
            page_data.invalidate()
            st.success(escape_markdown(f"Maps now draw {uploaded.name}."))
    if session.user_boundaries() is not None and st.button("Go back to the 2017 boundaries", key="clear_boundaries"):
        session.set_user_boundaries(None)
        st.rerun()


def name_column(frame, code_column: str) -> str | None:
    """The column of area names next to the codes (stp20nm, name, …), if the file has one."""
    for column in frame.columns:
        text = str(column).lower()
        if column != code_column and (text.endswith("nm") or text.endswith("name")):
            return column
    return None


def table_upload_section(kind: str) -> None:
    """Metrics (with the mapping step) or ratings (read, report, confirm)."""
    if kind == "metrics":
        # Several files (or a zip of them) at once: NHS England's monthly A&E files, a month each.
        chosen = st.file_uploader(
            "Choose a CSV or Excel file (or several monthly provider files, or a zip of them)",
            type=[*s.TABLE_EXTENSIONS, "zip"],
            key="upload_file",
            max_upload_size=s.MAX_UPLOAD_MB,
            accept_multiple_files=True,
        )
        st.caption(LIMIT_NOTE + "Split it, for example one file per year or per measure.")
        if chosen:
            load_view.table_files_section(list(chosen), codes)
        return
    uploaded = st.file_uploader(
        "Choose a CSV or Excel file", type=list(s.TABLE_EXTENSIONS), key="upload_file", max_upload_size=s.MAX_UPLOAD_MB
    )
    st.caption(LIMIT_NOTE + "Split it, for example one file per year or per measure.")
    if uploaded is None:
        return
    if uploaded.size > s.MAX_UPLOAD_BYTES:
        st.error(escape_markdown(load_view.too_big_message(uploaded.name, uploaded.size)), icon=":material/error:")
        return
    try:
        # Parsed once per file: every click on this page reruns the script.
        parsed = st.session_state.get(PENDING)
        if parsed is None or parsed[:2] != (uploaded.file_id, kind):
            parsed = (uploaded.file_id, kind, parse_ratings_file(uploaded.getvalue(), uploaded.name, codes))
            st.session_state[PENDING] = parsed
        upload = parsed[2]
    except DataValidationError as error:
        load_view.show_refusal(error)
        return
    load_view.upload_report(upload, uploaded.name, uploaded.getvalue(), len(upload.accepted), len(upload.rejected))


data = page_data.current()
bundle = data.bundle
codes = data.known_codes

st.html(OVER_LIMIT_STYLE)
st.title("Load your data")
st.markdown(
    "See your latest figures (this month's workforce return, the finance position, your own ratings, NHS England's "
    "monthly A&E provider files) on the same maps, bell curves and gauges. " + publish.storage_sentence()
)
with st.expander("The layout, accepted column names and limits", expanded=False):
    st.markdown(
        "**Tidy layout**: one row per footprint × measure × period with columns `code`, `measure`, `period`, "
        "`value`, `unit`, and optionally `polarity` (higher is better / lower is better), `target`, `source`, "
        "`population`. A **wide** layout (a code column and one column per measure) is detected and converted. "
        f"CSV (UTF-8 or Windows-1252) or Excel .xlsx, at most {MAX_UPLOAD_BYTES // 1_000_000} MB. "
        "Title rows above the header, thousands separators and % signs are fine."
    )
    st.dataframe(
        [{"column": name, "also accepted": ", ".join(aliases)} for name, aliases in COLUMN_ALIASES.items()],
        hide_index=True,
    )
    st.download_button(
        "Download the template (CSV, pre-filled with the bundled data)",
        data=lambda: safe_csv_bytes(template_table(bundle.metrics, bundle.measures)),
        file_name="stp-progress-template.csv",
        mime="text/csv",
        on_click="ignore",
        key="template",
    )

kind = KINDS[st.radio("What is in the file?", list(KINDS), horizontal=True, key="upload_kind")]
if kind == "boundaries":
    boundary_upload_section()
else:
    table_upload_section(kind)
files = page_data.user_files()
if files:
    st.header("Loaded in this session")
    for item in files:
        st.markdown(f"- {escape_markdown(item.file_name)}: {len(item.upload.accepted):,} rows, loaded {item.loaded_at}")
    for caption in page_data.user_month_captions():
        st.caption(escape_markdown(caption))
    if st.button("Remove my data from this session", key="clear_upload"):
        session.clear_user_files()
        st.rerun()
for problem in page_data.folder_problems():
    st.warning(escape_markdown(f"Data folder: {problem}"))
