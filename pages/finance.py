"""Finance: the per-footprint finance figures found, each with its own source."""

from pages.theme_view import render
from stp_data import cached

cached.ensure_app_frame()

render("finance", "Finance")
