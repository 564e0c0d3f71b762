"""Streamlit glue shared by the pages: URL state, session state, shared controls, caches, and the one place
that decides which data a page shows (ui.page_data). Pages import from here; stp_data, geo, charts and exports
never import Streamlit."""
