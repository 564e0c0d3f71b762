"""Progress: where each footprint went after July 2017, and did the middle catch up?"""

from ui import progress_view, state

state.ensure_app_frame()

progress_view.render()
