"""The one place that decides, once per run, which data a page shows, and hands pages one object.

Bundled (the repository's tables, shared by every session), plus this session's uploads and the data folder's
files, plus boundaries the user chose. Pages never make that choice themselves: they call `current()` and read
tables, figures, source lines and boundaries from the result, so every page (and every export made from it)
labels the same data the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.bell_curve import rating_bell_curve
from charts.footprint_figures import FootprintFigures, footprint_figures
from charts.rating_map import rating_map
from exports import pack_region
from geo.boundaries import JoinReport
from settings import USER_THEME
from stp_data import ratings
from stp_data.loading import Bundle
from stp_data.profiles import FootprintDetail, footprint_detail
from stp_data.ratings import MiddleLinks, middle_list
from stp_data.user_data import (
    LoadedFile,
    joined_measures,
    user_months,
    user_rating_counts,
    with_user_metrics,
    with_user_ratings,
)
from ui import cache, publish, session

USER_RATINGS_NOTE = "Counts: the loaded ratings file named in the banner above, not NHS England's published split."
BUNDLED_BOUNDARIES = "ONS 2017 footprints (OGL v3)"
_MERGED = "_merged_user_data"
_CURRENT = "_page_data"


@dataclass(frozen=True)
class PageData:
    """Everything a page shows, for the data this session is looking at. Read-only."""

    bundle: Bundle
    profiles: pd.DataFrame
    bars: pd.DataFrame
    curve: pd.DataFrame
    bell_note: str  # whose rating counts the bell curve shows
    geojson: dict
    boundaries_label: str  # whose boundaries the maps draw, for captions
    join_report: JoinReport
    files: tuple[LoadedFile, ...] = ()
    user_ratings: bool = False
    user_boundaries: bool = False
    names: dict[str, str] = field(default_factory=dict)
    joined_measures: frozenset[str] = frozenset()  # bundled measures a provider file extends with new months

    def shares_bundled(self, measure: str) -> bool:
        """Whether this measure's figures are exactly the bundled ones (so the shared, cached charts are right):
        a bundled measure that no loaded provider file extends."""
        return self.bundled_only or (
            measure in cache.bundle().measures_with_data and measure not in self.joined_measures
        )

    @property
    def bundled_only(self) -> bool:
        """No file, folder or boundaries of the user's: figures are the same for every viewer and can be shared."""
        return not self.files and not self.user_boundaries

    @property
    def has_user_measures(self) -> bool:
        return bool((self.bundle.measures["theme"] == USER_THEME).any())

    @property
    def known_codes(self) -> list[str]:
        """Codes a user's file may use: the 44 footprints, plus those of boundaries they loaded."""
        return sorted({*self.profiles["code"], *(feature["id"] for feature in self.geojson["features"])})

    @property
    def area_codes(self) -> set[str]:
        """The areas the maps draw: the 44 footprints, or the user's boundaries (e.g. the 42 of 2018)."""
        return {feature["id"] for feature in self.geojson["features"]}

    @property
    def areas(self) -> int:
        """How many areas are in use: the N in 'n of N footprints published'."""
        return len(self.area_codes)

    def overview_figures(self) -> tuple[go.Figure, go.Figure]:
        """The overview's map and bell curve: built once for the bundled data, per view for the user's."""
        if self.bundled_only:
            return cache.default_overview_figures()
        return rating_map(self.geojson, self.profiles), rating_bell_curve(self.bars, self.curve, note=self.bell_note)

    def overview_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Headline numbers (top, middle, bottom) and the middle footprints: shared for the bundled data."""
        if self.bundled_only:
            return cache.default_overview_tables()
        totals = self.bars.set_index("rating")["total"]
        return ratings.group_summary(self.profiles, totals), ratings.middle_footprints(self.profiles)

    def overview_numbers(self) -> ratings.OverviewNumbers:
        """The overview's headline figures: shared for the bundled data."""
        if self.bundled_only:
            return cache.default_overview_numbers()
        return ratings.overview_numbers(self.profiles, self.bars, self.overview_tables()[0])

    def regions(self) -> list[str]:
        """The NHS England regions a region pack accepts: shared for the bundled data."""
        if self.bundled_only:
            return cache.default_regions()
        return pack_region.regions(self.profiles)

    def overview_middle(self, middle: pd.DataFrame) -> tuple[pd.DataFrame, MiddleLinks]:
        """The overview's middle footprints as a table (for downloads) and as links by region: shared for the
        bundled data. `middle` is overview_tables()'s second table."""
        if self.bundled_only:
            return cache.default_overview_middle()
        return middle_list(middle)

    def footprint_detail(self, code: str) -> FootprintDetail:
        """A footprint's profile, domains, milestones and capital: once per footprint for the bundled data."""
        if self.bundled_only:
            return cache.default_footprint_detail(code)
        return footprint_detail(self.bundle, self.profiles, code)

    def footprint_domains(self, code: str, detail: FootprintDetail) -> tuple[pd.DataFrame, str]:
        """The domains with a published result, and one sentence about all of them: once per footprint for the
        bundled data (`detail` is this footprint's footprint_detail)."""
        if self.bundled_only:
            return cache.default_footprint_domains(code)
        return detail.domains_published, detail.domains_sentence

    def footprint_figures(self, profile: pd.Series) -> FootprintFigures:
        """A footprint page's bell curve and gauges: once per footprint for the bundled data, per view otherwise."""
        if self.bundled_only:
            return cache.default_footprint_figures(profile["code"])
        return footprint_figures(self.bundle, profile, self.bars, self.curve, areas=self.areas, note=self.bell_note)


def user_files() -> list[LoadedFile]:
    """The data folder's files (if any), the published datasets, then this session's uploads, oldest first.

    Published files are re-read only when the store's revision changes (another session or server published).
    """
    folder = session.data_folder()
    from_folder = cache.folder_files(str(folder))[0] if folder else []
    published = publish.published_files(cache.profiles()["code"].tolist())
    return [*from_folder, *published, *session.uploaded_files()]


def user_month_captions() -> list[str]:
    """'March 2026: from your file X' for each month a provider file added to a bundled series (plain text)."""
    files = user_files()
    return [month.caption for month in user_months(cache.bundle(), files)] if files else []


def folder_problems() -> list[str]:
    folder = session.data_folder()
    return cache.folder_files(str(folder))[1] if folder else []


def _merged(files: list[LoadedFile]) -> tuple[Bundle, pd.DataFrame]:
    """The bundled tables with the user's files merged in; kept in the session until its files change."""
    kept = st.session_state.get(_MERGED)
    if kept is not None and len(kept[0]) == len(files) and all(a is b for a, b in zip(kept[0], files, strict=True)):
        return kept[1], kept[2]
    merged = (with_user_metrics(cache.bundle(), files), with_user_ratings(cache.profiles(), files))
    st.session_state[_MERGED] = (tuple(files), *merged)
    return merged


def build() -> PageData:
    """Decide which data this run shows. Cheap for the bundled data (everything comes from the shared cache)."""
    files = user_files()
    user_ratings = any(not hasattr(item.upload, "measures") for item in files)
    bundle, profiles = _merged(files) if files else (cache.bundle(), cache.profiles())
    if user_ratings:
        bars = ratings.bars(profiles, user_rating_counts(profiles))
        curve, note = ratings.normal_curve(bars), USER_RATINGS_NOTE
    else:
        (bars, curve), note = cache.rating_bars(), cache.distribution_note()
    geojson, join_report = cache.map_geometry()
    boundaries = session.user_boundaries()
    label = BUNDLED_BOUNDARIES
    if boundaries is not None:
        geojson = boundaries["geojson"]
        label = f"your boundaries ({boundaries['file_name']}, loaded {boundaries['loaded_at']})"
    return PageData(
        bundle=bundle,
        profiles=profiles,
        bars=bars,
        curve=curve,
        bell_note=note,
        geojson=geojson,
        boundaries_label=label,
        join_report=join_report,
        files=tuple(files),
        user_ratings=user_ratings,
        user_boundaries=boundaries is not None,
        names=cache.footprint_names(),
        joined_measures=frozenset(joined_measures(files)),
    )


def prepare() -> PageData:
    """Called by the frame (dashboard.py) once per run, before the page: the page then reads `current()`."""
    data = build()
    st.session_state[_CURRENT] = data
    return data


def current() -> PageData:
    """This run's data, as the frame decided it (or decided now, for a page run on its own in a test)."""
    data = st.session_state.get(_CURRENT)
    return data if data is not None else prepare()


def invalidate() -> None:
    """After a page changed what the session holds (a confirmed upload, new boundaries): decide again."""
    prepare()
