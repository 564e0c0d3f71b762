"""Workforce: one workforce measure across all footprints."""

import settings as s
from ui import state
from ui.theme_view import render

state.ensure_app_frame()

render(s.WORKFORCE, "Workforce")
