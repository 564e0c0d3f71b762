"""What a pack is built from: the objects the screen shows (ui.page_data.PageData), and whose data they are.

`bundled_inputs` builds the same objects from the repository's tables, reading them from disk, for scripts,
benchmarks and tests; the dashboard passes its own (see ui/packs_view.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from charts.bell_curve import rating_bell_curve
from charts.footprint_figures import FootprintFigures, footprint_figures
from charts.rating_map import rating_map
from exports.pack_model import BUNDLED
from stp_data import ratings as r
from stp_data.loading import Bundle


@dataclass(frozen=True)
class PackInputs:
    """The objects the screen shows (ui.page_data.PageData), and whose data they are.

    `map_figure`, `bell_figure` and `figures_for` are optional: pass the page's (cached) ones so the pack draws
    exactly those; without them they are built here from the same tables with the same builders.
    """

    bundle: Bundle
    profiles: pd.DataFrame
    bars: pd.DataFrame
    curve: pd.DataFrame
    bell_note: str
    geojson: dict
    data_label: str = BUNDLED
    boundaries_label: str = "ONS 2017 footprints (OGL v3)"
    user_ratings: bool = False
    areas: int | None = None
    map_figure: go.Figure | None = None
    bell_figure: go.Figure | None = None
    figures_for: Callable[[pd.Series], FootprintFigures] | None = None
    _figures: dict = field(default_factory=dict, repr=False, compare=False)

    def overview_map(self) -> go.Figure:
        return self.map_figure if self.map_figure is not None else rating_map(self.geojson, self.profiles)

    def overview_bell(self) -> go.Figure:
        if self.bell_figure is not None:
            return self.bell_figure
        return rating_bell_curve(self.bars, self.curve, note=self.bell_note)

    def footprint(self, code: str) -> pd.Series:
        match = self.profiles.loc[self.profiles["code"] == code]
        if match.empty:
            raise KeyError(f"no footprint with code {code!r}")
        return match.iloc[0]

    def figures(self, profile: pd.Series) -> FootprintFigures:
        code = profile["code"]
        if code not in self._figures:
            if self.figures_for is not None:
                self._figures[code] = self.figures_for(profile)
            else:
                areas = self.areas if self.areas is not None else len(self.profiles)
                self._figures[code] = footprint_figures(
                    self.bundle, profile, self.bars, self.curve, areas=areas, note=self.bell_note
                )
        return self._figures[code]


def data_label(files: Iterable[object] = ()) -> str:
    """'bundled', or 'bundled, with: a.csv (published 26 Nov 2026 …); b.csv (your upload, …)' (LoadedFile-like)."""
    loaded = [getattr(item, "described", f"{item.file_name} loaded {item.loaded_at}") for item in files]  # type: ignore[attr-defined]
    return "bundled, with " + "; ".join(loaded) if loaded else BUNDLED


def bundled_inputs() -> PackInputs:
    """What the overview and footprint pages show for the bundled data, built from the repository's tables
    (for scripts and tests; the dashboard passes its own PageData, see ui/packs_view.py)."""
    from geo.boundaries import BOUNDARIES_2017, join_by_code, load_boundaries, to_geojson
    from stp_data.loading import load_bundle
    from stp_data.profiles import footprint_profiles

    bundle = load_bundle()
    profiles = footprint_profiles(bundle)
    bars = r.bars(profiles, r.chart_counts(bundle.distribution))
    boundaries = load_boundaries(BOUNDARIES_2017, code_column="stp17cd", name_column="stp17nm")
    joined, _ = join_by_code(boundaries, profiles[["code"]], "code")
    return PackInputs(
        bundle=bundle,
        profiles=profiles,
        bars=bars,
        curve=r.normal_curve(bars),
        bell_note=r.distribution_note(bundle.distribution),
        geojson=to_geojson(joined),
    )
