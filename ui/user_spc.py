"""Making Data Count charts for a series the user loaded: SPC where a footprint has 12 or more points."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.spc import LAPTOP_COLUMNS, relayout_small_multiples, small_multiples
from stp_data import emergency, spc
from stp_data.links import escape_markdown
from ui import controls, page_data, state


def user_spc_section(data: page_data.PageData, measure: str) -> None:
    """All footprints' XmR charts for one of the user's measures, concern first, and why others have none."""
    info = data.bundle.measure_rows[measure]
    qualifying, reasons = emergency.series_for_spc(data.bundle.metrics, measure)
    st.header("Month by month: Making Data Count charts")
    if not qualifying:
        st.info(
            f"No SPC charts: every footprint has fewer than {emergency.MIN_SPC_POINTS} points for this measure, "
            "too few to set meaningful process limits. The trend above shows the values.",
            icon=":material/info:",
        )
        return
    polarity = info["polarity"] if info["polarity"] in spc.POLARITIES else "neutral"
    target = info.get("target")
    target = None if target is None or pd.isna(target) else float(target)
    results = {code: spc.xmr(series, polarity=polarity, target=target) for code, series in qualifying.items()}
    order = emergency.small_multiples_order({code: r.variation for code, r in results.items()}, data.names)
    source = f"Your data: {info['title']}."
    fig = small_multiples(
        [(code, qualifying[code], results[code]) for code in order],
        data.names,
        unit=str(info["unit"]),
        decimals=int(info["decimals"]),
        note=source,
    )
    # Built in 8 columns for a board screen and the PNG; a laptop's narrower column shows 5, as for the bundled data.
    shown = fig if state.is_board() else relayout_small_multiples(fig, LAPTOP_COLUMNS)
    st.plotly_chart(
        controls.figure(shown),
        key=f"user_spc_{measure}",
        config={"displaylogo": False},
        alt=f"{len(results)} small XmR charts of {info['name']}, special cause of concern first.",
    )
    st.caption(escape_markdown(source))
    if reasons:
        st.caption(
            escape_markdown(
                f"{len(reasons)} footprint(s) have a line in the trend but no SPC chart: "
                f"fewer than {emergency.MIN_SPC_POINTS} points."
            )
        )
    controls.chart_downloads(fig, name=f"stp-{measure}-spc", title=f"{info['name']}: SPC", source=source)
