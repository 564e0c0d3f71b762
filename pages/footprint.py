"""One footprint: profile, rating and its source, place in the bell curve, care-system status, capital."""

from __future__ import annotations

import streamlit as st

from charts.bell_curve import rating_bell_curve
from charts.gauges import gauge_row
from stp_data import cached, ratings
from stp_data.links import escape_markdown, parse_footprint_param, source_links
from stp_data.metrics import gauge_specs
from stp_data.profiles import footprint_detail

cached.ensure_app_frame()

MERGED_2018 = "not published (merged into Cumbria and North East in 2018)"

bundle = cached.bundle()
profiles = cached.profiles()
linked = parse_footprint_param(st.query_params.get("stp"), set(profiles["code"]))


def cited(cell: object) -> str:
    """Markdown links for a source cell; the label text is escaped."""
    links = source_links(cell)
    return " · ".join(f"[{escape_markdown(label)}]({url})" for label, url in links) or "no source"


if linked.code is None:
    st.title("Footprint")
    st.info("Choose a footprint with **Find a footprint** in the sidebar, or from the overview's map or list.")
    st.stop()

detail = footprint_detail(bundle, profiles, linked.code)
p = detail.profile
st.title(p["name"])
st.caption(f"ONS code {p['code']} · STP footprint as rated in July 2017")

rating_text = p["rating"] if isinstance(p["rating"], str) else "Not published"
if isinstance(p["rating"], str):
    st.subheader(f"Rated {p['rating']} in July 2017", divider="blue")
    st.markdown(f"**Source:** {cited(p['rating_source'])}")
    if isinstance(p["rating_notes"], str):
        st.caption(f"Note: {p['rating_notes']}")
else:
    st.subheader("July 2017 rating not published: in the middle", divider="grey")
    st.markdown(
        "All five Outstanding and all five Needs most improvement footprints are named in public sources and "
        "this is not one of them, so it was rated **Advanced or Making progress**. No public source found says "
        "which; we show neither rather than guess."
    )

c1, c2, c3 = st.columns(3)
c1.metric("Population (mid-2018, ONS)", f"{int(p['population']):,}")
c2.metric("ACS / ICS by June 2019", "Yes" if isinstance(p["care_system"], str) else "No")
c3.metric("In the July 2017 £325m capital list", "Yes" if p["in_capital_325m"] else "No")

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Where it sits in the bell curve")
    bars, curve = cached.rating_bars()
    st.plotly_chart(
        rating_bell_curve(
            bars,
            curve,
            note=ratings.distribution_note(bundle.distribution),
            highlight=(p["name"], p["rating"] if isinstance(p["rating"], str) else None),
        ),
        key="footprint_bell",
        config={"displaylogo": False, "toImageButtonOptions": {"filename": f"stp-{p['code']}-bell-curve", "scale": 2}},
        alt=f"Bell curve of July 2017 ratings with {p['name']} marked ({rating_text}).",
    )
with right:
    st.subheader("Profile")
    lead = f"{p['lead']}, {p['lead_org']}" if isinstance(p["lead"], str) else "Not published"
    st.markdown(f"**STP lead (2016):** {escape_markdown(lead)}")
    if isinstance(p["lead"], str):
        st.caption(f"Source: {cited(p['lead_source'])}")
    st.markdown(
        f"**Region:** 2016: {p['region_2016'] if isinstance(p['region_2016'], str) else 'not published'}; "
        f"2018: {p['region_2018'] if isinstance(p['region_2018'], str) else MERGED_2018}"
    )
    st.markdown("**Domain results** (nine domains under three themes)")
    st.dataframe(detail.domains, hide_index=True, width="stretch")
    st.caption("Domain names as listed by a secondary source; NHS England's own wording confirms only the first two.")

GAUGE_KEY = (
    "Blue bar: this footprint. Black line: England (population-weighted). Shaded band: the middle half of "
    "footprints (interquartile range); the scale spans the lowest to the highest footprint. ▲▼ compare with "
    "England, blue where better, orange where worse."
)
for theme, heading in (("workforce", "Workforce"), ("finance", "Finance")):
    specs = gauge_specs(bundle.metrics, bundle.measures, p["code"], theme)
    published = sum(spec.value is not None for spec in specs)
    st.subheader(f"{heading}: {published} of {len(specs)} measures published for {p['name']}")
    st.plotly_chart(
        gauge_row(specs, columns=3),
        key=f"gauges_{theme}",
        config={"displaylogo": False, "toImageButtonOptions": {"filename": f"stp-{p['code']}-{theme}", "scale": 2}},
        alt=f"{heading} gauges for {p['name']}: "
        + "; ".join(
            f"{spec.short_name} {'not published' if spec.value is None else f'{spec.value:,.{spec.decimals}f}'}"
            for spec in specs
        ),
    )
    st.caption(GAUGE_KEY if theme == "workforce" else "Finance figures are not on one basis: " + GAUGE_KEY)
    st.page_link(
        f"pages/{theme}.py", label=f"All footprints: {heading.lower()} measures", query_params={"stp": p["code"]}
    )

st.subheader("Accountable / integrated care system")
if detail.designations.empty:
    st.write("Not named in the ACS/ICS waves of June 2017, May 2018 or June 2019.")
for row in detail.designations.itertuples():
    st.markdown(
        f"**{escape_markdown(row.wave)}** ({escape_markdown(row.announced)}): as named, "
        f"“{escape_markdown(row.area_as_named_in_source)}”. Source: {cited(row.source)}"
    )

st.subheader("July 2017 £325m capital announcement")
if detail.capital.empty:
    st.write("Not one of the 15 STP areas in the 19 July 2017 written statement.")
for row in detail.capital.itertuples():
    st.markdown(f"**One of the 15 areas.** Source: {cited(row.list_source)}")
    if isinstance(row.scheme_and_amount_as_reported, str):
        st.markdown(f"Scheme and amount as reported: {escape_markdown(row.scheme_and_amount_as_reported)}")
        st.caption(f"Amount sources: {cited(row.amount_source)}")
    else:
        st.caption("Amount: not published for this area.")
