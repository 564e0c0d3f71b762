"""The footprint page's figures (bell curve with the footprint marked, one gauge row per theme), built together."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from charts.bell_curve import rating_bell_curve
from charts.gauges import gauge_row
from settings import EMERGENCY_CARE, FINANCE, UNRANKED_THEMES, USER_THEME, WORKFORCE
from stp_data.loading import Bundle
from stp_data.metrics import GaugeSpec, gauge_specs

GAUGE_THEMES = (WORKFORCE, FINANCE, EMERGENCY_CARE, USER_THEME)


@dataclass(frozen=True)
class FootprintFigures:
    """Read-only once built: pages pass the figures to st.plotly_chart or copy them (board mode, exports)."""

    bell_note: str
    bell: go.Figure
    specs: dict[str, list[GaugeSpec]]
    gauges: dict[str, go.Figure]
    sources: dict[str, str]  # each gauge row's source line, from the catalogue


def footprint_figures(
    bundle: Bundle, profile: pd.Series, bars: pd.DataFrame, curve: pd.DataFrame, *, areas: int, note: str
) -> FootprintFigures:
    """`note` says whose counts the bars are (the published split, or the user's ratings file): the caller knows."""
    rating = profile["rating"] if isinstance(profile["rating"], str) else None
    bell = rating_bell_curve(bars, curve, note=note, highlight=(profile["name"], rating))
    specs = {
        theme: gauge_specs(bundle.metrics, bundle.measures, profile["code"], theme, areas=areas)
        for theme in GAUGE_THEMES
        if (bundle.measures["theme"] == theme).any()
    }
    # Finance figures are not on one basis: no middle band, which would rank them.
    gauges = {theme: gauge_row(s, columns=3, show_middle=theme not in UNRANKED_THEMES) for theme, s in specs.items()}
    sources = {theme: theme_source_line(bundle.measures, theme) for theme in specs}
    return FootprintFigures(note, bell, specs, gauges, sources)


def theme_source_line(measures: pd.DataFrame, theme: str) -> str:
    """The publishers and titles of a theme's measures, once each, as the catalogue names them."""
    if theme == USER_THEME:
        return "Your data, as loaded in this session (see Load data)."
    rows = measures.loc[measures["theme"] == theme, ["publisher", "title", "published"]].drop_duplicates()
    cited = "; ".join(f"{row.publisher}: {row.title} ({row.published})" for row in rows.itertuples())
    if theme in UNRANKED_THEMES:
        cited += ". Figures as reported, not on one basis: never ranked."
    return cited
