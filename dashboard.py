"""STP Progress: the frame around every page (navigation, footprint search, board mode, share, provenance).

Start it with `bash .ci/dashboard` (or `python -m ui.serve`), which also fixes Streamlit's first-request quirk
with a folder named pages/ (see ui/serve.py).
"""

from __future__ import annotations

import streamlit as st

import settings as s
from stp_data.links import parse_footprint_param
from ui import auth, cache, controls, logs, page_data, publish, state

SEARCH_KEY = "footprint_search"
SEARCH_SHOWS = "_footprint_search_shows"
NOTICE = "_link_notice"
PROVENANCE = (
    f"Ratings: NHS England STP progress dashboard, baseline view, {s.RATINGS_PUBLISHED}, as reported by the "
    f"publishers named on each footprint. Sources compiled {s.SOURCES_COMPILED}."
)


def footprint_search(current: str | None) -> None:
    """One search box: type a name or a code, jump to that footprint."""
    labels = cache.search_labels()  # in the order the box lists them
    if st.session_state.get(SEARCH_SHOWS) != current:
        # The URL moved (link, map click, back button): show its footprint.
        st.session_state[SEARCH_KEY] = current
        st.session_state[SEARCH_SHOWS] = current
    choice = st.selectbox(
        "Find a footprint",
        options=list(labels),
        format_func=labels.get,
        index=None,
        placeholder="Type a name or an E54 code",
        key=SEARCH_KEY,
        help=f"Search all {len(labels)} STP footprints by name or ONS code.",
    )
    if choice is not None and choice != current:
        state.open_footprint(choice)


def provenance_footer() -> None:
    # One element, two lines: every element costs the server a message on every page view.
    st.caption(PROVENANCE + "  \n" + "Boundaries and population: " + s.OGL_ATTRIBUTION)


BOARD_PAGES = (  # the presentation-mode page switcher: (script, label, URL path), in the navigation's order
    (s.OVERVIEW_PAGE, "Overview", ""),
    (s.FOOTPRINT_PAGE, "Footprint", "footprint"),
    (s.WORKFORCE_PAGE, "Workforce", "workforce"),
    (s.FINANCE_PAGE, "Finance", "finance"),
    (s.EMERGENCY_CARE_PAGE, "Emergency care", "emergency-care"),
    (s.PROGRESS_PAGE, "Progress", "progress"),
    (s.YOUR_DATA_PAGE, "Your data", "your-data"),
    (s.SOURCES_PAGE, "Data & sources", "sources"),
)


def board_bar(current: str) -> st.delta_generator.DeltaGenerator:
    """In presentation mode the sidebar is gone: the way out, the share link and a row of page links sit on top.

    The page links carry presentation mode and the chosen footprint (not to the overview, where a footprint in
    the link opens its page). Returns the slot for the share link, filled after the page has put its state in
    the URL.
    """
    st.html(controls.BOARD_STYLE)
    code = st.query_params.get("stp")
    code = code.split(",")[0] if code else code  # from Compare, the other pages open its first footprint
    leave, share, pages = st.columns([1.5, 1.1, 6], vertical_alignment="center")
    with leave:
        if st.button("Leave presentation mode", icon=":material/close_fullscreen:"):
            state.set_board(False)
            st.rerun()
    with pages, st.container(horizontal=True, key="board_pages"):
        for script, label, url_path in BOARD_PAGES:
            state.page_link(
                script,
                label=label,
                query_params=state.params(stp=None if script == s.OVERVIEW_PAGE else code),
                # The current page is marked, not disabled (a disabled link's grey fails contrast on a projector).
                icon=":material/chevron_right:" if url_path == current else None,
            )
    return share.container()


def main() -> None:
    st.set_page_config(
        page_title="STP Progress", layout="wide"
    )  # no page_icon: icons other than files are fetched from a CDN
    pages = {
        s.OVERVIEW_PAGE: st.Page(s.OVERVIEW_PAGE, title="Overview", default=True),
        s.FOOTPRINT_PAGE: st.Page(s.FOOTPRINT_PAGE, title="Footprint", url_path="footprint"),
        s.COMPARE_PAGE: st.Page(s.COMPARE_PAGE, title="Compare", url_path="compare"),
        s.WORKFORCE_PAGE: st.Page(s.WORKFORCE_PAGE, title="Workforce", url_path="workforce"),
        s.FINANCE_PAGE: st.Page(s.FINANCE_PAGE, title="Finance", url_path="finance"),
        s.EMERGENCY_CARE_PAGE: st.Page(s.EMERGENCY_CARE_PAGE, title="Emergency care", url_path="emergency-care"),
        s.PROGRESS_PAGE: st.Page(s.PROGRESS_PAGE, title="Progress", url_path="progress"),
        s.YOUR_DATA_PAGE: st.Page(s.YOUR_DATA_PAGE, title="Your data", url_path="your-data"),
        s.LOAD_DATA_PAGE: st.Page(s.LOAD_DATA_PAGE, title="Load data", url_path="load-data"),
        s.PUBLISHED_PAGE: st.Page(s.PUBLISHED_PAGE, title="Published data", url_path="published"),
        s.SOURCES_PAGE: st.Page(s.SOURCES_PAGE, title="Data & sources", url_path="sources"),
    }
    state.register_pages(pages)
    board = state.is_board()
    page = st.navigation(list(pages.values()), position="hidden" if board else "sidebar")

    # Compare's ?stp= is a list of codes (stp_data.compare.parse_compare_param reads it): not one footprint.
    compare = page.url_path == "compare"
    linked = parse_footprint_param(None if compare else st.query_params.get("stp"), set(cache.profiles()["code"]))
    if linked.notice:
        # Drop the bad parameter from the URL and show the overview with the notice.
        st.session_state[NOTICE] = linked.notice
        st.switch_page(s.OVERVIEW_PAGE, query_params=state.params())
    if linked.code and page.url_path == "":
        # "/?stp=CODE" is the short deep link: open that footprint's page.
        state.open_footprint(linked.code)

    cache.freeze_startup_heap()  # once per server process
    cache.warm_up_in_background()  # shared servers only (STP_WARM_CACHES=1)
    logs.configure_audit_log()  # who published, restored or withdrew what, on the server's stderr
    page_data.prepare()  # the one decision of which data this run shows
    st.html(controls.PAGE_STYLE)
    share_slot = board_bar(page.url_path) if board else None
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(notice, icon=":material/info:")
    publish.outage_banner()  # published data unavailable: one warning above every page
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
                auth.auth_controls()
                footprint_search(linked.code if page.url_path == "footprint" else None)
                controls.board_toggle()
                controls.share_control(page.url_path)
                provenance_footer()


main()
