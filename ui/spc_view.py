"""Making Data Count on the page: one footprint's XmR chart with its icons, and every footprint's at once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import spc as spc_charts
from settings import EMERGENCY_CARE
from stp_data import emergency
from stp_data.links import escape_markdown
from stp_data.loading import Bundle
from stp_data.metrics import shows_gauge
from ui import cache, controls, page_data, state

ICON_KEY = (
    "Points: orange = special cause of concern, blue = improvement, grey = common cause (ordinary variation). "
    "Dashed lines: process limits (mean ± 2.66 × mean moving range); ⚑ a trust's return missing or partial."
)


def measure_info(bundle: Bundle, measure: str) -> pd.Series:
    return bundle.measures.set_index("measure").loc[measure]


def source_line(info: pd.Series) -> str:
    return f"Source: {info['publisher']}, {info['title']} ({info['published']})."


def caveats(measure: str) -> tuple[str, ...]:
    return emergency.AE_CAVEATS if measure.startswith("ae_") else emergency.BED_CAVEATS


def icon_table(results: dict, names: dict[str, str]) -> pd.DataFrame:
    """Each footprint's variation and assurance, concern first: the small multiples as text."""
    order = emergency.small_multiples_order({code: r[1].variation for code, r in results.items()}, names)
    rows = []
    for code in order:
        series, result = results[code]
        assurance = result.assurance_icon
        rows.append(
            {
                "Footprint": names.get(code, code),
                "Code": code,
                "Latest": series["period"].iloc[-1],
                "Value": round(float(series["value"].iloc[-1]), 1),
                "Variation": result.variation_icon.label,
                "Assurance": assurance.label if assurance is not None else "No target",
            }
        )
    return pd.DataFrame(rows)


def all_footprints_section(data: page_data.PageData, measure: str) -> None:
    """All footprints' SPC charts on one screen, concern first, and the same as a table."""
    bundle, names = data.bundle, data.names
    info = measure_info(bundle, measure)
    bundled = data.bundled_only or measure in set(cache.bundle().measures["measure"])
    if bundled:
        results, fig = cache.default_spc(measure), cache.default_small_multiples(measure)
    else:
        results = emergency.all_footprints_spc(bundle.metrics, bundle.measures, bundle.flags, measure, bundle.codes)
        fig = spc_charts.ordered_small_multiples(bundle.measures, results, names, measure)
    table = icon_table(results, names)
    concern = int(table["Variation"].str.contains("concern", case=False).sum())
    improving = int(table["Variation"].str.contains("improvement", case=False).sum())
    st.header(f"Every footprint's SPC chart: {concern} show concern, {improving} improvement")
    st.caption(escape_markdown(ICON_KEY))
    # Built (and cached) in 8 columns for a board screen and the PNG; a laptop's narrower column shows 5.
    if state.is_board():
        shown = fig
    elif bundled:
        shown = cache.default_small_multiples_laptop(measure)
    else:
        shown = spc_charts.relayout_small_multiples(fig, spc_charts.LAPTOP_COLUMNS)
    st.plotly_chart(
        controls.figure(shown),
        key=f"spc_all_{measure}",
        config={"displaylogo": False},
        alt=f"{len(results)} small XmR charts of {info['name']}, sorted with special cause of concern first. "
        "The table below lists each footprint's variation and assurance.",
    )
    st.caption(escape_markdown(source_line(info)))
    controls.chart_downloads(
        fig, name=f"stp-{measure}-spc-all", title=f"{info['name']}: every footprint", source=source_line(info)
    )
    st.dataframe(table, hide_index=True, width="stretch")
    controls.table_downloads(table, name=f"stp-{measure}-spc-icons", source=source_line(info))
    with st.expander("What these figures can and cannot say"):
        for caveat in caveats(measure):
            st.markdown(f"- {escape_markdown(caveat)}")


def footprint_section(data: page_data.PageData, code: str, measure: str, recalculate: bool) -> None:
    """One footprint's XmR chart with England, the target, flagged points, its icons and what they mean."""
    bundle = data.bundle
    info = measure_info(bundle, measure)
    if measure in set(cache.bundle().measures["measure"]):  # bundled series: the same for every viewer
        series, result, fig = cache.default_footprint_xmr(code, measure, recalculate)
    else:
        series, result, fig = spc_charts.footprint_xmr(bundle, code, measure, recalculate=recalculate)
    name = data.names.get(code, code)
    icons = result.variation_icon.label
    if result.assurance_icon is not None:
        icons += f" · {result.assurance_icon.label}"
    st.subheader(escape_markdown(f"{info['name']}: {icons}"))
    st.plotly_chart(
        controls.figure(fig),
        key=f"xmr_{measure}",
        config={"displaylogo": False},
        alt=f"XmR chart of {info['name']} for {name}, {len(series)} points. {result.summary()}",
    )
    st.markdown(escape_markdown(result.summary()))
    st.caption(escape_markdown(ICON_KEY + " " + source_line(info)))
    controls.chart_downloads(
        fig, name=f"stp-{code}-{measure}-spc", title=f"{name}: {info['name']}", source=source_line(info)
    )


def footprint_choice(data: page_data.PageData, code: str) -> None:
    """The footprint page's Emergency care charts: the measure in the URL (?measure=), Burton's break on offer."""
    catalogue = data.bundle.measures
    options = catalogue.loc[
        (catalogue["theme"] == EMERGENCY_CARE)
        & shows_gauge(catalogue)
        & catalogue["measure"].isin(data.bundle.measures_with_data),
        ["measure", "name"],
    ]
    if options.empty:
        return
    names = dict(zip(options["measure"], options["name"], strict=True))
    measure = state.url_selectbox(
        "Emergency care chart", list(names), param="measure", default=emergency.AE_PCT, format_func=names.get
    )
    recalculate = False
    if code in emergency.BURTON_CODES and measure in emergency.BURTON_MEASURES:
        # In the URL (?recalc=2018-07), so a shared link shows the same limits; off by default, as on the
        # Emergency care page, so both pages give the same icons.
        recalculate = st.toggle(
            "Recalculate the limits from July 2018 (Burton's A&E moved from Staffordshire to Derbyshire)",
            value=st.query_params.get("recalc") == emergency.BURTON_BREAK,
            key=f"burton_{measure}",
        )
        if recalculate:
            st.query_params["recalc"] = emergency.BURTON_BREAK
            st.caption(
                "Only 9 months follow July 2018: limits from fewer than 12 points are provisional, so read the "
                "icons after the break with care."
            )
        else:
            st.query_params.pop("recalc", None)
    footprint_section(data, code, measure, recalculate)
