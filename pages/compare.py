"""Compare: 2 to 6 footprints side by side (?stp=A,B,C), or a footprint beside a peer group."""

from ui import compare_view, state

state.ensure_app_frame()

compare_view.render()
