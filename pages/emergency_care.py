"""Emergency care: A&E 4-hour performance and winter beds, per month or week, with Making Data Count charts."""

import settings as s
from ui import page_data, spc_view, state
from ui.theme_view import render

state.ensure_app_frame()

measure, _ = render(s.EMERGENCY_CARE, "Emergency care")
spc_view.all_footprints_section(page_data.current(), measure)
