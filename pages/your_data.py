"""Your data: the measures you loaded, across all footprints (map, bell curve, table)."""

import streamlit as st

from pages.theme_view import render
from stp_data import cached, view

cached.ensure_app_frame()

if not (view.active_bundle().measures["theme"] == "your data").any():
    st.title("Your data")
    st.info("No data loaded yet in this session. Use **Load data** to add your own metrics file.")
    st.page_link("pages/load_data.py", label="Load data")
    st.stop()
render("your data", "Your data")
