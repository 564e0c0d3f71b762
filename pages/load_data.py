"""Load data: an analyst's own metrics or ratings, validated with a report before anything is shown."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

import settings as s
from charts.style import MAP_CONFIG
from exports.csv import safe_csv_bytes
from stp_data.errors import DataValidationError
from stp_data.links import escape_markdown
from stp_data.upload import (
    COLUMN_ALIASES,
    MAX_UPLOAD_BYTES,
    MetricsUpload,
    parse_metrics_file,
    parse_ratings_file,
    template_table,
)
from stp_data.user_data import LoadedFile
from ui import page_data, session, state

state.ensure_app_frame()

PENDING = "pending_upload"
KINDS = {
    "Metrics (one row per footprint, measure and period)": "metrics",
    "Ratings (footprint code, rating)": "ratings",
    "Boundaries (GeoJSON, GeoPackage or zipped shapefile)": "boundaries",
}


def boundary_upload_section() -> None:
    """Boundaries of another vintage (e.g. the 42 footprints of 2018): pick the code column, check, use."""
    from charts.rating_map import rating_map
    from geo.boundaries import BoundaryError, geojson_size_bytes, join_by_code, simplify_preserving_borders, to_geojson
    from geo.upload import read_uploaded_boundaries

    uploaded = st.file_uploader(
        "Choose a boundary file",
        type=list(s.BOUNDARY_EXTENSIONS),
        key="boundary_file",
        max_upload_size=s.MAX_UPLOAD_MB,
    )
    if uploaded is not None:
        try:
            upload = read_uploaded_boundaries(uploaded.getvalue(), uploaded.name)
            columns = [*upload.candidate_code_columns] + [
                c for c in upload.frame.columns if c not in upload.candidate_code_columns and c != "geometry"
            ]
            code_column = st.selectbox("Which column holds the area codes?", columns, key="boundary_code_column")
            shapes = upload.boundaries(code_column)
        except BoundaryError as error:
            st.error(escape_markdown(f"These boundaries can't be used: {error}"), icon=":material/error:")
            return
        for note in upload.notes:
            st.caption(escape_markdown(note))
        _, report = join_by_code(shapes, data.profiles[["code"]], "code")
        st.metric("Areas in the file", len(shapes))
        st.caption(
            f"Matched to the 2017 tables by code: {report.describe()}. Areas without a match are drawn "
            "but show no July 2017 figures; your own metrics may use their codes."
        )
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


def table_upload_section(kind: str) -> None:
    """Metrics or ratings: read, validate, report, confirm."""
    uploaded = st.file_uploader(
        "Choose a CSV or Excel file", type=list(s.TABLE_EXTENSIONS), key="upload_file", max_upload_size=s.MAX_UPLOAD_MB
    )

    if uploaded is not None:
        reader = parse_metrics_file if kind == "metrics" else parse_ratings_file
        try:
            # Parsed once per file: every click on this page reruns the script.
            parsed = st.session_state.get(PENDING)
            if parsed is None or parsed[:2] != (uploaded.file_id, kind):
                parsed = (uploaded.file_id, kind, reader(uploaded.getvalue(), uploaded.name, codes))
                st.session_state[PENDING] = parsed
            upload = parsed[2]
        except DataValidationError as error:
            st.error(escape_markdown(f"This file can't be used: {error}"), icon=":material/error:")
            for problem in error.problems[1:20]:
                st.caption(escape_markdown(problem.describe()))
            return
        accepted, rejected = len(upload.accepted), len(upload.rejected)
        st.header("Validation report")
        read_col, ok_col, bad_col = st.columns(3)
        read_col.metric("Rows read", f"{upload.rows_read:,}")
        ok_col.metric("Accepted", f"{accepted:,}")
        bad_col.metric("Rejected", f"{rejected:,}")
        for note in upload.notes:
            st.caption(escape_markdown(note))
        if isinstance(upload, MetricsUpload) and not upload.measures.empty:
            st.markdown("**Measures found**")
            st.dataframe(upload.measures[["measure", "name", "unit", "polarity"]], hide_index=True)
        if rejected:
            st.markdown("**Rejected rows** (row numbers as your spreadsheet shows them)")
            st.dataframe(upload.rejected, hide_index=True, width="stretch", key="rejected_rows")
            st.download_button(
                "Download rejected rows with reasons (CSV)",
                safe_csv_bytes(upload.rejected),
                file_name=f"rejected-{uploaded.name}.csv",
                mime="text/csv",
                on_click="ignore",
                key="rejected_download",
            )
        if accepted and st.button(f"Use the {accepted:,} accepted rows", type="primary", key="confirm_upload"):
            session.add_user_file(LoadedFile(uploaded.name, datetime.now().strftime(s.LOADED_AT_FORMAT), upload))
            page_data.invalidate()
            st.success(
                escape_markdown(
                    f"Loaded {uploaded.name}. Its figures now appear on the overview, footprint pages and Your data."
                )
            )


data = page_data.current()
bundle = data.bundle
codes = data.known_codes

st.title("Load your data")
st.markdown(
    "See your latest figures (this month's workforce return, the finance position, your own ratings) on the same "
    "maps, bell curves and gauges. Files stay in this browser session only: nothing is saved or shared."
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
    if st.button("Remove my data from this session", key="clear_upload"):
        session.clear_user_files()
        st.rerun()
for problem in page_data.folder_problems():
    st.warning(escape_markdown(f"Data folder: {problem}"))
