"""View state that lives in the URL (board mode, share link) and the controls every page shares.

Streamlit glue: pages call these so that board mode, exports and navigation behave the same
everywhere. The pure parts (parsing, URL building, figures, files) live in stp_data.links,
charts and stp_data.export.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.export import ExportUnavailableError, figure_png
from charts.footprint_figures import FootprintFigures
from charts.footprint_figures import footprint_figures as build_footprint_figures
from charts.style import MAP_CONFIG, for_board
from stp_data import cached, ratings
from stp_data.export import safe_csv_bytes
from stp_data.links import VIEW_PARAMS, escape_markdown, selected_location, share_url
from stp_data.loading import Bundle
from stp_data.spreadsheet import table_xlsx_bytes
from stp_data.user_data import LoadedFile, user_rating_counts, with_user_metrics, with_user_ratings

BOARD = "board"
USER_FILES = "user_files"
_MERGED = "_merged_user_data"
FOOTPRINT = "pages/footprint.py"

# Presentation mode: no app chrome, larger type, full width. A constant stylesheet (no data in it).
BOARD_STYLE = """
<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
html { font-size: 22px !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.25rem; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1.5rem 3rem 3rem 3rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 3.2rem !important; line-height: 1.2; }
[data-testid="stCaptionContainer"] p { font-size: 0.9rem; }
</style>
"""


def is_board() -> bool:
    return st.query_params.get("mode") == BOARD


def params(**extra: str | None) -> dict[str, str]:
    """Query parameters for a page switch: carries board mode, adds the target's own."""
    carried = {"mode": BOARD} if is_board() else {}
    return {**carried, **{key: value for key, value in extra.items() if value}}


def open_footprint(code: str) -> None:
    st.switch_page(FOOTPRINT, query_params=params(stp=code))


def columns(spec: list[float], gap: str = "medium") -> list:
    """Side by side on a laptop; one idea per row on a shared screen."""
    if is_board():
        return [st.container() for _ in spec]
    return st.columns(spec, gap=gap)


def figure(fig: go.Figure) -> go.Figure:
    return for_board(fig) if is_board() else fig


def current_url(page_path: str) -> str:
    current = {key: st.query_params.get(key) for key in VIEW_PARAMS}
    return share_url(st.context.url, page_path, current)


def share_control(page_path: str) -> None:
    """The exact address of this view, with a copy button (st.code has one)."""
    with st.popover("Share this view", icon=":material/link:"):
        st.caption("Copy this address: it reopens this page with the same footprint, measure, period and mode.")
        st.code(current_url(page_path), language=None, wrap_lines=True)


def board_toggle() -> None:
    """Switch presentation mode on or off, keeping everything else in the URL."""
    on = st.toggle(
        "Presentation mode", value=is_board(), key="board_toggle", help="Large type, no sidebar: for a shared screen."
    )
    if on != is_board():
        if on:
            st.query_params["mode"] = BOARD
        else:
            st.query_params.pop("mode", None)
        st.rerun()


def chart_downloads(fig: go.Figure, *, name: str, title: str, source: str) -> None:
    """PNG at presentation resolution, drawn on click (it takes a few seconds)."""

    def render() -> bytes:
        try:
            return figure_png(fig, title=title, source_line=source)
        except ExportUnavailableError as error:
            st.toast(str(error))
            raise

    st.download_button(
        "Download chart (PNG)",
        data=render,
        file_name=f"{name}.png",
        mime="image/png",
        on_click="ignore",
        icon=":material/image:",
        key=f"png_{name}",
    )


def table_downloads(frame: pd.DataFrame, *, name: str, source: str) -> None:
    left, right = st.columns(2)
    with left:
        st.download_button(
            "Download table (CSV)",
            data=lambda: safe_csv_bytes(frame),  # made on click, not on every run
            file_name=f"{name}.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key=f"csv_{name}",
        )
    with right:
        st.download_button(
            "Download table (Excel)",
            data=lambda: table_xlsx_bytes(frame, name, source_line=source),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            icon=":material/table:",
            key=f"xlsx_{name}",
        )


def user_files() -> list[LoadedFile]:
    """The data folder's files (if any), then this session's confirmed uploads, oldest first."""
    folder = cached.data_folder()
    from_folder = cached.folder_files(str(folder))[0] if folder else []
    return [*from_folder, *st.session_state.get(USER_FILES, [])]


def add_user_file(item: LoadedFile) -> None:
    """Kept in this session only: never written to disk, never shared with other sessions."""
    st.session_state[USER_FILES] = [*st.session_state.get(USER_FILES, []), item]


def _merged() -> tuple[Bundle, pd.DataFrame]:
    files = user_files()
    cached_merge = st.session_state.get(_MERGED)
    same = cached_merge is not None and len(cached_merge[0]) == len(files)
    if not (same and all(a is b for a, b in zip(cached_merge[0], files, strict=True))):
        signature = tuple(files)
        merged = (with_user_metrics(cached.bundle(), files), with_user_ratings(cached.profiles(), files))
        st.session_state[_MERGED] = (signature, *merged)
        return merged
    return cached_merge[1], cached_merge[2]


def active_bundle() -> Bundle:
    """The bundled tables plus any data the user loaded."""
    return _merged()[0] if user_files() else cached.bundle()


def active_profiles() -> pd.DataFrame:
    return _merged()[1] if user_files() else cached.profiles()


def uses_user_ratings() -> bool:
    return any(not hasattr(item.upload, "measures") for item in user_files())


def rating_bars(profiles: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not uses_user_ratings():
        return cached.rating_bars()
    bars = ratings.bars(profiles, user_rating_counts(profiles))
    return bars, ratings.normal_curve(bars)


def user_data_banner() -> None:
    files = user_files()
    if files:
        listed = "; ".join(f"{escape_markdown(item.file_name)} (loaded {item.loaded_at})" for item in files)
        st.info(
            f"Including **your data**: {listed}. It stays in this browser session only.", icon=":material/upload_file:"
        )


def url_selectbox(label: str, options: list[str], *, param: str, default: str | None = None, **kwargs) -> str:
    """A selectbox whose choice lives in the URL (?param=value), so a copied link reopens it.

    An absent or unknown value in the URL falls back to the default without a fuss.
    """
    wanted = st.query_params.get(param)
    if wanted not in options:
        wanted = default if default in options else options[0]
    key, synced = f"url_{param}", f"url_{param}_synced"
    if st.session_state.get(synced) != wanted or st.session_state.get(key) not in options:
        st.session_state[key] = wanted
    value = st.selectbox(label, options, key=key, **kwargs)
    st.query_params[param] = value
    st.session_state[synced] = value
    return value


USER_BOUNDARIES = "user_boundaries"


def map_geometry() -> tuple[dict, str]:
    """The GeoJSON the maps draw, and whose boundaries they are (for the caption)."""
    user = st.session_state.get(USER_BOUNDARIES)
    if user is not None:
        return user["geojson"], f"your boundaries ({user['file_name']}, loaded {user['loaded_at']})"
    return cached.map_geometry()[0], "ONS 2017 footprints (OGL v3)"


def known_codes() -> list[str]:
    """Codes a user's file may use: the 44 footprints, plus those of boundaries they loaded."""
    user = st.session_state.get(USER_BOUNDARIES)
    extra = [f["id"] for f in user["geojson"]["features"]] if user is not None else []
    return sorted({*cached.profiles()["code"], *extra})


def uses_bundled_data_only() -> bool:
    """No file, folder or boundaries of the user's: figures are the same for every viewer and can be shared."""
    return not user_files() and st.session_state.get(USER_BOUNDARIES) is None


def overview_figures(geojson: dict, profiles: pd.DataFrame, bars: pd.DataFrame, curve: pd.DataFrame, note: str):
    """The overview's map and bell curve: built once for the bundled data, per view for the user's."""
    from charts.bell_curve import rating_bell_curve
    from charts.rating_map import rating_map

    if uses_bundled_data_only():
        return cached.default_overview_figures()
    return rating_map(geojson, profiles), rating_bell_curve(bars, curve, note=note)


def overview_tables(profiles: pd.DataFrame, bars: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Headline numbers (top, middle, bottom) and the middle footprints: shared for the bundled data."""
    if uses_bundled_data_only():
        return cached.default_overview_tables()
    return ratings.group_summary(profiles, bars.set_index("rating")["total"]), ratings.middle_footprints(profiles)


def bell_note() -> str:
    return "Counts: your ratings file (see the banner above)." if uses_user_ratings() else cached.distribution_note()


def footprint_figures(bundle: Bundle, profiles: pd.DataFrame, profile: pd.Series) -> FootprintFigures:
    """A footprint page's bell curve and gauges: built once per footprint for the bundled data, per view otherwise."""
    if uses_bundled_data_only():
        return cached.default_footprint_figures(profile["code"])
    bars, curve = rating_bars(profiles)
    return build_footprint_figures(bundle, profile, bars, curve, areas=len(known_codes()))


def clickable_map(fig: go.Figure, *, key: str, alt: str) -> None:
    """A footprint map where one click opens that footprint's page (board mode scaling applied)."""
    event = st.plotly_chart(
        figure(fig),
        key=key,
        on_select="rerun",
        selection_mode="points",
        config={**MAP_CONFIG, "toImageButtonOptions": {"filename": key}},
        alt=alt,
    )
    if (code := selected_location(event)) is not None:
        open_footprint(code)
