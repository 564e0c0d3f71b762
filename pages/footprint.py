"""One footprint: profile, rating and its source, place in the bell curve, care-system status, capital."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import settings as s
from stp_data import compare, emergency
from stp_data.links import escape_markdown, parse_footprint_param, source_links
from stp_data.metrics import versus_england
from stp_data.profiles import FootprintDetail
from ui import compare_view, controls, packs_view, page_data, progress_view, spc_view, state

state.ensure_app_frame()

MERGED_2018 = "not published (merged into Cumbria and North East in 2018)"
GAUGE_KEY = (
    "Blue bar: this footprint. Black line: England. Shaded band: the middle half of "
    "footprints (interquartile range); the scale spans the lowest to the highest footprint. ▲▼ compare with "
    "England, blue where better, orange where worse."
)

data = page_data.current()
bundle, profiles = data.bundle, data.profiles
linked = parse_footprint_param(st.query_params.get("stp"), set(profiles["code"]))


def cited(cell: object) -> str:
    """Markdown links for a source cell; the label text is escaped."""
    links = source_links(cell)
    return " · ".join(f"[{escape_markdown(label)}]({url})" for label, url in links) or "no source"


def ae_then_and_now(detail: FootprintDetail) -> None:
    """The footprint's A&E 4-hour % in 2016/17 and the latest 12 months, beside England's: ten years in two numbers."""
    years = detail.ae_years
    if years.empty:
        return
    st.markdown("**A&E seen within 4 hours (type 1)**, from the summed monthly counts")
    for column, row in zip(st.columns(len(years)), years.itertuples(), strict=True):
        value = "not published" if row.footprint is None or pd.isna(row.footprint) else f"{row.footprint:.1f}%"
        england = "" if row.england is None or pd.isna(row.england) else f"England {row.england:.1f}%"
        column.metric(row.years, value, help=f"{row.span}: {row.months} months with a 4-hour figure")
        # A caption, not the metric's delta: a delta pill cuts "Mar 2025 – Feb 2026 · England 60.6%" to an ellipsis.
        column.caption(f"{row.span} · {england}")
    st.caption(emergency.CAVEAT_PROVIDER)


def ask_for_a_footprint() -> None:
    """No footprint in the link: say how to choose one. The sidebar (drawn after the page) has the search box."""
    st.title("Footprint")
    st.info("Choose a footprint with **Find a footprint** in the sidebar, or from the overview's map or list.")
    state.page_link(s.OVERVIEW_PAGE, label="Back to the overview", query_params=state.params())


def show_footprint(code: str) -> None:
    """The whole page for one footprint."""
    detail = data.footprint_detail(code)
    p = detail.profile
    st.title(p["name"])
    st.caption(f"ONS code {p['code']} · STP footprint as rated in July 2017")
    with st.container(horizontal=True):  # the footprint beside its peers (pages/compare.py)
        for kind, label in (
            (compare.REGION, "Compare with its region"),
            (compare.RATING, "Compare with its rating group"),
        ):
            group = compare_view.peer_group(data, code, kind)
            if len(group.codes) < compare.MIN_FOOTPRINTS:  # e.g. alone in a user's rating group
                continue
            state.page_link(
                s.COMPARE_PAGE,
                label=label,
                query_params=state.params(stp=compare.format_compare_param(group.codes)),
                icon=":material/compare_arrows:",
                help=group.how_formed,
            )
    controls.user_data_banner(data)
    figures = data.footprint_figures(p)
    bell_figure, bell_note, themes, gauge_figures = figures.bell, figures.bell_note, figures.specs, figures.gauges

    rating_text = p["rating"] if isinstance(p["rating"], str) else "Not published"
    if data.user_ratings:
        yours = p["rating"] if isinstance(p["rating"], str) else "not in your file"
        st.header(escape_markdown(f"Your rating: {yours}"), divider="blue")
        st.caption(escape_markdown(str(p["rating_notes"])))
    elif isinstance(p["rating"], str):
        st.header(f"Rated {p['rating']} in July 2017", divider="blue")
        st.markdown(f"**Source:** {cited(p['rating_source'])}")
        if isinstance(p["rating_notes"], str):
            st.caption(escape_markdown(f"Note: {p['rating_notes']}"))
    else:
        st.header("July 2017 rating not published: in the middle", divider="grey")
        st.markdown(
            "All five Outstanding and all five Needs most improvement footprints are named in public sources and "
            "this is not one of them, so it was rated **Advanced or Making progress**. No public source found says "
            "which; we show neither rather than guess."
        )

    c1, c2, c3 = st.columns(3)
    c1.metric("Population (mid-2018, ONS)", f"{int(p['population']):,}")
    c2.metric("Integrated care system from", progress_view.ics_since(p), help=progress_view.ICS_SINCE_HELP)
    c3.metric("In the July 2017 £325m capital list", "Yes" if p["in_capital_325m"] else "No")

    def gauge_heading(theme: str) -> str:
        specs = themes[theme]
        published = sum(spec.value is not None for spec in specs)
        better, compared = versus_england(specs)
        if compared:
            return f"{theme.capitalize()}: better than England on {better} of {compared} measures"
        return f"{theme.capitalize()}: {published} of {len(specs)} measures published"

    # PowerPoint and PDF packs for a board paper, from the same figures as this page (see ui/packs_view.py).
    packs_view.pack_controls(data, "footprint", code, title="Board pack for this footprint")

    left, right = controls.columns([3, 2])
    with left:
        st.header("Where it sits in the bell curve")
        st.plotly_chart(
            controls.shown(bell_figure),
            key="footprint_bell",
            config={"displaylogo": False, "toImageButtonOptions": {"filename": f"stp-{p['code']}-bell-curve"}},
            alt=f"Bell curve of July 2017 ratings with {p['name']} marked ({rating_text}).",
        )
        st.caption(bell_note)
        controls.chart_downloads(
            bell_figure, name=f"stp-{p['code']}-bell-curve", title=f"{p['name']} in the bell curve", source=bell_note
        )
    with right:
        st.header("Profile")
        lead = f"{p['lead']}, {p['lead_org']}" if isinstance(p["lead"], str) else "Not published"
        st.markdown(f"**STP lead (2016):** {escape_markdown(lead)}")
        if isinstance(p["lead"], str):
            st.caption(f"Source: {cited(p['lead_source'])}")
        domains, domains_sentence = data.footprint_domains(code, detail)
        st.markdown(
            f"**Region:** 2016: {p['region_2016'] if isinstance(p['region_2016'], str) else 'not published'}; "
            f"2018: {p['region_2018'] if isinstance(p['region_2018'], str) else MERGED_2018}  \n"
            f"**Domain results** (nine domains under three themes): {domains_sentence}"
        )
        if not domains.empty:
            st.dataframe(domains, hide_index=True, width="stretch")
            st.caption(
                "Domain names as listed by a secondary source; NHS England's own wording confirms only the first two."
            )
        ae_then_and_now(detail)

    for theme, fig in gauge_figures.items():
        specs, heading = themes[theme], gauge_heading(theme)
        st.header(heading)
        st.plotly_chart(
            controls.shown(fig),
            key=f"gauges_{theme}",
            config={"displaylogo": False, "toImageButtonOptions": {"filename": f"stp-{p['code']}-{theme}"}},
            alt=f"{theme.capitalize()} gauges for {p['name']}: "
            + "; ".join(
                f"{spec.short_name} {'not published' if spec.value is None else f'{spec.value:,.{spec.decimals}f}'}"
                for spec in specs
            ),
        )
        st.caption(GAUGE_KEY + " Sources: " + figures.sources[theme])
        controls.chart_downloads(
            fig,
            name=f"stp-{p['code']}-{theme}",
            title=f"{p['name']}: {heading}",
            source=figures.sources[theme],
        )
        if theme == s.EMERGENCY_CARE:
            spc_view.footprint_choice(data, p["code"])
        if theme in s.THEME_PAGES:
            state.page_link(
                s.THEME_PAGES[theme],
                label=f"All footprints: {theme} measures",
                query_params=state.params(stp=p["code"]),
            )

    progress_view.footprint_journey(p)

    st.header("July 2017 £325m capital announcement")
    if detail.capital.empty:
        st.write("Not one of the 15 STP areas in the 19 July 2017 written statement.")
    for row in detail.capital.itertuples():
        st.markdown(f"**One of the 15 areas.** Source: {cited(row.list_source)}")
        if isinstance(row.scheme_and_amount_as_reported, str):
            st.markdown(f"Scheme and amount as reported: {escape_markdown(row.scheme_and_amount_as_reported)}")
            st.caption(f"Amount sources: {cited(row.amount_source)}")
        else:
            st.caption("Amount: not published for this area.")


if linked.code is None:
    ask_for_a_footprint()
else:
    show_footprint(linked.code)
