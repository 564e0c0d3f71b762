"""The footprint page's figures (bell curve with the footprint marked, one gauge row per theme), built together."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from charts.bell_curve import rating_bell_curve
from charts.gauges import gauge_row
from stp_data import ratings
from stp_data.loading import Bundle
from stp_data.metrics import GaugeSpec, gauge_specs

GAUGE_THEMES = ("workforce", "finance", "your data")


@dataclass(frozen=True)
class FootprintFigures:
    """Read-only once built: pages pass the figures to st.plotly_chart or copy them (board mode, exports)."""

    bell_note: str
    bell: go.Figure
    specs: dict[str, list[GaugeSpec]]
    gauges: dict[str, go.Figure]


def footprint_figures(
    bundle: Bundle, profile: pd.Series, bars: pd.DataFrame, curve: pd.DataFrame, areas: int
) -> FootprintFigures:
    rating = profile["rating"] if isinstance(profile["rating"], str) else None
    note = ratings.distribution_note(bundle.distribution)
    bell = rating_bell_curve(bars, curve, note=note, highlight=(profile["name"], rating))
    specs = {
        theme: gauge_specs(bundle.metrics, bundle.measures, profile["code"], theme, areas=areas)
        for theme in GAUGE_THEMES
        if (bundle.measures["theme"] == theme).any()
    }
    # Finance figures are not on one basis: no middle band, which would rank them.
    gauges = {theme: gauge_row(s, columns=3, show_middle=theme != "finance") for theme, s in specs.items()}
    return FootprintFigures(note, bell, specs, gauges)
