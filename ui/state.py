"""View state that lives in the URL: presentation mode, page switches that carry it, the share link,
and selectboxes whose choice is a query parameter (so a copied link reopens the same view)."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from settings import FOOTPRINT_PAGE
from stp_data.links import VIEW_PARAMS, share_url

BOARD = "board"
PAGES = "_pages"  # this run's st.Page objects by script path (dashboard.py registers them)


def is_board() -> bool:
    return st.query_params.get("mode") == BOARD


def set_board(on: bool) -> None:
    if on:
        st.query_params["mode"] = BOARD
    else:
        st.query_params.pop("mode", None)


def params(**extra: str | None) -> dict[str, str]:
    """Query parameters for a page switch: carries board mode, adds the target's own."""
    carried = {"mode": BOARD} if is_board() else {}
    return {**carried, **{key: value for key, value in extra.items() if value}}


def open_footprint(code: str) -> None:
    st.switch_page(FOOTPRINT_PAGE, query_params=params(stp=code))


def register_pages(pages: dict[str, StreamlitPage]) -> None:
    """Keep this run's pages for page_link. Per session and replaced every run: st.navigation marks the page
    it returns as runnable, so a Page object must not be shared between sessions."""
    st.session_state[PAGES] = pages


def page_link(script: str, **kwargs) -> None:
    """st.page_link to a page by its script path, through this run's Page object where there is one: given a
    path, Streamlit resolves it on disk for every link (the overview's 34 links were a fifth of its run)."""
    st.page_link(st.session_state.get(PAGES, {}).get(script, script), **kwargs)


def current_url(page_path: str) -> str:
    current = {key: st.query_params.get(key) for key in VIEW_PARAMS}
    return share_url(st.context.url, page_path, current)


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


def ensure_app_frame() -> None:
    """Rerun through dashboard.py when Streamlit ran a page without it.

    With a folder named pages/ beside the entrypoint, Streamlit 1.67 serves a fresh server's first request in
    its legacy multipage mode and runs the page alone, without the frame. `python -m ui.serve` (what
    .ci/dashboard and the tests use) switches that mode off before the first session; this is the fallback for
    a plain `streamlit run dashboard.py`: flip the flag and rerun so the first visitor still gets the real app.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
