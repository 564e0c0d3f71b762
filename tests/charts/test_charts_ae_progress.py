"""The A&E-by-group chart: a line per group, England and the standard; hover text; gaps never joined."""

from __future__ import annotations

import pandas as pd

from charts.ae_progress import chart_alt, group_chart
from charts.style import for_board
from settings import BOARD_MIN_FONT_PX
from stp_data import ae_progress as ae
from tests.stp_data.test_ae_progress import FRIMLEY, counts


def frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    periods = ["2019-03", "2019-04", "2019-05", "2019-06"]
    rows = [("E54000041", p, 800, 1000) for p in periods]
    rows += [(FRIMLEY, p, 700, 1000) for p in ("2019-03", "2019-06")]  # a gap in April and May
    rows += [("E54000009", p, 600, 1000) for p in periods]
    metrics = counts(rows)
    groups = {FRIMLEY: "Frimley <b>alone</b>", "E54000041": "Dorset", "E54000009": "South Yorkshire"}
    return ae.group_series(metrics, groups), ae.england_series(metrics)


def test_one_trace_per_group_then_england_then_the_standard():
    series, england = frame()
    fig = group_chart(series, england, note="Source: test.")
    names = [t.name for t in fig.data]
    assert len(fig.data) == 3 + 2
    assert names[-2] == "England (3)" and names[-1].startswith("95% standard")
    assert list(fig.data[-1].y) == [95.0, 95.0]
    assert fig.layout.meta["source_note"] == "Source: test."
    assert "&lt;b&gt;alone&lt;/b&gt;" in names[0]  # data-derived text is escaped, never markup


def test_hover_gives_the_month_the_counts_and_the_footprints_covered():
    series, england = frame()
    fig = group_chart(series, england)
    dorset = next(t for t in fig.data if t.name.startswith("Dorset"))
    assert list(dorset.customdata[0]) == ["Dorset", "Mar 2019", "800", "1,000", "1 of 1 footprints with 4-hour data"]
    assert "%{y:.1f}% within 4 hours" in dorset.hovertemplate
    england_trace = fig.data[-2]
    assert england_trace.customdata[1][4] == "2 of 3 footprints with 4-hour data"


def test_a_month_without_data_is_a_gap_never_joined():
    series, england = frame()
    fig = group_chart(series, england)
    frimley = fig.data[0]
    assert list(frimley.y) == [70.0, None, None, 70.0]
    assert frimley.connectgaps is False
    assert all(t.connectgaps is False for t in fig.data[:-1])


def test_rating_groups_keep_their_rating_colours_and_every_line_its_own_dash():
    rows = [(c, "2016-04", 80, 100) for c in "TNUB"]
    groups = dict(zip("TNUB", ae.RATING_ORDER, strict=True))
    metrics = counts(rows)
    fig = group_chart(ae.group_series(metrics, groups, ae.RATING_ORDER), ae.england_series(metrics))
    dashes = [t.line.dash for t in fig.data[:4]]
    assert len(set(dashes)) == 4
    assert len({t.line.color for t in fig.data[:4]}) == 4


def test_presentation_mode_has_nothing_under_the_board_minimum():
    series, england = frame()
    spec = for_board(group_chart(series, england)).to_plotly_json()
    sizes = [spec["layout"]["font"]["size"], spec["layout"]["legend"]["font"]["size"]]
    sizes += [spec["layout"][axis]["tickfont"]["size"] for axis in ("xaxis", "yaxis")]
    assert min(sizes) >= BOARD_MIN_FONT_PX


def test_the_text_alternative_names_every_group_with_its_numbers():
    spans = (ae.financial_year("2016/17"), ae.Window(ae.LATEST, "Apr 2024 – Mar 2025", "2024-04", "2025-03"))
    table = pd.DataFrame({"Group": ["A", "B"], "2016/17 (%)": [90.0, 80.0], "Apr 2024 – Mar 2025 (%)": [70.0, 65.5]})
    alt = chart_alt(table, spans, by="July 2017 rating", first="Apr 2016", last="Mar 2025")
    assert "A 90.0% to 70.0%; B 80.0% to 65.5%" in alt and "one line per July 2017 rating" in alt
