"""Controls every page shares, so presentation mode, exports and navigation behave the same everywhere."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings as s
from charts.style import MAP_CONFIG, for_board
from exports.csv import safe_csv_bytes
from exports.excel import table_xlsx_bytes
from exports.png import ExportUnavailableError, figure_png
from stp_data.links import escape_markdown, selected_location
from ui import state
from ui.page_data import PageData

# Presentation mode: no app chrome, no sidebar (nor the strip or control it leaves after switching mode on in a
# session), larger type, full width. Type sizes come from settings (one place); nothing a board reads is under
# settings.BOARD_MIN_FONT_PX. A constant stylesheet (no data in it).
BOARD_STYLE = f"""
<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"] {{ display: none !important; }}
[data-testid="stMain"] {{ margin-left: 0 !important; }}
html {{ font-size: {s.BOARD_BODY_FONT_PX}px !important; }}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{ font-size: {s.BOARD_BODY_FONT_PX}px; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100%; padding: 0.5rem 2.5rem 3rem 2.5rem; }}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p {{ font-size: 2.6rem !important; line-height: 1.2; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, [data-testid="stWidgetLabel"] p,
[data-testid="stMetricLabel"] p, [data-testid="stMetricDelta"] p, [data-testid="stExpander"] summary p,
[data-testid="stDownloadButton"] p, [data-testid="stButton"] p, [data-testid="stPopover"] p,
[data-testid="stPageLink"] p, [data-testid="stPageLink"] span, [data-testid="stCheckbox"] p
{{ font-size: {s.BOARD_CAPTION_FONT_PX}px !important; }}
[data-testid="stSelectbox"] div, [data-testid="stSelectbox"] input, [data-baseweb="popover"] li,
[data-testid="stTextInput"] input, [data-testid="stCode"] code
{{ font-size: {s.BOARD_BODY_FONT_PX}px !important; }}
[data-testid="stTable"] td, [data-testid="stTable"] th {{ font-size: {s.BOARD_TABLE_FONT_PX}px !important; }}
/* The data grid draws on a canvas (no CSS reaches its cells): zoom the grid's container to the board's table size;
   the grid measures the zoomed container, so it still fits the column's width. */
[data-testid="stElementContainer"]:has(> [data-testid="stDataFrame"]) {{ zoom: {s.BOARD_TABLE_FONT_PX / 14:.3f}; }}
[data-testid="stHeadingWithActionElements"] h1 {{ font-size: 2.2rem; padding-top: 0.25rem; }}
.st-key-board_pages {{ gap: 0.25rem 0.75rem; }}
.st-key-board_pages [data-testid="stPageLink"] a {{ padding: 0.1rem 0.4rem; }}
</style>
"""

# Every view: link text in captions and help is drawn in the theme's link colour (NHS blue, 5.7:1 on white);
# page links wrap rather than cut a long footprint name off.
PAGE_STYLE = """
<style>
[data-testid="stCaptionContainer"] a, [data-testid="stCaptionContainer"] a:visited { color: #005EB8 !important; }
[data-testid="stPageLink"] p, [data-testid="stPageLink"] span { white-space: normal; overflow-wrap: anywhere; }
[data-testid="stPageLink"] a { height: auto; }
</style>
"""


def columns(spec: list[float], gap: str = "medium") -> list:
    """Side by side on a laptop; one idea per row on a shared screen."""
    if state.is_board():
        return [st.container() for _ in spec]
    return st.columns(spec, gap=gap)


def figure(fig: go.Figure, *, board_height: int | None = None) -> go.Figure:
    """The figure as this view shows it: scaled up for a shared screen in presentation mode.

    `board_height` (px) sizes the chart to the screen in presentation mode, e.g. to keep it above the fold.
    """
    if not state.is_board():
        return fig
    board = for_board(fig)
    if board_height is not None:
        board.update_layout(height=board_height)
    return board


class _SentFigure(go.Figure):
    """A figure as st.plotly_chart sends it, its plain spec made once.

    st.plotly_chart asks a figure for `to_dict()` on every run: a deep copy, about 130 ms for the 44-panel SPC grid
    and tens of ms for a map, on every page a viewer opens. This one hands back a spec made once per shown figure
    (kept on that figure), so a page's run only pays for the JSON. Only for st.plotly_chart: it is empty as a
    figure."""

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._sent_spec = spec

    def to_dict(self) -> dict:
        return self._sent_spec


def _spec_once(fig: go.Figure, key: str, make) -> _SentFigure:
    """`make()` for `fig`, made once and kept on the figure under `key` (figures on a page are never changed after
    they are built: cached ones are shared read-only, the others are built afresh each run). The wrapper is kept too:
    even an empty go.Figure costs about 3 ms to build (it validates its template)."""
    made: dict = fig.__dict__.setdefault("_stp_sent_specs", {})
    if key not in made:
        made[key] = make()
    return made[key]


def shown(fig: go.Figure, *, board_height: int | None = None) -> go.Figure:
    """`figure(fig, board_height=...)` ready for st.plotly_chart and nothing else: its spec (and, in presentation
    mode, its board copy) made once per figure rather than on every run."""
    if not state.is_board():
        return _spec_once(fig, "laptop", lambda: _SentFigure(fig.to_dict()))
    return _spec_once(
        fig, f"board {board_height}", lambda: _SentFigure(figure(fig, board_height=board_height).to_dict())
    )


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
    """Which files beyond the bundled data this page shows, and where each came from (published, upload, folder)."""
    if data.files:
        listed = "; ".join(escape_markdown(item.described) for item in data.files)
        st.info(f"Including data beyond the bundled sources: {listed}.", icon=":material/upload_file:")


def clickable_map(fig: go.Figure, *, key: str, alt: str, board_height: int | None = None) -> None:
    """A footprint map where one click opens that footprint's page (board mode scaling applied)."""
    event = st.plotly_chart(
        shown(fig, board_height=board_height),
        key=key,
        on_select="rerun",
        selection_mode="points",
        config={**MAP_CONFIG, "toImageButtonOptions": {"filename": key}},
        alt=alt,
    )
    if (code := selected_location(event)) is not None:
        state.open_footprint(code)
