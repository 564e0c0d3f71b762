"""Making Data Count on the page: one footprint's XmR chart with its icons, and every footprint's at once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import spc as spc_charts
from settings import EMERGENCY_CARE
from stp_data import emergency, spc
from stp_data.links import RECALC_PARAM, RecalcChoice, escape_markdown, format_recalc_param, parse_recalc_param
from stp_data.loading import Bundle
from stp_data.metrics import periods
from ui import cache, controls, page_data, state

ICON_KEY = (
    "Points: orange = special cause of concern, blue = improvement, grey = common cause (ordinary variation). "
    "Dotted lines: process limits (mean ± 2.66 × mean moving range), recalculated at each dash-dot line; ⚑ a "
    "trust's return missing or partial, or a field-test trust's 4-hour data left out (shown as published, never "
    "filled in). No line is drawn across a month with no figure."
)


def measure_info(bundle: Bundle, measure: str) -> pd.Series:
    return bundle.measure_rows[measure]


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
    bundled = data.shares_bundled(measure)
    if bundled:
        results, fig = cache.default_spc(measure), cache.default_small_multiples(measure)
    else:
        results = emergency.all_footprints_spc(bundle.metrics, bundle.measures, bundle.flags, measure, bundle.codes)
        fig = spc_charts.ordered_small_multiples(bundle.measures, results, names, measure)
    table = icon_table(results, names)
    concern = int(table["Variation"].str.contains("concern", case=False).sum())
    improving = int(table["Variation"].str.contains("improvement", case=False).sum())
    st.header(f"Every footprint's SPC chart: {concern} show concern, {improving} improvement")
    st.caption(escape_markdown(ICON_KEY + " Icons are read at each footprint's latest month."))
    points = emergency.default_points_summary(measure, bundle.flags, periods(bundle.metrics, measure))
    if points:
        st.caption(
            escape_markdown(
                "Limits are recalculated at these points (the footprint page's defaults too, so its icons match): "
                + " ".join(points)
                + f" Segments of fewer than {spc.TRIAL_POINTS} points have trial limits."
            )
        )
    # Built (and cached) in 8 columns for a board screen and the PNG; a laptop's narrower column shows 5.
    if state.is_board():
        laid_out = fig
    elif bundled:
        laid_out = cache.default_small_multiples_laptop(measure)
    else:
        laid_out = spc_charts.relayout_small_multiples(fig, spc_charts.LAPTOP_COLUMNS)
    st.plotly_chart(
        controls.shown(laid_out),
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


def recalc_caption(chart: spc_charts.FootprintXmr) -> str:
    """Where the limits restart and why, and which limits are trial limits: printed under the footprint's chart."""
    parts = [f"{p.period} ({p.label}): {p.reason}" for p in chart.points]
    text = ("Limits recalculated from " + "; ".join(parts) + ".") if parts else "One set of limits."
    if chart.trial:
        spans = ", ".join(f"{first} – {last} ({points} points)" for first, last, points in chart.trial)
        text += (
            f" Trial limits (fewer than {spc.TRIAL_POINTS} points, NHSRplotthedots' convention): {spans}; they "
            "may move as months are added."
        )
    return text


def _write_recalc(key: str, defaults: tuple[str, ...]) -> None:
    value = format_recalc_param(st.session_state.get(key) or (), defaults)
    if value is None:
        st.query_params.pop(RECALC_PARAM, None)
    else:
        st.query_params[RECALC_PARAM] = value


def _reset_recalc(key: str) -> None:
    st.query_params.pop(RECALC_PARAM, None)
    st.session_state.pop(key, None)


def recalc_controls(
    code: str, measure: str, series: pd.DataFrame, chart: spc_charts.FootprintXmr, choice: RecalcChoice
) -> None:
    """Add or remove recalculation points (kept in the URL as ?recalc=), or go back to the defaults."""
    defaults, months = chart.defaults, chart.months
    default_months = tuple(m for m in defaults if m in months)
    current = default_months if choice.months is None else choice.months
    suggested = {m: note for m, note in chart.suggested.items() if m in months}
    present = set(series["period"].astype(str))
    options = sorted({*present.intersection(months), *current, *suggested})

    def label(month: str) -> str:
        if month in defaults:
            return f"{month} · {defaults[month][0]} (default)"
        if month in suggested:
            return f"{month} · reclassification (suggested)"
        return month

    key = f"recalc_{code}_{measure}"
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    with left:
        st.multiselect(
            "Recalculate the limits from",
            options,
            default=list(current),
            key=key,
            format_func=label,
            on_change=_write_recalc,
            args=(key, default_months),
            help="Kept in the link. Defaults: "
            + ("; ".join(f"{m} {defaults[m][1]}" for m in default_months) or "none")
            + (
                ". Suggested: the months a reclassification between department types steps this series."
                if suggested
                else "."
            ),
        )
    with right:
        st.button(
            "Reset to defaults",
            key=f"{key}_reset",
            on_click=_reset_recalc,
            args=(key,),
            disabled=choice.months is None,
        )


def footprint_section(data: page_data.PageData, code: str, measure: str) -> None:
    """One footprint's XmR chart with England, the target, flagged points, its icons and what they mean, its
    recalculation points drawn and listed with their reasons (?recalc= replaces the defaults)."""
    bundle = data.bundle
    info = measure_info(bundle, measure)
    shared = data.shares_bundled(measure)  # the same for every viewer: the series and chart come from the cache
    if shared:
        base = cache.default_footprint_xmr(code, measure)
        series, weekly, months = base.series, base.weekly, base.months
    else:
        series = emergency.footprint_series(bundle.metrics, bundle.flags, measure, code)
        weekly, months = emergency.recalc_shape(series)
    if series.empty:
        st.info(f"No figures for this footprint: {info['name']} is not published for it.")
        return
    raw = st.query_params.get(RECALC_PARAM)
    choice = RecalcChoice(None) if weekly else parse_recalc_param(raw, set(months))
    if choice.notice:
        st.warning(escape_markdown(choice.notice))
    if shared:
        chart = cache.default_footprint_xmr(code, measure, choice.months)
    else:
        chart = spc_charts.footprint_xmr(bundle, code, measure, recalc=choice.months)
    result = chart.result
    name = data.names.get(code, code)
    icons = result.variation_icon.label
    if result.assurance_icon is not None:
        icons += f" · {result.assurance_icon.label}"
    st.subheader(escape_markdown(f"{info['name']}: {icons}"))
    crosses_covid = series["period"].iloc[0] < emergency.COVID_BREAK <= series["period"].iloc[-1]
    if choice.months == () and crosses_covid:
        st.warning(
            "No recalculation points chosen: the limits span the pandemic (March 2020), when attendances fell, so "
            "they mix two different processes. A gap in the series is still a break."
        )
    st.plotly_chart(
        controls.shown(chart.figure),
        key=f"xmr_{measure}",
        config={"displaylogo": False},
        alt=f"XmR chart of {info['name']} for {name}, {len(series)} points. {result.summary()}",
    )
    st.markdown(
        escape_markdown(result.summary() + " Icons are read at the latest month, " + series["period"].iloc[-1] + ".")
    )
    st.caption(escape_markdown(recalc_caption(chart)) + "  \n" + escape_markdown(ICON_KEY + " " + source_line(info)))
    if weekly:
        if raw:
            st.caption(
                "Winter series keep their winter breaks: the link's recalculation points apply to monthly charts."
            )
    else:
        recalc_controls(code, measure, series, chart, choice)
    controls.chart_downloads(
        chart.figure, name=f"stp-{code}-{measure}-spc", title=f"{name}: {info['name']}", source=source_line(info)
    )


def footprint_choice(data: page_data.PageData, code: str) -> None:
    """The footprint page's Emergency care charts: the measure in the URL (?measure=), the recalculation points
    in it too (?recalc=)."""
    names = data.bundle.charted_by_theme.get(EMERGENCY_CARE)
    if not names:
        return
    measure = state.url_selectbox(
        "Emergency care chart", list(names), param="measure", default=emergency.AE_PCT, format_func=names.get
    )
    footprint_section(data, code, measure)
