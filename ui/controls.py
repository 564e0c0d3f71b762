"""Controls every page shares, so presentation mode, exports and navigation behave the same everywhere."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.style import MAP_CONFIG, for_board
from exports.csv import safe_csv_bytes
from exports.excel import table_xlsx_bytes
from exports.png import ExportUnavailableError, figure_png
from stp_data.links import escape_markdown, selected_location
from ui import state
from ui.page_data import PageData

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


def columns(spec: list[float], gap: str = "medium") -> list:
    """Side by side on a laptop; one idea per row on a shared screen."""
    if state.is_board():
        return [st.container() for _ in spec]
    return st.columns(spec, gap=gap)


def figure(fig: go.Figure) -> go.Figure:
    """The figure as this view shows it: scaled up for a shared screen in presentation mode."""
    return for_board(fig) if state.is_board() else fig


def share_control(page_path: str) -> None:
    """The exact address of this view, with a copy button (st.code has one)."""
    with st.popover("Share this view", icon=":material/link:"):
        st.caption("Copy this address: it reopens this page with the same footprint, measure, period and mode.")
        st.code(state.current_url(page_path), language=None, wrap_lines=True)


def board_toggle() -> None:
    """Switch presentation mode on or off, keeping everything else in the URL."""
    on = st.toggle(
        "Presentation mode",
        value=state.is_board(),
        key="board_toggle",
        help="Large type, no sidebar: for a shared screen.",
    )
    if on != state.is_board():
        state.set_board(on)
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


def user_data_banner(data: PageData) -> None:
    if data.files:
        listed = "; ".join(f"{escape_markdown(item.file_name)} (loaded {item.loaded_at})" for item in data.files)
        st.info(
            f"Including **your data**: {listed}. It stays in this browser session only.", icon=":material/upload_file:"
        )


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
        state.open_footprint(code)
