"""Reference page for first paint: bare Streamlit with two small Plotly charts.

Whatever the dashboard costs above this page is the dashboard's own cost (data,
map, layout); whatever both pay is Streamlit, Plotly and the browser.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Baseline", layout="wide")
st.title("Baseline")

left, right = st.columns(2)
with left:
    bars = go.Figure(go.Bar(x=["A", "B", "C", "D"], y=[5, 20, 14, 5]))
    st.plotly_chart(bars, key="baseline_bars", config={"displaylogo": False})
with right:
    line = go.Figure(go.Scatter(x=list(range(10)), y=[0, 1, 3, 6, 9, 9, 6, 3, 1, 0], mode="lines"))
    st.plotly_chart(line, key="baseline_line", config={"displaylogo": False})
