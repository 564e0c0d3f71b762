"""Finance: the per-footprint finance figures found, each with its own source."""

import settings as s
from ui import state
from ui.theme_view import render

state.ensure_app_frame()

render(s.FINANCE, "Finance")
