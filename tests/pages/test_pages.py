"""Every page through Streamlit's AppTest: no exception, expected elements, deep links, bad links.

AppTest does not follow st.switch_page called after a widget interaction, so
map clicks, table picks and the search box are driven in the real browser test.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

DASHBOARD = str(ROOT / "dashboard.py")
OVERVIEW_TITLE = "STP progress ratings, July 2017"


def run(query: dict[str, str] | None = None, page: str | None = None, session: dict | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def assert_maps_need_no_network(at: AppTest) -> None:
    """Every SVG map is sent with the inline topojson stub; without it the browser asks a CDN for a world map."""
    maps = [chart for chart in at.get("plotly_chart") if "geo" in json.loads(chart.proto.spec)["layout"]]
    assert maps
    for chart in maps:
        assert json.loads(chart.proto.config)["topojsonURL"].startswith("data:application/json,")


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_overview_shows_map_bell_curve_headlines_and_the_middle():
    at = run()
    assert titles(at) == [OVERVIEW_TITLE]
    map_fig, bell_fig = figures(at)
    assert sum(len(t["locations"]) for t in map_fig["data"]) == 44
    assert {t["type"] for t in map_fig["data"]} == {"choropleth"}
    assert_maps_need_no_network(at)
    assert [t["type"] for t in bell_fig["data"]] == ["bar", "bar", "scatter"]
    assert [m.value for m in at.metric] == ["5 footprints", "34 footprints", "5 footprints"]
    middle_links = [link.proto for link in at.get("page_link") if link.proto.page == "footprint"]
    assert len(middle_links) == 34
    assert {link.query_string for link in middle_links} >= {"stp=E54000022", "stp=E54000013"}
    assert "Norfolk and Waveney · 1.0m · Advanced" in {link.label for link in middle_links}
    assert at.warning == []


def test_footprint_search_is_in_the_sidebar_with_names_and_codes():
    # Choosing from it is tested in the real browser (AppTest's set_value does not follow switch_page).
    at = run()
    search = at.sidebar.selectbox(key="footprint_search")
    assert len(search.options) == 44
    assert "Dorset · E54000041" in search.options
    assert search.value is None


@pytest.mark.parametrize("code", ["E54000034", "e54000034"])
def test_deep_link_selects_frimley(code):
    at = run({"stp": code})
    assert titles(at) == ["Frimley"]
    assert at.query_params["stp"] == "E54000034"
    assert any("Rated Outstanding" in h.value for h in at.header)
    assert at.sidebar.selectbox(key="footprint_search").value == "E54000034"
    bell = figures(at)[0]
    assert "Frimley" in bell["layout"]["title"]["text"]
    assert_sent_lean(figures(at))


def assert_sent_lean(specs: list[dict]) -> None:
    """Figures go out with only the template entries their traces use, and dates without a time of day."""
    assert specs
    for spec in specs:
        drawn = {trace["type"] for trace in spec["data"]}
        assert set(spec["layout"]["template"].get("data", {})) <= drawn
        sent = json.dumps(spec["data"])
        assert "T00:00:00" not in sent, sent[sent.index("T00:00:00") - 40 :][:120]


def test_short_dates_keep_every_date_and_gap_and_leave_other_values_alone():
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from charts.style import lean_figure

    days = pd.to_datetime(["2016-04-30", None, "2016-06-30"])
    fig = go.Figure(
        [
            go.Scatter(x=days.to_numpy(), y=[1.0, 2.0, 3.0]),
            go.Scatter(x=["2016-04-30T00:00:00", "2016-05-31T00:00:00"], y=["a", "b"]),
            go.Scatter(x=pd.to_datetime(["2016-04-30 12:30"]).to_numpy(), y=np.array([1.5])),  # a time: kept
        ]
    )
    lean_figure(fig)
    assert list(fig.data[0].x) == ["2016-04-30", None, "2016-06-30"] and list(fig.data[0].y) == [1.0, 2.0, 3.0]
    assert list(fig.data[1].x) == ["2016-04-30", "2016-05-31"] and list(fig.data[1].y) == ["a", "b"]
    assert str(fig.data[2].x[0]).startswith("2016-04-30T12:30")
    assert set(fig.layout.template.data.to_plotly_json()) <= {"scatter"}


@pytest.mark.parametrize("bad", ["E99999999", "<script>alert(1)</script>", "E54000999", "x" * 2000, "[a](http://e.x)"])
def test_bad_stp_gives_notice_and_overview(bad):
    at = run({"stp": bad})
    assert titles(at) == [OVERVIEW_TITLE]
    (notice,) = at.warning
    assert "Showing the overview instead" in notice.value
    assert "<script>" not in notice.value and "http" not in notice.value
    assert "stp" not in at.query_params


def test_unpublished_rating_says_so():
    at = run({"stp": "E54000013"})
    assert titles(at) == ["Lincolnshire"]
    assert any("not published" in h.value for h in at.header)
    # Nine unpublished domain results are one sentence, not nine rows; the space goes to ten years of A&E.
    text = " ".join(m.value for m in at.markdown)
    assert "No public source gives this footprint's results in any of the 9 domains." in text
    assert not any("Domain" in df.value.columns for df in at.dataframe)
    labels = [m.label for m in at.metric]
    assert "2016/17" in labels and "Latest 12 months" in labels
    assert any("Mar 2025 – Feb 2026 · England" in c.value for c in at.caption)


def test_footprint_page_without_a_code_asks_for_one():
    at = run(page="pages/footprint.py")
    assert titles(at) == ["Footprint"]
    assert at.info and "Find a footprint" in at.info[0].value


def test_capital_and_care_system_shown_with_sources():
    at = run({"stp": "E54000047"})  # Cumbria: Advanced, ICS wave 2, £325m with two amounts
    text = " ".join(m.value for m in at.markdown)
    assert "ICS wave 2" in text and "One of the 15 areas" in text and "£105m" in text


def test_sources_page_lists_every_table_with_downloads():
    at = run(page="pages/sources.py")
    assert titles(at) == ["Data & sources"]
    downloads = at.get("download_button")
    # catalogue + 15 tables (3 workforce/finance metrics, 2 emergency care metrics, flags, designations, and the
    # 8 others) as CSV and as Excel + boundaries
    assert len(downloads) == 1 + 2 * len(cache_bundle().tables()) + 1
    assert len(cache_bundle().tables()) == 14
    assert any("Open Government Licence v3.0" in i.value for i in at.info)


def cache_bundle():
    from stp_data.loading import load_bundle

    return load_bundle()


def gauge_counts(at: AppTest) -> list[tuple[int, int]]:
    """(needles, 'Not published' gauges) for each chart that has gauges."""
    counts = []
    for fig in figures(at):
        needles = sum(1 for trace in fig["data"] if trace["type"] == "indicator")
        missing = sum(1 for a in fig["layout"].get("annotations", []) if a.get("name") == "not-published")
        if needles or missing:
            counts.append((needles, missing))
    return counts


@pytest.mark.parametrize(
    ("code", "workforce", "finance"),
    [
        ("E54000025", (9, 0), (3, 6)),  # Hertfordshire and West Essex: the most finance figures
        ("E54000047", (9, 0), (2, 7)),  # West, North and East Cumbria: some
        ("E54000013", (9, 0), (0, 9)),  # Lincolnshire: no finance figure published
    ],
)
def test_footprint_gauges(code, workforce, finance):
    at = run({"stp": code})
    # Emergency care: A&E 4-hour, bed occupancy and long stays, published for every footprint.
    assert gauge_counts(at) == [workforce, finance, (3, 0)]
    assert any(
        h.value.startswith("Workforce: better than England on") and h.value.endswith("of 9 measures") for h in at.header
    )
    finance_heading = f"Finance: {finance[0]} of 9 measures published"
    assert finance_heading in [h.value for h in at.header]


@pytest.mark.parametrize("page", ["pages/workforce.py", "pages/finance.py"])
def test_theme_pages_switch_measure_and_period(page):
    at = run(page=page)
    assert not at.exception
    for index in range(4):
        at.selectbox(key="url_measure").select_index(index).run()
        assert not at.exception
        period = at.selectbox(key="url_period")
        at.selectbox(key="url_period").select_index(0).run()
        assert not at.exception
        assert at.query_params["period"] == period.options[0]
        # Finance figures are not on one basis: a cited list replaces the bell curve there. A measure with more
        # than one period also gets its trend (every footprint a faint line).
        trend = 1 if len(period.options) > 1 else 0
        assert len(at.get("plotly_chart")) == (1 if page.endswith("finance.py") else 2) + trend
        assert any(len(df.value) == 44 and "Footprint" in df.value.columns for df in at.dataframe)


def test_workforce_deep_link_with_measure_period_and_footprint():
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page("pages/workforce.py")
    for key, value in {"measure": "nurse_fte_per100k", "period": "September 2016", "stp": "E54000034"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert at.selectbox(key="url_measure").value == "nurse_fte_per100k"
    assert at.selectbox(key="url_period").value == "September 2016"
    _, histogram, trend = figures(at)
    assert any("Frimley" in a["text"] for a in histogram["layout"]["annotations"])
    assert any("Frimley" in (t.get("name") or "") for t in trend["data"])  # the chosen footprint is highlighted
    assert "Change since September 2015" in at.dataframe[0].value.columns
    assert_maps_need_no_network(at)


def test_theme_page_ignores_unknown_measure_and_period():
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page("pages/finance.py")
    at.query_params["measure"] = "<b>bogus</b>"
    at.query_params["period"] = "1066"
    at.run()
    assert not at.exception
    assert at.query_params["measure"] == "stp_plan_do_nothing_gap_2020_21"
    assert at.query_params["period"] == "2020/21"
    assert len(at.dataframe) == 3  # each figure as reported, all footprints, and the £325m capital table
    assert "Source and wording" in at.dataframe[0].value.columns


def test_board_mode_from_the_url_hides_the_sidebar_and_keeps_a_way_out():
    at = run({"mode": "board", "stp": "E54000034"})
    assert titles(at) == ["Frimley"]
    assert len(at.sidebar.selectbox) == 0 and len(at.sidebar.toggle) == 0
    assert any(b.label == "Leave presentation mode" for b in at.button)
    bell = figures(at)[0]
    assert bell["layout"]["font"]["size"] > 20  # type scaled up for a shared screen
    # Leaving is clicked in the real browser test (AppTest does not follow st.rerun after a click).


def test_presentation_toggle_switches_board_mode_on():
    at = run({"stp": "E54000041"})
    at.sidebar.toggle(key="board_toggle").set_value(True).run()
    assert at.query_params["mode"] == "board"
    assert titles(at) == ["Dorset"]


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("pages/footprint.py", {"stp": "E54000024", "mode": "board"}),
        ("pages/workforce.py", {"measure": "dpc_fte_per100k", "period": "September 2016", "stp": "E54000009"}),
        ("pages/finance.py", {"measure": "stp_gap_aggregate_control_total_vs_plans", "period": "2017/18"}),
    ],
)
def test_share_link_round_trips(page, query):
    from urllib.parse import parse_qs, urlsplit

    first = AppTest.from_file(DASHBOARD, default_timeout=60)
    first.run()
    first.switch_page(page)
    for key, value in query.items():
        first.query_params[key] = value
    first.run()
    assert not first.exception
    (link,) = [c.value for c in first.code]
    parts = urlsplit(link)
    assert parts.path.strip("/") == page.removeprefix("pages/").removesuffix(".py")
    shared = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    assert query.items() <= shared.items()

    second = AppTest.from_file(DASHBOARD, default_timeout=60)
    second.run()
    second.switch_page(page)
    for key, value in shared.items():
        second.query_params[key] = value
    second.run()
    assert not second.exception
    assert titles(second) == titles(first)
    assert [s.value for s in second.selectbox] == [s.value for s in first.selectbox]
    assert [c.value for c in second.code] == [link]


def test_figures_shared_by_every_viewer_are_not_changed_by_board_mode_or_exports():
    """The footprint page's figures are built once and shared read-only: a page run must leave them as built."""
    from charts.footprint_figures import footprint_figures
    from ui import cache as cached

    run({"stp": "E54000034", "mode": "board"}, page="pages/footprint.py")
    shared = cached.default_footprint_figures("E54000034")
    bars, curve = cached.rating_bars()
    profile = cached.profiles().set_index("code", drop=False).loc["E54000034"]
    fresh = footprint_figures(cached.bundle(), profile, bars, curve, areas=44, note=cached.distribution_note())
    assert shared.bell.to_dict() == fresh.bell.to_dict()
    assert {t: f.to_dict() for t, f in shared.gauges.items()} == {t: f.to_dict() for t, f in fresh.gauges.items()}
    before = cached.default_overview_figures()[0].to_dict()
    run({"mode": "board"})
    assert cached.default_overview_figures()[0].to_dict() == before
