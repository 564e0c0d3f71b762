"""Your data: the measures you loaded, across all footprints (map, bell curve, table)."""

import streamlit as st

import settings as s
from ui import page_data, state
from ui.theme_view import render
from ui.user_spc import user_spc_section

state.ensure_app_frame()

if page_data.current().has_user_measures:
    measure, _ = render(s.USER_THEME, "Your data")
    user_spc_section(page_data.current(), measure)
else:
    st.title("Your data")
    st.info("No data loaded yet in this session. Use **Load data** to add your own metrics file.")
    state.page_link(s.LOAD_DATA_PAGE, label="Load data")
