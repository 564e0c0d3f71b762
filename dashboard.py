"""STP Progress: the frame around every page (navigation, footprint search, provenance)."""

from __future__ import annotations

import streamlit as st

from stp_data import cached
from stp_data.links import parse_footprint_param

OVERVIEW = "pages/overview.py"
FOOTPRINT = "pages/footprint.py"
SOURCES = "pages/sources.py"
WORKFORCE = "pages/workforce.py"
FINANCE = "pages/finance.py"
SEARCH_KEY = "footprint_search"
SEARCH_SHOWS = "_footprint_search_shows"
NOTICE = "_link_notice"

OGL_LINES = (
    "Boundaries and population: Source: Office for National Statistics licensed under the "
    "Open Government Licence v.3.0. Contains OS data © Crown copyright and database right 2018 and 2019."
)


def footprint_search(current: str | None) -> None:
    """One search box on every page: type a name or a code, jump to that footprint."""
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
        st.switch_page(FOOTPRINT, query_params={"stp": choice})


def provenance_footer() -> None:
    st.caption(
        "Ratings: NHS England STP progress dashboard, baseline view, 21 July 2017, as reported by the "
        "publishers named on each footprint. Sources compiled 23 November 2026."
    )
    st.caption(OGL_LINES)


def main() -> None:
    st.set_page_config(
        page_title="STP Progress", layout="wide"
    )  # no page_icon: icons other than files are fetched from a CDN
    pages = [
        st.Page(OVERVIEW, title="Overview", default=True),
        st.Page(FOOTPRINT, title="Footprint", url_path="footprint"),
        st.Page(WORKFORCE, title="Workforce", url_path="workforce"),
        st.Page(FINANCE, title="Finance", url_path="finance"),
        st.Page(SOURCES, title="Data & sources", url_path="sources"),
    ]
    page = st.navigation(pages)

    linked = parse_footprint_param(st.query_params.get("stp"), set(cached.profiles()["code"]))
    if linked.notice:
        # Drop the bad parameter from the URL and show the overview with the notice.
        st.session_state[NOTICE] = linked.notice
        st.switch_page(OVERVIEW)
    if linked.code and page.url_path == "":
        # "/?stp=CODE" is the short deep link: open that footprint's page.
        st.switch_page(FOOTPRINT, query_params={"stp": linked.code})

    with st.sidebar:
        footprint_search(linked.code if page.url_path == "footprint" else None)
        provenance_footer()
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(notice)
    page.run()


main()
