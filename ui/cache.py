"""What every session shares, built once per server process and read-only after (st.cache_resource).

cache_resource (not cache_data) because these objects are shared and never mutated; cache_data would
unpickle a fresh copy on every rerun. The only module that caches across sessions.
"""

from __future__ import annotations

import gc
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.bell_curve import rating_bell_curve
from charts.footprint_figures import FootprintFigures, footprint_figures
from charts.rating_map import rating_map
from charts.style import lean_figure
from geo.boundaries import BOUNDARIES_2017, JoinReport, join_by_code, load_boundaries, share_collection, to_geojson
from settings import LOADED_AT_FORMAT
from stp_data import ratings
from stp_data.loading import Bundle, load_bundle
from stp_data.profiles import FootprintDetail, footprint_detail, footprint_profiles
from stp_data.user_data import LoadedFile, read_folder


@st.cache_resource(show_spinner=False)
def bundle() -> Bundle:
    return load_bundle()


@st.cache_resource(show_spinner=False)
def profiles() -> pd.DataFrame:
    return footprint_profiles(bundle())


@st.cache_resource(show_spinner=False)
def map_geometry() -> tuple[dict, JoinReport]:
    """Browser GeoJSON of the footprints that have a profile, and what didn't join."""
    boundaries = load_boundaries(BOUNDARIES_2017, code_column="stp17cd", name_column="stp17nm")
    joined, report = join_by_code(boundaries, profiles()[["code"]], "code")
    return share_collection(to_geojson(joined)), report


@st.cache_resource(show_spinner=False)
def rating_bars() -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = ratings.chart_counts(bundle().distribution)
    bars = ratings.bars(profiles(), counts)
    return bars, ratings.normal_curve(bars)


@st.cache_resource(show_spinner=False)
def footprint_names() -> dict[str, str]:
    return dict(zip(profiles()["code"], profiles()["name"], strict=True))


@st.cache_resource(show_spinner=False)
def distribution_note() -> str:
    """The bell curve's source line for the bundled rating counts."""
    return ratings.distribution_note(bundle().distribution)


@st.cache_resource(show_spinner=False)
def folder_files(folder: str) -> tuple[list[LoadedFile], list[str]]:
    """Files from the data folder, read once per server start (shared read-only by every session)."""
    loaded_at = datetime.now().strftime(LOADED_AT_FORMAT)
    return read_folder(Path(folder), profiles()["code"].tolist(), loaded_at)


@st.cache_resource(show_spinner=False)
def default_overview_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overview's headline numbers and middle footprints for the bundled data. Read-only."""
    bars, _ = rating_bars()
    return ratings.group_summary(profiles(), bars.set_index("rating")["total"]), ratings.middle_footprints(profiles())


@st.cache_resource(show_spinner=False)
def default_overview_numbers() -> ratings.OverviewNumbers:
    """The overview's headline figures for the bundled data. Read-only."""
    return ratings.overview_numbers(profiles(), rating_bars()[0], default_overview_tables()[0])


@st.cache_resource(show_spinner=False)
def default_regions() -> list[str]:
    """The NHS England regions of the bundled profiles, for the region pack picker. Read-only."""
    from exports.pack_region import regions

    return regions(profiles())


@st.cache_resource(show_spinner=False)
def default_overview_middle() -> tuple[pd.DataFrame, list[tuple[str, list[tuple[str, str]]]]]:
    """The overview's middle footprints as a table and as links by region, for the bundled data. Read-only."""
    return ratings.middle_list(default_overview_tables()[1])


@st.cache_resource(show_spinner=False, max_entries=64)
def default_footprint_figures(code: str) -> FootprintFigures:
    """A footprint page's figures for the bundled data: the same for every viewer, built once per footprint.

    Building them is most of a footprint page's run (Plotly validates every gauge); 44 footprints' worth is a
    few MB. Read-only, like default_overview_figures.
    """
    bars, curve = rating_bars()
    profile = profiles().set_index("code", drop=False).loc[code]
    return footprint_figures(bundle(), profile, bars, curve, areas=len(profiles()), note=distribution_note())


@st.cache_resource(show_spinner=False, max_entries=64)
def default_footprint_detail(code: str) -> FootprintDetail:
    """A footprint's profile, domains, milestones and capital for the bundled data, built once. Read-only."""
    return footprint_detail(bundle(), profiles(), code)


@st.cache_resource(show_spinner=False, max_entries=64)
def default_footprint_domains(code: str) -> tuple[pd.DataFrame, str]:
    """A footprint's published domain results and the sentence about them, for the bundled data. Read-only."""
    detail = default_footprint_detail(code)
    return detail.domains_published, detail.domains_sentence


@st.cache_resource(show_spinner=False)
def search_labels() -> dict[str, str]:
    """The footprint search box's options, 'Name · code' in alphabetical order: the same on every run."""
    p = profiles()
    labels = dict(zip(p["code"], p["name"] + " · " + p["code"], strict=True))
    return dict(sorted(labels.items(), key=lambda item: item[1]))


@st.cache_resource(show_spinner=False, max_entries=64)
def footprint_milestones(code: str) -> pd.DataFrame:
    """A footprint's journey from the bundled designations (a user's files never change them). Read-only."""
    from stp_data import journey

    return journey.footprint_milestones(bundle().designations, code)


@st.cache_resource(show_spinner=False, max_entries=64)
def footprint_milestones_text(code: str) -> str:
    """The footprint page's journey as one markdown block, a paragraph per milestone. Read-only."""
    from stp_data import journey

    return journey.milestones_markdown(footprint_milestones(code))


@st.cache_resource(show_spinner=False)
def default_overview_figures() -> tuple[go.Figure, go.Figure]:
    """The overview's map and bell curve for the bundled data: the same for every viewer, built once.

    Read-only: pages pass them to st.plotly_chart or copy them (board mode, exports).
    """
    geojson, _ = map_geometry()
    bars, curve = rating_bars()
    return rating_map(geojson, profiles()), rating_bell_curve(bars, curve, note=distribution_note())


@st.cache_resource(show_spinner=False)
def freeze_startup_heap() -> bool:
    """Build what every run shares, then move the heap out of the garbage collector's sight (gc.freeze).

    Streamlit runs a full garbage collection after every script run (runner.postScriptGC), which keeps
    per-session garbage from piling up, but with pandas, plotly and geopandas loaded a full pass walked about a
    million long-lived objects: most of a page's server time (py-spy: ~150 ms of a 200 ms footprint switch).
    Frozen, they are skipped, and each pass only looks at what sessions create. Called once, before the first
    page runs, so little of that first session is frozen with it (frozen objects are never collected).
    """
    import exports.pdf  # noqa: F401  (the board packs' PDF: fpdf is large; load it before freezing)

    default_overview_figures()
    gc.collect()
    gc.freeze()
    return True


@st.cache_resource(show_spinner=False, max_entries=16)
def default_spc(measure: str) -> dict:
    """Every footprint's XmR result for one bundled measure: 44 charts' rules, computed once per server."""
    from stp_data.emergency import all_footprints_spc

    b = bundle()
    return all_footprints_spc(b.metrics, b.measures, b.flags, measure, b.codes)


@st.cache_resource(show_spinner=False, max_entries=16)
def default_small_multiples(measure: str) -> go.Figure:
    """The 44-panel SPC figure for one bundled measure, built once (it is the heaviest figure on any page)."""
    from charts.spc import ordered_small_multiples

    return lean_figure(ordered_small_multiples(bundle().measures, default_spc(measure), footprint_names(), measure))


@st.cache_resource(show_spinner=False)
def progress_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Journeys, per-group cumulative shares, milestone months and every milestone, for the bundled ratings."""
    from stp_data import journey

    b, p = bundle(), profiles()
    return (
        journey.journeys(b.designations, p),
        journey.cumulative_by_group(b.designations, p),  # ~0.5 s: once per server
        journey.milestone_months(b.designations, b.codes),
        journey.milestones(b.designations, b.codes),
    )


# 44 footprints x 9 emergency care measures at their default points (396, all built by the warm-up), plus room for
# the points viewers choose: at 256 the warm-up evicted its own first entries.
@st.cache_resource(show_spinner=False, max_entries=512)
def default_footprint_xmr(code: str, measure: str, recalc: tuple[str, ...] | None = None):
    """A footprint's XmR chart of a bundled measure (charts.spc.FootprintXmr): the same for every viewer (a user's
    own measures never share a bundled measure's id), built once per footprint, measure and recalculation points:
    None for the defaults, a tuple of validated months (links.parse_recalc_param) otherwise. Read-only."""
    from charts.spc import footprint_xmr

    chart = footprint_xmr(bundle(), code, measure, recalc=recalc)
    lean_figure(chart.figure)
    return chart


@st.cache_resource(show_spinner=False, max_entries=64)
def default_footprint_trends(code: str) -> tuple[pd.DataFrame, go.Figure | None, str]:
    """A footprint's workforce over time for the bundled data and its text alternative, built once per footprint.
    Read-only."""
    from charts.progress import footprint_trends_alt, footprint_workforce_trends

    name = footprint_names()[code]
    trends, fig = footprint_workforce_trends(bundle(), code, name)
    return trends, fig if fig is None else lean_figure(fig), footprint_trends_alt(name, trends)


@st.cache_resource(show_spinner=False, max_entries=16)
def default_small_multiples_laptop(measure: str) -> go.Figure:
    """The same 44 panels rearranged for a laptop's narrower column (5 across), built once. Read-only."""
    from charts.spc import LAPTOP_COLUMNS, relayout_small_multiples

    return lean_figure(relayout_small_multiples(default_small_multiples(measure), LAPTOP_COLUMNS))


@st.cache_resource(show_spinner=False)
def default_time_to_ics() -> go.Figure:
    """The Progress page's step chart for the bundled ratings, built once. Read-only."""
    from charts.progress import PROGRESS_SOURCE, time_to_ics_chart

    _, cumulative, months, _ = progress_tables()
    return lean_figure(time_to_ics_chart(cumulative, months, note=PROGRESS_SOURCE))


@st.cache_resource(show_spinner=False)
def default_swimlane() -> go.Figure:
    """Every footprint's journey for the bundled ratings, built once. Read-only."""
    from charts.progress import PROGRESS_SOURCE, journey_swimlane

    paths, _, _, steps = progress_tables()
    return lean_figure(journey_swimlane(paths, steps, note=PROGRESS_SOURCE))


@st.cache_resource(show_spinner=False, max_entries=32)
def default_status_map(at: str) -> tuple[pd.DataFrame, go.Figure]:
    """Every footprint's status at a milestone month on the bundled boundaries, built once per month. Read-only."""
    from charts.progress import status_map
    from stp_data import journey

    _, _, months, _ = progress_tables()
    row = months.set_index("at").loc[at]
    statuses = journey.status_at(bundle().designations, profiles(), row["end"])
    return statuses, lean_figure(status_map(map_geometry()[0], statuses, row["label"]))


WARM_CACHES = "STP_WARM_CACHES"


@st.cache_resource(show_spinner=False)
def warm_up_in_background() -> bool:
    """With STP_WARM_CACHES=1 (deploy/cluster.py sets it): build every footprint's shared figures in a background
    thread once the server is up, so no viewer pays a page's first build (about 0.5 s per footprint).

    Off by default: a laptop or a test server starts faster without it, and builds each page on first use.
    """
    import os
    import threading

    if os.environ.get(WARM_CACHES) != "1":
        return False
    threading.Thread(target=_warm_everything, name="stp-warm-caches", daemon=True).start()
    return True


def _warm_everything() -> None:
    from settings import EMERGENCY_CARE
    from stp_data.metrics import shows_gauge

    measures = bundle().measures
    emergency = measures.loc[(measures["theme"] == EMERGENCY_CARE) & shows_gauge(measures), "measure"].tolist()
    progress_tables()
    default_time_to_ics()
    default_swimlane()
    for measure in emergency:
        default_small_multiples_laptop(measure)
    for code in profiles()["code"]:
        default_footprint_detail(code)
        footprint_milestones(code)
        default_footprint_figures(code)
        default_footprint_trends(code)
        for measure in emergency:
            default_footprint_xmr(code, measure, None)
    # Like freeze_startup_heap: what every run shares moves out of the collector's sight, or Streamlit's full
    # collection after each run would walk all 44 footprints' figures (measured: 2x the CPU per page).
    gc.collect()
    gc.freeze()
