"""STP Progress: the frame around every page (navigation, footprint search, board mode, share, provenance)."""

from __future__ import annotations

import streamlit as st

from stp_data import cached, view
from stp_data.links import parse_footprint_param

OVERVIEW = "pages/overview.py"
FOOTPRINT = "pages/footprint.py"
SOURCES = "pages/sources.py"
WORKFORCE = "pages/workforce.py"
FINANCE = "pages/finance.py"
YOUR_DATA = "pages/your_data.py"
LOAD_DATA = "pages/load_data.py"
SEARCH_KEY = "footprint_search"
SEARCH_SHOWS = "_footprint_search_shows"
NOTICE = "_link_notice"
PROVENANCE = (
    "Ratings: NHS England STP progress dashboard, baseline view, 21 July 2017, as reported by the "
    "publishers named on each footprint. Sources compiled 23 November 2026."
)


def footprint_search(current: str | None) -> None:
    """One search box: type a name or a code, jump to that footprint."""
    profiles = cached.profiles()
    labels = dict(zip(profiles["code"], profiles["name"] + " · " + profiles["code"], strict=True))
    if st.session_state.get(SEARCH_SHOWS) != current:
        # The URL moved (link, map click, back button): show its footprint.
        st.session_state[SEARCH_KEY] = current
        st.session_state[SEARCH_SHOWS] = current
    choice = st.selectbox(
        "Find a footprint",
        options=sorted(labels, key=labels.get),
        format_func=labels.get,
        index=None,
        placeholder="Type a name or an E54 code",
        key=SEARCH_KEY,
        help="Search all 44 STP footprints by name or ONS code.",
    )
    if choice is not None and choice != current:
        view.open_footprint(choice)


def provenance_footer() -> None:
    st.caption(PROVENANCE)
    st.caption("Boundaries and population: " + cached.OGL_ATTRIBUTION)


def board_bar() -> st.delta_generator.DeltaGenerator:
    """In presentation mode the sidebar is gone: the way out and the share link sit on top.

    Returns the slot for the share link, filled after the page has put its state in the URL.
    """
    st.html(view.BOARD_STYLE)
    leave, share, _ = st.columns([1.6, 1.2, 2])
    with leave:
        if st.button("Leave presentation mode", icon=":material/close_fullscreen:"):
            st.query_params.pop("mode", None)
            st.rerun()
    return share.container()


def main() -> None:
    st.set_page_config(
        page_title="STP Progress", layout="wide"
    )  # no page_icon: icons other than files are fetched from a CDN
    pages = [
        st.Page(OVERVIEW, title="Overview", default=True),
        st.Page(FOOTPRINT, title="Footprint", url_path="footprint"),
        st.Page(WORKFORCE, title="Workforce", url_path="workforce"),
        st.Page(FINANCE, title="Finance", url_path="finance"),
        st.Page(YOUR_DATA, title="Your data", url_path="your-data"),
        st.Page(LOAD_DATA, title="Load data", url_path="load-data"),
        st.Page(SOURCES, title="Data & sources", url_path="sources"),
    ]
    board = view.is_board()
    page = st.navigation(pages, position="hidden" if board else "sidebar")

    linked = parse_footprint_param(st.query_params.get("stp"), set(cached.profiles()["code"]))
    if linked.notice:
        # Drop the bad parameter from the URL and show the overview with the notice.
        st.session_state[NOTICE] = linked.notice
        st.switch_page(OVERVIEW, query_params=view.params())
    if linked.code and page.url_path == "":
        # "/?stp=CODE" is the short deep link: open that footprint's page.
        view.open_footprint(linked.code)

    cached.freeze_startup_heap()  # once per server process
    share_slot = board_bar() if board else None
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(notice, icon=":material/info:")
    try:
        page.run()
    finally:
        # After the page ran (or stopped early), so the link carries the state it chose.
        if board:
            with share_slot:
                view.share_control(page.url_path)
            provenance_footer()
        else:
            with st.sidebar:
                footprint_search(linked.code if page.url_path == "footprint" else None)
                view.board_toggle()
                view.share_control(page.url_path)
                provenance_footer()


main()
