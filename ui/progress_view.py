"""The Progress page's parts: time to ICS by 2017 rating, the map at a date, every footprint's journey."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.ae_progress import chart_alt, group_chart
from charts.progress import PROGRESS_SOURCE as SOURCE
from charts.progress import WORKFORCE_TRENDS_SOURCE, journey_swimlane, status_map, time_to_ics_chart
from stp_data import ae_progress as ae
from stp_data import emergency, journey
from stp_data.links import escape_markdown
from ui import cache, controls, page_data, state

LATER_RATINGS = (
    "Ratings after 2017 (the 2018-19 ICS maturity index levels, the integrated care boards' oversight segments) "
    "exist but were not published per footprint, so the July 2017 rating is the only one shown."
)


def tables(data: page_data.PageData) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Shared for the bundled ratings; per view when the user loaded their own."""
    if not data.user_ratings:
        return cache.progress_tables()
    b, p = data.bundle, data.profiles
    return (
        journey.journeys(b.designations, p),
        journey.cumulative_by_group(b.designations, p),
        journey.milestone_months(b.designations, b.codes),
        journey.milestones(b.designations, b.codes),
    )


def chosen_month(months: pd.DataFrame) -> str:
    """The map's date from ?at=YYYY-MM: checked, snapped to the milestone in force, a notice for a bad value."""
    options = months["at"].tolist()
    raw = st.query_params.get("at")
    if raw is None:
        return options[-1]
    choice = journey.parse_at(raw)
    if choice.notice:
        st.warning(choice.notice + " Showing the latest date instead.", icon=":material/info:")
        st.query_params.pop("at", None)
        return options[-1]
    return journey.snap_to_milestone(choice.at, options)


def time_to_ics_section(data: page_data.PageData, cumulative: pd.DataFrame, months: pd.DataFrame) -> None:
    st.header("Time to integrated care system, by July 2017 rating")
    fig = cache.default_time_to_ics() if not data.user_ratings else time_to_ics_chart(cumulative, months, note=SOURCE)
    st.plotly_chart(
        controls.shown(fig),
        key="time_to_ics",
        config={"displaylogo": False},
        alt="Step lines: the share of each July 2017 rating group's footprints that were integrated care systems "
        "at each date from June 2017 to July 2022. The table below has the numbers.",
    )
    st.caption(escape_markdown(SOURCE))
    table = cumulative.assign(joined=cumulative["joined"].map(", ".join))[
        ["group_label", "label", "n", "ics", "partly", "share", "joined"]
    ].rename(
        columns={
            "group_label": "July 2017 rating",
            "label": "Date",
            "n": "Footprints",
            "ics": "ICS by then",
            "partly": "Partly designated",
            "share": "Share ICS",
            "joined": "Joined at this date",
        }
    )
    with st.expander("The numbers behind the chart"):
        st.dataframe(table, hide_index=True, width="stretch")
        controls.table_downloads(table, name="stp-time-to-ics", source=SOURCE)
    controls.chart_downloads(fig, name="stp-time-to-ics", title="Time to ICS by July 2017 rating", source=SOURCE)


# --- Did the middle catch up? A&E type-1 4-hour performance per group ----------------------------------------
AE_BY = {"rating": "July 2017 rating", "wave": "ICS wave (year the whole footprint became an ICS)"}
AE_METHOD = (
    "Each line is its group's patients seen within 4 hours summed over its footprints, divided by their summed "
    "type-1 attendances at trusts reporting 4-hour data, never an average of percentages; England is the same over "
    "all footprints. The table sums each 12 months' counts the same way."
)
AE_RATINGS_SOURCE = "Ratings: NHS England STP progress dashboard (21 July 2017) as reported; 16 of 44 named."
AE_WAVES_SOURCE = "ICS waves: designations 2017-2022 as cited per milestone (Data & sources)."


@dataclass(frozen=True)
class AeView:
    """Everything the A&E section shows for one grouping. Read-only once built."""

    by: str
    series: pd.DataFrame
    england: pd.DataFrame
    table: pd.DataFrame
    headline: str
    fig: go.Figure
    alt: str
    source: str
    notes: tuple[str, ...]


def ae_source(measures: pd.DataFrame, by: str) -> str:
    info = measures.set_index("measure").loc[emergency.AE_PCT]
    grouping = AE_RATINGS_SOURCE if by == "rating" else AE_WAVES_SOURCE
    return f"Source: {info['publisher']}, {info['title']} ({info['published']}). {grouping}"


def _burton_note(groups: dict[str, str]) -> str:
    """Where Burton's move lands in this grouping, from the codes (a step between two groups, or within one)."""
    before, after = (groups.get(code) for code in emergency.BURTON_CODES)
    if before is None or after is None or before == after:
        return ""
    return f"Here Burton's attendances move from the group “{before}” to “{after}” in July 2018."


def build_ae_view(metrics: pd.DataFrame, measures: pd.DataFrame, profiles: pd.DataFrame, by: str) -> AeView:
    """The grouping's monthly series, England, the 12-month table, the headline, the figure and its alt text."""
    if by == "rating":
        groups, order = ae.rating_groups(profiles), ae.RATING_ORDER
    else:
        groups = ae.ics_waves(profiles)
        order = ae.wave_order(groups)
    series = ae.group_series(metrics, groups, order)
    england = ae.england_series(metrics)
    spans = ae.windows(england["period"])
    summary = ae.window_summary(series, spans)
    table = ae.summary_table(
        pd.concat([summary, ae.window_summary(england, spans)], ignore_index=True),
        spans,
        pd.concat([series, england], ignore_index=True),
    )
    headline = ae.rating_headline(summary, spans) if by == "rating" else ae.wave_headline(summary, england, spans)
    source = ae_source(measures, by)
    fig = group_chart(series, england, note=source)
    first, last = (ae.month_label(p) for p in (england["period"].min(), england["period"].max()))
    alt = chart_alt(table[table["Group"] != ae.ENGLAND], spans, by=AE_BY[by].split(" (")[0], first=first, last=last)
    notes = (
        AE_METHOD,
        emergency.CAVEAT_PROVIDER,
        emergency.CAVEAT_BURTON.removesuffix(" Limits can be recalculated from July 2018."),
        _burton_note(groups),
        emergency.CAVEAT_FIELD_TEST,
        emergency.CAVEAT_RECLASSIFICATION,
        emergency.CAVEAT_STANDARD,
        "" if by == "rating" else ae.wave_rule(profiles),
    )
    return AeView(by, series, england, table, headline, fig, alt, source, tuple(n for n in notes if n))


@st.cache_resource(show_spinner=False, max_entries=len(AE_BY))
def default_ae_view(by: str) -> AeView:
    """The A&E section for the bundled ratings, built once per grouping and shared by every viewer. Read-only."""
    b = cache.bundle()
    return build_ae_view(b.metrics, b.measures, cache.profiles(), by)


# The milestones tables' column headings (here and on Compare).
MILESTONE_HEADINGS = {
    "footprint": "Footprint",
    "code": "Code",
    "date_label": "Date",
    "milestone": "Milestone",
    "partial": "Part of footprint",
    "basis": "Basis",
    "links": "Source",
    "notes": "Notes",
}


def ae_section(data: page_data.PageData) -> None:
    head = st.container()  # the heading above the selector, written once the data's months are known
    by = state.url_selectbox("Group footprints by", list(AE_BY), param="ae_by", format_func=AE_BY.get)
    if data.user_ratings or not data.shares_bundled(ae.WITHIN):  # a user's ratings, or months from their files
        view = build_ae_view(data.bundle.metrics, data.bundle.measures, data.profiles, by)
    else:
        view = default_ae_view(by)
    first, last = (ae.month_label(p) for p in (view.england["period"].min(), view.england["period"].max()))
    head.header(f"Did the middle catch up on A&E? Type-1 4-hour performance, {first} – {last}")
    st.markdown(escape_markdown(view.headline))
    st.plotly_chart(controls.shown(view.fig), key=f"ae_groups_{by}", config={"displaylogo": False}, alt=view.alt)
    st.caption(escape_markdown(view.source))
    st.caption(escape_markdown(view.notes[0]))  # the method, then the caveats
    st.caption(escape_markdown(" ".join(view.notes[1:])))
    name = f"stp-ae-4hr-by-{by}"
    one_decimal = {
        column: st.column_config.NumberColumn(column, format="%.1f")
        for column in view.table.columns
        if column.endswith(("(%)", "(points)"))
    }
    st.dataframe(view.table, hide_index=True, width="stretch", column_config=one_decimal)
    controls.table_downloads(view.table, name=name, source=view.source)
    title = f"A&E type-1 4-hour performance by {AE_BY[by].split(' (')[0]}, {first} – {last}"
    controls.chart_downloads(view.fig, name=name, title=title, source=view.source)


def map_section(data: page_data.PageData, months: pd.DataFrame) -> None:
    labels = dict(zip(months["at"], months["label"], strict=True))
    at = chosen_month(months)
    st.header(f"Every footprint in {labels[at]}")
    picked = st.select_slider(
        "Date (milestones only: nothing changed in between)",
        options=list(labels),
        value=at,
        format_func=labels.get,
        key=f"progress_at_{at}",  # a new key per URL value, so a link or Back always wins over the old slider
    )
    if picked != at:
        st.query_params["at"] = picked
        st.rerun()
    st.query_params["at"] = at
    what = months.set_index("at").loc[at, "what"]
    if data.bundled_only:  # the same for every viewer: built once per milestone date
        statuses, fig = cache.default_status_map(at)
    else:
        statuses = journey.status_at(data.bundle.designations, data.profiles, months.set_index("at").loc[at, "end"])
        fig = status_map(data.geojson, statuses, labels[at])
    counts = statuses["status"].value_counts()
    controls.clickable_map(
        fig,
        key="progress_map",
        alt=f"Map of the footprints coloured by status in {labels[at]}: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in journey.STATUSES)
        + ". Click a footprint to open it.",
    )
    st.caption(
        escape_markdown(f"{labels[at]}: {what}. ")
        + " · ".join(f"**{counts.get(s, 0)}** {s}" for s in journey.STATUSES)
        + escape_markdown(f". Maps drawn with {data.boundaries_label}.")
    )


def journeys_section(data: page_data.PageData, paths: pd.DataFrame, steps: pd.DataFrame, names: dict[str, str]) -> None:
    st.header("Every footprint's journey")
    fig = cache.default_swimlane() if not data.user_ratings else journey_swimlane(paths, steps, note=SOURCE)
    st.plotly_chart(
        controls.shown(fig),
        key="journey_swimlane",
        config={"displaylogo": False},
        alt="One row per footprint, sorted by designation date and coloured by July 2017 rating, with a marker "
        "for each milestone (hollow where inferred by elimination). The table below lists every milestone.",
    )
    table = steps.assign(
        footprint=steps["code"].map(names),
        basis=steps["basis"].map(journey.BASIS_LABELS),
        links=steps["links"].map(lambda links: links[0][1] if links else None),
    )[["footprint", "code", "date_label", "milestone", "partial", "basis", "links", "notes"]]
    table = table.rename(columns=MILESTONE_HEADINGS)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Source": st.column_config.LinkColumn("Source", display_text="source")},
    )
    st.caption("“Inferred by elimination”: no source names the footprint; the wave's total leaves only it.")
    controls.table_downloads(table, name="stp-journeys", source=SOURCE)
    controls.chart_downloads(fig, name="stp-journeys", title="Every footprint's journey to ICS", source=SOURCE)


def render() -> None:
    data = page_data.current()
    paths, cumulative, months, steps = tables(data)
    st.title("Progress: did the middle catch up?")
    st.markdown(escape_markdown(journey.headline(journey.median_months(paths))))
    st.caption(escape_markdown(LATER_RATINGS))
    controls.user_data_banner(data)
    time_to_ics_section(data, cumulative, months)
    ae_section(data)
    map_section(data, months)
    journeys_section(data, paths, steps, data.names)


ICS_SINCE_HELP = (
    "When the whole footprint first became an integrated care system (or its predecessor, a shadow accountable "
    "care system), as the sources date it. All 42 footprints became statutory ICSs on 1 July 2022."
)


def ics_since(profile: pd.Series) -> str:
    """'Dec 2020 (inferred)', 'Jun 2019 (as Cumbria and North East)', 'Part from Jun 2017', or 'Jul 2022'."""
    label = profile.get("ics_label")
    if isinstance(label, str) and label:
        basis = " (inferred)" if profile.get("ics_basis") == "inferred" else ""
        return label + basis
    if bool(profile.get("first_partial")):
        return f"Part from {profile['first_label']}"
    return "Jul 2022 (statutory)"


def footprint_journey(profile: pd.Series) -> None:
    """A footprint's milestones with their sources, and its own numbers over time against England."""
    code, name = profile["code"], profile["name"]
    st.header("Journey: from STP to integrated care system")
    st.markdown(cache.footprint_milestones_text(code))
    # Workforce figures are bundled only (a user's measures are their own theme): shared by every viewer.
    _, fig, alt = cache.default_footprint_trends(code)
    if fig is None:
        return
    st.subheader("Its workforce over time, against England and the middle half of footprints")
    note = WORKFORCE_TRENDS_SOURCE
    st.plotly_chart(
        controls.shown(fig),
        key="footprint_trends",
        config={"displaylogo": False},
        alt=alt,
    )
    st.caption(escape_markdown(note))
    controls.chart_downloads(
        fig, name=f"stp-{code}-workforce-trends", title=f"{name}: workforce over time", source=note
    )
