"""The Compare page's parts: pick 2 to 6 footprints (or a peer group), then the spine chart, the A&E trends, the
Making Data Count icons and the journeys to ICS, side by side."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings as s
from charts import compare as compare_charts
from charts.progress import PROGRESS_SOURCE
from charts.spine import spine_alt, spine_chart
from stp_data import ae_progress as ae
from stp_data import compare, emergency, journey, spc
from stp_data.links import escape_markdown
from stp_data.loading import Bundle
from ui import cache, controls, packs_view, page_data, progress_view, state

PICK_KEY = "compare_pick"
PICK_SYNCED = "_compare_pick_synced"
PEER_NOTICE = "_compare_peer_notice"
SPINE_KEY = (
    "Each row is scaled to its own range, England at the centre line (the footprints' median where a measure has "
    "no England figure). Pale bar: the range of all footprints; dark band: the middle half (interquartile range). "
    "Right of the line is better than England (higher, for a measure where neither is better); ▲▼ say whether the "
    "footprint is above or below England, blue where better, orange where worse. Each footprint has its own shape "
    "and colour, named in the legend."
)
UNRANKED_NOTE = (
    "Finance measures are not on the chart: the figures were found on different bases (plans, deficits, control "
    "totals), so they are never ranked. They are listed in the table below as not ranked."
)
SPC_NOTE = (
    "Making Data Count icons read at each footprint's latest month, with the same default recalculation points as "
    "its footprint page (March 2020, the field-test months, Burton's move)."
)


@dataclass(frozen=True)
class CompareView:
    """Everything the comparison shows for one set of footprints. Read-only once built (shared when bundled)."""

    codes: tuple[str, ...]
    header: pd.DataFrame
    rows: pd.DataFrame
    spine: go.Figure
    spine_alt: str
    spine_table: pd.DataFrame
    unranked: tuple[str, ...]
    trends: go.Figure | None
    trends_alt: str
    ae_source: str
    journeys: go.Figure
    milestones: pd.DataFrame


def _source(measures: pd.DataFrame, measure: str) -> str:
    info = measures.set_index("measure").loc[measure]
    return f"Source: {info['publisher']}, {info['title']} ({info['published']})."


def build_view(
    bundle: Bundle,
    profiles: pd.DataFrame,
    names: dict[str, str],
    codes: tuple[str, ...],
    paths: pd.DataFrame,
    steps: pd.DataFrame,
    areas: int = 44,
) -> CompareView:
    rows = compare.spine_rows(bundle.metrics, bundle.measures, codes, areas=areas)
    spine_source = "Sources: " + "; ".join(dict.fromkeys(rows.loc[rows["ranked"], "source"])) + "."
    spine = spine_chart(rows, codes, names, note=spine_source)
    unranked = tuple(rows.loc[~rows["ranked"], "short_name"])
    trends, trends_alt, source = None, "", ""
    if emergency.AE_PCT in set(bundle.metrics["measure"]):
        source = _source(bundle.measures, emergency.AE_PCT)
        series = compare.footprint_trends(bundle.metrics, emergency.AE_PCT, codes)
        england = emergency.england_series(bundle.metrics, bundle.measures, emergency.AE_PCT)
        trends = compare_charts.ae_trends(series, england, codes, names, note=source)
        first, last = (ae.month_label(p) for p in (england["period"].min(), england["period"].max()))
        latest = series[series["period"] == series["period"].max()].set_index("code")["value"]
        trends_alt = (
            f"Lines: A&E type-1 4-hour performance {first} to {last} for "
            + ", ".join(
                f"{names.get(c, c)} ({'no figure' if pd.isna(latest.get(c)) else f'{latest[c]:.1f}%'} in {last})"
                for c in codes
            )
            + f", England bold black ({england['value'].iloc[-1]:.1f}%) and the 95% standard dashed. Months with no "
            "figure are gaps, never joined."
        )
    journeys = compare_charts.journeys(paths, steps, codes, note=PROGRESS_SOURCE)
    mine = steps[steps["code"].isin(set(codes))]
    milestones = mine.assign(
        footprint=mine["code"].map(names),
        basis=mine["basis"].map(journey.BASIS_LABELS),
        order=mine["code"].map({c: i for i, c in enumerate(codes)}),
    ).sort_values(["order", "placed"])[["footprint", "code", "date_label", "milestone", "partial", "basis"]]
    milestones = milestones.rename(columns=progress_view.MILESTONE_HEADINGS)
    return CompareView(
        codes=codes,
        header=compare.header_table(profiles, codes),
        rows=rows,
        spine=spine,
        spine_alt=spine_alt(rows, codes, names),
        spine_table=compare.spine_table(rows, codes, names),
        unranked=unranked,
        trends=trends,
        trends_alt=trends_alt,
        ae_source=source,
        journeys=journeys,
        milestones=milestones.reset_index(drop=True),
    )


@st.cache_resource(show_spinner=False, max_entries=128)
def _default_peer_group(code: str, kind: str) -> compare.PeerGroup:
    """A footprint's peer group among the bundled profiles: the same for every viewer. Read-only."""
    return compare.peer_group(cache.profiles(), code, kind)


def peer_group(data: page_data.PageData, code: str, kind: str) -> compare.PeerGroup:
    """The footprint page's "Compare with …" groups: shared for the bundled ratings (about 9 ms a run otherwise),
    built per view when a user's ratings change who is in a rating group."""
    return compare.peer_group(data.profiles, code, kind) if data.user_ratings else _default_peer_group(code, kind)


@st.cache_resource(show_spinner=False, max_entries=64)
def default_view(codes: tuple[str, ...]) -> CompareView:
    """The comparison for the bundled data, built once per set of footprints (in order) and shared. Read-only."""
    paths, _, _, steps = cache.progress_tables()
    return build_view(cache.bundle(), cache.profiles(), cache.footprint_names(), codes, paths, steps)


def view_for(data: page_data.PageData, codes: tuple[str, ...]) -> CompareView:
    """Shared for the bundled data; built per run when the session has its own files (never cached across)."""
    if data.bundled_only:
        return default_view(codes)
    if data.user_ratings:
        b = data.bundle
        paths, steps = journey.journeys(b.designations, data.profiles), journey.milestones(b.designations, b.codes)
    else:
        paths, _, _, steps = cache.progress_tables()
    return build_view(data.bundle, data.profiles, data.names, codes, paths, steps, areas=data.areas)


# ---------------------------------------------------------------- Making Data Count icons


def _icons(result: spc.SpcResult) -> tuple[str, str]:
    assurance = result.assurance_icon
    return result.variation_icon.label, assurance.label if assurance is not None else "No target"


def spc_table(data: page_data.PageData, codes: tuple[str, ...]) -> pd.DataFrame:
    """Each footprint's variation and assurance at its latest month: A&E 4-hour (the footprint page's cached chart
    when the figures are the bundled ones), then every measure of the user's with 12 or more points."""
    bundle, names = data.bundle, data.names
    rows = []
    measures = bundle.measures.set_index("measure")
    if emergency.AE_PCT in set(bundle.metrics["measure"]):
        for code in codes:
            if data.shares_bundled(emergency.AE_PCT):
                chart = cache.default_footprint_xmr(code, emergency.AE_PCT)
                series, result = chart.series, chart.result
            else:
                series, result = emergency.footprint_spc(
                    bundle.metrics, bundle.measures, bundle.flags, emergency.AE_PCT, code
                )
            if series.empty:
                continue
            variation, assurance = _icons(result)
            rows.append(_spc_row(names, code, measures.loc[emergency.AE_PCT], series, variation, assurance))
    for measure in measures.index[measures["theme"] == s.USER_THEME]:
        info = measures.loc[measure]
        qualifying, _ = emergency.series_for_spc(bundle.metrics, measure)
        polarity = info["polarity"] if info["polarity"] in spc.POLARITIES else "neutral"
        target = info.get("target")
        target = None if target is None or pd.isna(target) else float(target)
        for code in codes:
            if code in qualifying:
                result = spc.xmr(qualifying[code], polarity=polarity, target=target)
                variation, assurance = _icons(result)
                rows.append(_spc_row(names, code, info, qualifying[code], variation, assurance))
    return pd.DataFrame(rows, columns=["Footprint", "Code", "Measure", "Latest", "Value", "Variation", "Assurance"])


def _spc_row(names: dict, code: str, info: pd.Series, series: pd.DataFrame, variation: str, assurance: str) -> dict:
    return {
        "Footprint": names.get(code, code),
        "Code": code,
        "Measure": info["short_name"],
        "Latest": compare.period_label(series["period"].iloc[-1]),
        "Value": round(float(series["value"].iloc[-1]), 1),
        "Variation": variation,
        "Assurance": assurance,
    }


# ---------------------------------------------------------------- choosing footprints


def chosen(data: page_data.PageData) -> compare.CompareChoice:
    """?stp= read safely; the URL is rewritten to the footprints kept (or cleared), with a notice for the rest."""
    choice = compare.parse_compare_param(st.query_params.get("stp"), set(data.profiles["code"]))
    if choice.codes:
        st.query_params["stp"] = compare.format_compare_param(choice.codes)
    else:
        st.query_params.pop("stp", None)
    return choice


def _write(codes: list[str] | tuple[str, ...]) -> None:
    if codes:
        st.query_params["stp"] = compare.format_compare_param(codes)
    else:
        st.query_params.pop("stp", None)


def pickers(data: page_data.PageData, choice: compare.CompareChoice) -> None:
    """Footprints by name or code (at most six, written to the URL), or a peer group of one of them."""
    names = data.names or dict(zip(data.profiles["code"], data.profiles["name"], strict=True))
    labels = {code: f"{names.get(code, code)} · {code}" for code in data.profiles["code"]}
    if st.session_state.get(PICK_SYNCED) != choice.codes:  # a link, Back or a peer group moved the URL
        st.session_state[PICK_KEY] = list(choice.codes)
        st.session_state[PICK_SYNCED] = choice.codes
    # In presentation mode the choosing folds away, so the comparison itself is on the first screen.
    board = state.is_board()
    box = (
        st.expander("Change the footprints", icon=":material/tune:", expanded=not choice.ready)
        if board
        else st.container()
    )
    with box:
        picked = st.multiselect(
            f"Footprints to compare ({compare.MIN_FOOTPRINTS} to {compare.MAX_FOOTPRINTS})",
            options=sorted(labels, key=labels.get),
            format_func=labels.get,
            max_selections=compare.MAX_FOOTPRINTS,
            placeholder="Type a name or an E54 code",
            key=PICK_KEY,
        )
        if tuple(picked) != choice.codes:
            _write(picked)
            st.session_state[PICK_SYNCED] = tuple(picked)
            st.rerun()
        options = sorted(labels, key=labels.get)
        start = choice.codes[0] if choice.codes else None
        of_column, kind_column, go_column = st.columns([3, 3, 2], vertical_alignment="bottom")
        of = of_column.selectbox(
            "Or start from a peer group of",
            options,
            index=options.index(start) if start in options else None,
            format_func=labels.get,
            placeholder="Choose a footprint",
            key="compare_peer_of",
        )
        kind = kind_column.selectbox(
            "Peer group", list(compare.PEER_KINDS), format_func=compare.PEER_KINDS.get, key="compare_peer_kind"
        )
        go_column.button(
            "Show this group",
            key="compare_peer_go",
            disabled=of is None,
            icon=":material/group:",
            on_click=_open_peer_group,
            args=(data.profiles, of, kind),
        )
    if notice := st.session_state.pop(PEER_NOTICE, None):
        st.info(escape_markdown(notice), icon=":material/info:")


def _open_peer_group(profiles: pd.DataFrame, of: str | None, kind: str) -> None:
    """The button's callback (before the rerun it causes): the group into the URL, how it was formed kept."""
    if of is None:
        return
    group = compare.peer_group(profiles, of, kind, ae.ics_waves(profiles))
    if len(group.codes) < compare.MIN_FOOTPRINTS:
        st.session_state[PEER_NOTICE] = group.how_formed
        return
    _write(group.codes)


def how_formed(data: page_data.PageData, codes: tuple[str, ...]) -> str | None:
    """How the group was formed, when the footprints are exactly a peer group (read from the URL, so a shared
    link says it too)."""
    group = compare.recognised_group(data.profiles, codes, ae.ics_waves(data.profiles))
    return group.how_formed if group is not None else None


# ---------------------------------------------------------------- the page


def header_section(view: CompareView) -> None:
    st.header("Who is compared")
    st.dataframe(
        view.header,
        hide_index=True,
        width="stretch",
        column_config={"Population (mid-2018)": st.column_config.NumberColumn(format="localized")},
    )
    controls.table_downloads(view.header, name="stp-compare-footprints", source="Profiles: Data & sources page.")


def spine_section(view: CompareView) -> None:
    st.header("Every measure against England")
    st.plotly_chart(controls.shown(view.spine), key="compare_spine", config={"displaylogo": False}, alt=view.spine_alt)
    st.caption(escape_markdown(SPINE_KEY))
    note = view.spine.layout.meta["source_note"]
    st.caption(escape_markdown(note))
    if view.unranked:
        st.caption(escape_markdown(UNRANKED_NOTE))
    with st.expander("The numbers behind the chart"):
        st.dataframe(view.spine_table, hide_index=True, width="stretch")
        controls.table_downloads(view.spine_table, name="stp-compare-measures", source=note)
    controls.chart_downloads(
        view.spine, name="stp-compare-spine", title="Every measure against England: spine chart", source=note
    )


def trends_section(view: CompareView) -> None:
    if view.trends is None:
        return
    st.header("A&E seen within 4 hours (type 1), month by month")
    st.plotly_chart(
        controls.shown(view.trends), key="compare_ae_trends", config={"displaylogo": False}, alt=view.trends_alt
    )
    st.caption(escape_markdown(view.ae_source))
    st.caption(escape_markdown(" ".join((emergency.CAVEAT_FIELD_TEST, emergency.CAVEAT_STANDARD))))
    controls.chart_downloads(
        view.trends, name="stp-compare-ae-trends", title="A&E type-1 4-hour performance", source=view.ae_source
    )


def spc_section(data: page_data.PageData, codes: tuple[str, ...], source: str) -> None:
    table = spc_table(data, codes)
    if table.empty:
        return
    st.header("Making Data Count: variation and assurance now")
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(escape_markdown(SPC_NOTE))
    controls.table_downloads(table, name="stp-compare-spc", source=source or "Making Data Count icons")


def journeys_section(view: CompareView) -> None:
    st.header("Journeys to integrated care system")
    st.plotly_chart(
        controls.shown(view.journeys),
        key="compare_journeys",
        config={"displaylogo": False},
        alt="One row per compared footprint on one time axis, coloured by July 2017 rating, a marker for each "
        "milestone (hollow where inferred by elimination). The table below lists them.",
    )
    with st.expander("Every milestone"):
        st.dataframe(view.milestones, hide_index=True, width="stretch")
        controls.table_downloads(view.milestones, name="stp-compare-journeys", source=PROGRESS_SOURCE)
    controls.chart_downloads(
        view.journeys, name="stp-compare-journeys", title="Journeys to ICS", source=PROGRESS_SOURCE
    )


def footprint_links(view: CompareView) -> None:
    with st.container(horizontal=True):
        for row in view.header.itertuples():
            state.page_link(s.FOOTPRINT_PAGE, label=row.Footprint, query_params=state.params(stp=row.Code))


def render() -> None:
    data = page_data.current()
    st.title("Compare")
    st.caption(
        "A footprint beside its peers: every measure against England and the range of all footprints, then A&E "
        "month by month, the Making Data Count icons and the journeys to ICS."
    )
    controls.user_data_banner(data)
    choice = chosen(data)
    if choice.notice:
        st.warning(escape_markdown(choice.notice), icon=":material/info:")
    pickers(data, choice)
    if not choice.ready:
        st.info(
            f"Choose {compare.MIN_FOOTPRINTS} to {compare.MAX_FOOTPRINTS} footprints above, or a peer group.",
            icon=":material/info:",
        )
        return
    codes = choice.codes
    view = view_for(data, codes)
    if formed := how_formed(data, codes):
        st.caption(escape_markdown(formed))
    # PowerPoint and PDF for a board paper, from the same figures (ui/packs_view.py, scope "compare").
    packs_view.pack_controls(
        data, "compare", compare.format_compare_param(codes), title="Board pack for this comparison"
    )
    spine_section(view)
    header_section(view)
    trends_section(view)
    spc_section(data, codes, view.ae_source)
    journeys_section(view)
    footprint_links(view)
