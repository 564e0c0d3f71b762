"""The theme pages (Workforce, Finance, Emergency care, Your data): one measure across all footprints."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings as s
from charts.distribution import measure_histogram
from charts.measure_map import measure_map
from charts.progress import trend_lines
from stp_data import emergency, journey
from stp_data import metrics as m
from stp_data.links import escape_markdown, parse_footprint_param
from stp_data.loading import Bundle
from ui import cache, controls, page_data, state

INTRO = {
    s.USER_THEME: "The measures you loaded, for every footprint your file covers. Labels, units and polarity come "
    "from your file; footprints it leaves out show as not published.",
    s.WORKFORCE: (
        "Workforce was “a key issue in almost every footprint” (NHS England board papers, May 2016, as reported by "
        "National Health Executive). Staff per 100,000 people, for all 44 footprints."
    ),
    s.FINANCE: (
        "Only 16% of NHS finance directors thought sustainable STPs were achievable (HFMA survey, reported by "
        "National Health Executive, 2016). Figures below were found for 12 of 44 footprints and are **not on one "
        "basis**: each is shown with its own source and wording, and footprints are never ranked across measures."
    ),
    s.EMERGENCY_CARE: (
        "A&E 4-hour performance month by month (April 2016 – February 2026) and hospital beds through three winters, "
        "for all 44 footprints, read the way NHS boards read them: Making Data Count charts that separate a real "
        "change from ordinary variation. The 95% operational standard is the target for 4-hour performance."
    ),
}


GAP_NOTE = (
    "⚑ = a trust's return missing or partial, or a field-test trust's 4-hour data left out, that period (shown as "
    "published, not filled in): outlined on the map, hatched in the chart; the table says which."
)


def cite(info) -> str:
    """'Source: publisher, title (published)', without repeating dates the title already gives."""
    published = info["published"] if isinstance(info["published"], str) else ""
    dated = f" ({published})" if published and published not in str(info["title"]) else ""
    return f"Source: {info['publisher']}, {info['title']}{dated}."


def describe(info, period: str) -> str:
    """'name (unit), period', leaving out the unit or the period when the name already says it."""
    name, unit = str(info["name"]), info["unit"] if isinstance(info["unit"], str) else ""
    text = name if not unit or unit in name else f"{name} ({unit})"
    return text if period in name else f"{text}, {period}"


@dataclass(frozen=True)
class MeasureView:
    """One measure in one period as a theme page shows it: its numbers, figures and table. Read-only."""

    info: pd.Series
    values: pd.DataFrame
    england: float | None
    note: str
    gaps: dict[str, str]  # emergency care: footprints with a gap in the returns that period, with its note
    map: go.Figure
    histogram: go.Figure | None  # none for a theme never ranked (finance)
    trend: go.Figure | None  # none with one period, or for emergency care (SPC charts instead)
    trend_periods: int
    table: pd.DataFrame


def build_measure_view(
    bundle: Bundle, profiles: pd.DataFrame, names: dict[str, str], geojson: dict, theme: str, measure: str,
    period: str, code: str | None,
) -> MeasureView:  # fmt: skip
    """Everything a theme page draws for a measure and period, `code` highlighted: no Streamlit calls."""
    info = bundle.measure_rows[measure]
    values = m.values_for(bundle.metrics, measure, period)
    spread = m.spread(values)
    england = m.england_value(bundle.metrics, bundle.measures, measure, period)
    note = f"{cite(info)} {info['notes'] if isinstance(info['notes'], str) else ''}".strip()
    area_codes = {feature["id"] for feature in geojson["features"]}
    # Emergency care: footprints whose month rests on a missing or partial trust return, marked on every view.
    gaps = emergency.gaps_in_period(bundle.flags, measure, period) if theme == s.EMERGENCY_CARE else {}
    gaps = {c: n for c, n in gaps.items() if c in area_codes}  # those the map draws
    map_figure = measure_map(
        geojson, values, names, label=info["short_name"], unit=info["unit"],
        decimals=int(info["decimals"]), selected_code=code, gaps=gaps,
    )  # fmt: skip
    histogram = None
    if theme not in s.UNRANKED_THEMES:
        histogram = measure_histogram(
            values, names, unit=info["unit"], spread=spread, england=england, note=note, highlight_code=code, gaps=gaps
        )
    trend, trend_periods = None, 0
    if len(m.periods(bundle.metrics, measure)) > 1 and theme != s.EMERGENCY_CARE:
        series = journey.measure_series(bundle.metrics, measure)
        trends = journey.measure_trend(bundle.metrics, bundle.measures, measure, code)
        trend = trend_lines(
            series, trends, names=names, code=code, measure_name=info["name"], unit=info["unit"],
            decimals=int(info["decimals"]), note=cite(info),
        )  # fmt: skip
        trend_periods = len(trends)
    if theme == s.EMERGENCY_CARE:
        table = flagged_month_table(bundle, names, measure, period)
    else:
        table = m.change_table(bundle.metrics, measure, profiles).rename(
            columns={"code": "Code", "name": "Footprint", "region": "NHS England region"}
        )
    return MeasureView(info, values, england, note, gaps, map_figure, histogram, trend, trend_periods, table)


def measure_view(data: page_data.PageData, theme: str, measure: str, period: str, code: str | None) -> MeasureView:
    """Built once per measure, period and highlighted footprint for the bundled data; per run for a user's."""
    if data.bundled_only:
        return _bundled_measure_view(theme, measure, period, code)
    return build_measure_view(data.bundle, data.profiles, data.names, data.geojson, theme, measure, period, code)


@st.cache_resource(show_spinner=False, max_entries=64)
def _bundled_measure_view(theme: str, measure: str, period: str, code: str | None) -> MeasureView:
    """The same for every viewer of the bundled data (most of a theme page's run: about 200 ms). Read-only."""
    geojson, _ = cache.map_geometry()
    return build_measure_view(
        cache.bundle(), cache.profiles(), cache.footprint_names(), geojson, theme, measure, period, code
    )


def render_distribution(view: MeasureView, theme: str, measure: str, headline: str) -> None:
    """The bell curve of one measure across footprints, the middle half shaded, England marked."""
    info, note, histogram = view.info, view.note, view.histogram
    st.plotly_chart(
        controls.shown(histogram),
        key=f"{theme}_distribution",
        config={"displaylogo": False},
        alt=f"Histogram of {info['name']} across footprints with a fitted normal curve; the table lists them.",
    )
    st.caption(escape_markdown(note))
    source_line = cite(info)
    controls.chart_downloads(
        histogram, name=f"stp-{measure}-distribution", title=f"{info['name']}: {headline}", source=source_line
    )


def render(theme: str, title: str) -> tuple[str, str]:
    """The theme's page: measure and period (both in the URL), map, distribution, trend and table.

    Returns the measure and period shown, for pages that add a section (Emergency care: the SPC charts).
    """
    data = page_data.current()
    bundle, profiles, names = data.bundle, data.profiles, data.names
    measures = bundle.measures.loc[m.shows_gauge(bundle.measures)]
    catalogue = measures.loc[measures["theme"] == theme].set_index("measure")
    linked = parse_footprint_param(st.query_params.get("stp"), set(profiles["code"]))

    st.title(title)
    st.markdown(INTRO[theme])
    controls.user_data_banner(data)
    left, right = st.columns([2, 1])
    with left:
        measure = state.url_selectbox(
            "Measure", list(catalogue.index), param="measure", format_func=lambda key: catalogue.loc[key, "name"]
        )
    measure_periods = m.periods(bundle.metrics, measure)
    with right:
        period = state.url_selectbox("Period", measure_periods, param="period", default=measure_periods[-1])
    view = measure_view(data, theme, measure, period, linked.code)
    info, values, england, note, gaps = view.info, view.values, view.england, view.note, view.gaps

    # n and N count the same areas: those the maps draw (the 44, or the user's boundaries, e.g. the 42 of 2018).
    published = int(values["code"].isin(data.area_codes).sum())
    headline = f"{published} of {data.areas} {'areas' if data.user_boundaries else 'footprints'} published"
    if england is not None:
        headline += f" · England {england:,.{int(info['decimals'])}f} {info['unit']}"
    st.header(escape_markdown(headline))
    st.caption(escape_markdown(f"{describe(info, period)}. Polarity: {info['polarity'].replace('_', ' ')}."))

    map_col, chart_col = controls.columns([1, 1.2])
    source_line = cite(info)
    with map_col:
        map_figure = view.map
        controls.clickable_map(
            map_figure,
            key=f"{theme}_map",
            alt=f"Map of {info['name']} by footprint, {period}. The same figures are in the table below.",
        )
        gap_words = f" {GAP_NOTE}" if gaps else ""
        st.caption(escape_markdown(source_line + gap_words + " Boundaries: " + s.OGL_ATTRIBUTION))
        controls.chart_downloads(
            map_figure, name=f"stp-{measure}-map", title=f"{info['name']}, {period}", source=source_line
        )
    with chart_col:
        if theme in s.UNRANKED_THEMES:
            # Not on one basis: list each figure with its own source and words, never a distribution.
            st.subheader("Each figure as reported")
            # The measure is named above the table; its unit heads the value column (short: never cut off).
            value_label = info["unit"] if isinstance(info["unit"], str) and info["unit"] else "Value"
            cited = values.assign(Footprint=values["code"].map(names)).rename(
                columns={"value": value_label, "source": "Source and wording", "code": "Code"}
            )
            st.dataframe(
                cited[["Footprint", value_label, "Source and wording", "Code"]],
                hide_index=True,
                width="stretch",
                placeholder="",
                column_config={
                    "Footprint": st.column_config.TextColumn(width="medium"),
                    value_label: st.column_config.NumberColumn(
                        width="small", format=f"%,.{int(info['decimals'])}f", help=escape_markdown(info["name"])
                    ),
                    "Source and wording": st.column_config.TextColumn(width="large"),
                },
            )
            st.caption(escape_markdown(note))
        else:
            render_distribution(view, theme, measure, headline)

    if view.trend is not None:  # emergency care: SPC charts below instead
        render_trend(view, measure, linked.code, names, source_line)

    st.header("All footprints")
    table = view.table
    if theme == s.EMERGENCY_CARE:
        shown = st.column_config.NumberColumn(format=f"%,.{int(info['decimals'])}f")
        st.dataframe(
            table, hide_index=True, width="stretch", placeholder="", column_config={"Value": shown, "England": shown}
        )
        st.caption(f"Empty cells: not published. {GAP_NOTE}")
    else:
        st.dataframe(table, hide_index=True, width="stretch", placeholder="")
        st.caption("Empty cells: not published. Click a column heading to sort.")
    controls.table_downloads(table, name=f"stp-{measure}", source=source_line)
    if theme == s.FINANCE:
        render_capital(bundle)
    return measure, period


def flagged_month_table(bundle: Bundle, names: dict[str, str], measure: str, period: str) -> pd.DataFrame:
    table = emergency.month_table(bundle.metrics, bundle.measures, bundle.flags, measure, period, names)
    table["flagged"] = table["flagged"].map({True: "⚑", False: ""})
    return table.rename(
        columns={
            "code": "Code",
            "name": "Footprint",
            "value": "Value",
            "england": "England",
            "flagged": "Gap",
            "flag_note": "Gap in the returns",
            "source": "Source",
        }
    )


def render_trend(view: MeasureView, measure: str, code: str | None, names: dict[str, str], source_line: str) -> None:
    """Every footprint as a faint line, the chosen one highlighted, England bold, the middle half shaded."""
    st.header("Over time: every footprint")
    info, fig = view.info, view.trend
    chosen = f"; {names.get(code, code)} highlighted" if code else ""
    st.plotly_chart(
        controls.shown(fig),
        key=f"trend_{measure}",
        config={"displaylogo": False},
        alt=f"Line chart of {info['name']} for every footprint over {view.trend_periods} periods{chosen}, "
        "England in bold. The table below has the numbers.",
    )
    controls.chart_downloads(fig, name=f"stp-{measure}-trend", title=f"{info['name']} over time", source=source_line)


def render_capital(bundle) -> None:
    st.header("July 2017 £325m capital: the 15 areas")
    st.caption(
        "Written statement, Jeremy Hunt, 19 July 2017. Amounts reported for 4 areas; where sources differ, "
        "both are shown with their sources."
    )
    capital = bundle.capital.rename(
        columns={
            "stp17cd": "Code",
            "stp_name_2017": "Footprint",
            "scheme_and_amount_as_reported": "Scheme and amount as reported",
            "amount_source": "Amount sources",
        }
    )[["Code", "Footprint", "Scheme and amount as reported", "Amount sources"]]
    st.dataframe(capital.fillna({"Scheme and amount as reported": "Not published"}), hide_index=True, width="stretch")
