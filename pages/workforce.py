"""Workforce: one workforce measure across all 44 footprints."""

from pages.theme_view import render
from stp_data import cached

cached.ensure_app_frame()

render("workforce", "Workforce")
