"""STP Progress: the frame around every page (navigation, footprint search, board mode, share, provenance).

Start it with `bash .ci/dashboard` (or `python -m ui.serve`), which also fixes Streamlit's first-request quirk
with a folder named pages/ (see ui/serve.py).
"""

from __future__ import annotations

import streamlit as st

import settings as s
from stp_data.links import parse_footprint_param
from ui import cache, controls, page_data, state

SEARCH_KEY = "footprint_search"
SEARCH_SHOWS = "_footprint_search_shows"
NOTICE = "_link_notice"
PROVENANCE = (
    f"Ratings: NHS England STP progress dashboard, baseline view, {s.RATINGS_PUBLISHED}, as reported by the "
    f"publishers named on each footprint. Sources compiled {s.SOURCES_COMPILED}."
)


def footprint_search(current: str | None) -> None:
    """One search box: type a name or a code, jump to that footprint."""
    profiles = cache.profiles()
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
        help=f"Search all {len(labels)} STP footprints by name or ONS code.",
    )
    if choice is not None and choice != current:
        state.open_footprint(choice)


def provenance_footer() -> None:
    st.caption(PROVENANCE)
    st.caption("Boundaries and population: " + s.OGL_ATTRIBUTION)


def board_bar() -> st.delta_generator.DeltaGenerator:
    """In presentation mode the sidebar is gone: the way out and the share link sit on top.

    Returns the slot for the share link, filled after the page has put its state in the URL.
    """
    st.html(controls.BOARD_STYLE)
    leave, share, _ = st.columns([1.6, 1.2, 2])
    with leave:
        if st.button("Leave presentation mode", icon=":material/close_fullscreen:"):
            state.set_board(False)
            st.rerun()
    return share.container()


def main() -> None:
    st.set_page_config(
        page_title="STP Progress", layout="wide"
    )  # no page_icon: icons other than files are fetched from a CDN
    pages = [
        st.Page(s.OVERVIEW_PAGE, title="Overview", default=True),
        st.Page(s.FOOTPRINT_PAGE, title="Footprint", url_path="footprint"),
        st.Page(s.WORKFORCE_PAGE, title="Workforce", url_path="workforce"),
        st.Page(s.FINANCE_PAGE, title="Finance", url_path="finance"),
        st.Page(s.EMERGENCY_CARE_PAGE, title="Emergency care", url_path="emergency-care"),
        st.Page(s.PROGRESS_PAGE, title="Progress", url_path="progress"),
        st.Page(s.YOUR_DATA_PAGE, title="Your data", url_path="your-data"),
        st.Page(s.LOAD_DATA_PAGE, title="Load data", url_path="load-data"),
        st.Page(s.SOURCES_PAGE, title="Data & sources", url_path="sources"),
    ]
    board = state.is_board()
    page = st.navigation(pages, position="hidden" if board else "sidebar")

    linked = parse_footprint_param(st.query_params.get("stp"), set(cache.profiles()["code"]))
    if linked.notice:
        # Drop the bad parameter from the URL and show the overview with the notice.
        st.session_state[NOTICE] = linked.notice
        st.switch_page(s.OVERVIEW_PAGE, query_params=state.params())
    if linked.code and page.url_path == "":
        # "/?stp=CODE" is the short deep link: open that footprint's page.
        state.open_footprint(linked.code)

    cache.freeze_startup_heap()  # once per server process
    page_data.prepare()  # the one decision of which data this run shows
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
                controls.share_control(page.url_path)
            provenance_footer()
        else:
            with st.sidebar:
                footprint_search(linked.code if page.url_path == "footprint" else None)
                controls.board_toggle()
                controls.share_control(page.url_path)
                provenance_footer()


main()
