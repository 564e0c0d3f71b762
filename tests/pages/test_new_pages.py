"""Progress and Emergency care through AppTest: no exception, expected elements, deep links, bad parameters."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.test_pages import DASHBOARD, figures, run, titles


def deep_link(page: str, query: dict[str, str]) -> AppTest:
    """Open `page` with `query` in the URL, the way a pasted link arrives (AppTest keeps the page's own params)."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_emergency_care_page_shows_map_distribution_table_and_every_footprints_spc():
    at = run(page="pages/emergency_care.py")
    assert titles(at) == ["Emergency care"]
    kinds = [{t["type"] for t in fig["data"]} for fig in figures(at)]
    assert {"choropleth"} in kinds  # the map
    assert any("bar" in k for k in kinds)  # the distribution
    spc = figures(at)[-1]
    # One panel per footprint (drawn in one pair of axes: a title each, and the figure's meta counts them).
    assert spc["layout"]["meta"]["panels"]["count"] == len(spc["layout"]["annotations"]) == 44
    headers = [h.value for h in at.header]
    assert headers[0].startswith("44 of 44 footprints published · England")
    assert any(h.startswith("Every footprint's SPC chart:") for h in headers)
    assert at.selectbox(key="url_period").value == "2026-02"  # the latest month
    # The default recalculation points are listed with their reasons, the same as the footprint page's.
    points = next(plain(c.value) for c in at.caption if c.value.startswith("Limits are recalculated at these points"))
    assert "March 2020" in points and "May 2019 and June 2023" in points and "Burton" in points
    assert "trial limits" in points


def test_emergency_care_deep_link_with_measure_and_period():
    at = deep_link("pages/emergency_care.py", {"measure": "ae_type1_4hr_pct", "period": "2017-12", "stp": "E54000033"})
    assert at.selectbox(key="url_period").value == "2017-12"
    table = at.dataframe[0].value
    sussex = table.loc[table["Code"] == "E54000033", "Value"].iloc[0]
    assert round(sussex, 1) == 84.3  # NHS England A&E return, Dec 2017: 42,292 attendances, 6,628 over 4 hours


def test_emergency_care_marks_a_gap_in_the_returns_on_map_chart_and_table():
    # December 2016: Rotherham's type-1 return was partial (South Yorkshire and Bassetlaw, E54000009).
    at = deep_link("pages/emergency_care.py", {"measure": "ae_type1_4hr_pct", "period": "2016-12"})
    map_spec, histogram = figures(at)[:2]
    outline = next(t for t in map_spec["data"] if t.get("name", "").startswith("⚑ Gap in the returns"))
    assert outline["locations"] == ["E54000009"]
    hatched = [t for t in histogram["data"] if t["type"] == "bar" and t.get("marker", {}).get("pattern")]
    assert len(hatched) == 1 and sum(hatched[0]["y"]) == 1
    assert any("⚑ = a trust's return missing or partial" in c.value for c in at.caption)
    table = at.dataframe[0].value.set_index("Code")
    assert table.loc["E54000009", "Gap"] == "⚑" and "Rotherham" in table.loc["E54000009", "Gap in the returns"]


@pytest.mark.parametrize("query", [{"measure": "<b>x</b>"}, {"period": "2099-01"}, {"measure": "gp_fte_per100k"}])
def test_emergency_care_ignores_unknown_measures_and_periods(query):
    at = deep_link("pages/emergency_care.py", query)
    assert at.selectbox(key="url_measure").value == "ae_type1_4hr_pct"


def test_footprint_page_has_the_xmr_chart_with_icons_and_the_journey():
    at = deep_link("pages/footprint.py", {"stp": "E54000033", "measure": "ae_type1_4hr_pct"})
    sub = [h.value for h in at.subheader]
    assert any(h.startswith("Type 1") or "A&E" in h for h in sub)
    xmr = next(f for f in figures(at) if any(t.get("name") == "Value" for t in f["data"]))
    names = {t.get("name") for t in xmr["data"]}
    assert {"Value"} <= names
    assert "Journey: from STP to integrated care system" in [h.value for h in at.header]
    assert any("Sussex" in m.value or "ICS" in m.value for m in at.markdown)


def plain(markdown: str) -> str:
    """Text as written, without escape_markdown's backslashes."""
    return markdown.replace("\\", "")


def xmr_figure(at: AppTest) -> dict:
    return next(f for f in figures(at) if any(t.get("name") == "Value" for t in f["data"]))


def trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name") == name)


def test_footprint_in_staffordshire_limits_restart_at_the_burton_move_by_default():
    at = deep_link("pages/footprint.py", {"stp": "E54000010"})
    picker = at.multiselect(key="recalc_E54000010_ae_type1_4hr_pct")
    assert picker.value == ["2018-07", "2020-03"]
    assert trace(xmr_figure(at), "Process limits")["x"].count(None) == 3
    assert any("2018-07 (Burton moves)" in plain(c.value) for c in at.caption)
    # Removing a point writes the URL; the defaults again leave it out.
    picker.set_value(["2020-03"]).run()
    assert not at.exception and at.query_params["recalc"] in ("2020-03", ["2020-03"])
    assert trace(xmr_figure(at), "Process limits")["x"].count(None) == 2
    at.button(key="recalc_E54000010_ae_type1_4hr_pct_reset").click().run()
    assert not at.exception and "recalc" not in at.query_params
    assert at.multiselect(key="recalc_E54000010_ae_type1_4hr_pct").value == ["2018-07", "2020-03"]


def test_footprint_frimley_shows_its_gap_never_a_line_across_it():
    at = deep_link("pages/footprint.py", {"stp": "E54000034", "measure": "ae_type1_4hr_pct"})
    fig = xmr_figure(at)
    line = trace(fig, "Value line")["x"]
    cut = line.index(None)
    assert line[cut - 1].startswith("2019-04") and line[cut + 1].startswith("2023-06")
    assert len(trace(fig, "Value")["x"]) == 70
    assert any("2023-06 (Gap" in plain(c.value) and "49 months" in plain(c.value) for c in at.caption)


def test_footprint_recalc_in_the_link_replaces_the_defaults():
    at = deep_link(
        "pages/footprint.py", {"stp": "E54000033", "measure": "ae_type1_4hr_pct", "recalc": "2020-03,2021-07"}
    )
    assert at.multiselect(key="recalc_E54000033_ae_type1_4hr_pct").value == ["2020-03", "2021-07"]
    assert trace(xmr_figure(at), "Process limits")["x"].count(None) == 3
    assert not at.warning


def test_footprint_recalc_none_warns_that_limits_span_the_pandemic():
    at = deep_link("pages/footprint.py", {"stp": "E54000033", "measure": "ae_type1_4hr_pct", "recalc": "none"})
    assert any("span the pandemic" in w.value for w in at.warning)
    assert trace(xmr_figure(at), "Process limits")["x"].count(None) == 1
    assert at.multiselect(key="recalc_E54000033_ae_type1_4hr_pct").value == []


def test_footprint_recalc_garbage_gets_a_notice_and_the_defaults():
    at = deep_link(
        "pages/footprint.py", {"stp": "E54000034", "measure": "ae_type1_4hr_pct", "recalc": "garbage,2099-01"}
    )
    assert any("“garbage”" in w.value and "default" in w.value for w in at.warning)
    assert trace(xmr_figure(at), "Value line")["x"].count(None) == 2


def test_progress_page_draws_the_steps_map_and_journeys():
    at = run(page="pages/progress.py")
    assert titles(at) == ["Progress: did the middle catch up?"]
    assert "Median time from the July 2017 ratings" in at.markdown[0].value
    headers = [h.value for h in at.header]
    assert headers[0] == "Time to integrated care system, by July 2017 rating"
    assert headers[1].startswith("Did the middle catch up on A&E?")  # tests/pages/test_progress_ae.py
    assert headers[2] == "Every footprint in Jul 2022"
    step, _ae, status, swimlane = figures(at)
    assert {t["type"] for t in status["data"]} == {"choropleth"}
    assert len({code for t in status["data"] for code in t["locations"]}) == 44
    assert len(step["data"]) >= 5  # a step line per July 2017 rating group
    assert len(swimlane["data"]) >= 1


def progress_map(at: AppTest) -> dict:
    return next(f for f in figures(at) if "geo" in f["layout"])


def test_progress_at_is_honoured_and_recolours_the_map():
    at_2019 = deep_link("pages/progress.py", {"at": "2019-06"})
    at_2017 = deep_link("pages/progress.py", {"at": "2017-07"})
    assert "Every footprint in Jun 2019" in [h.value for h in at_2019.header]
    assert "Every footprint in Jun 2017" in [h.value for h in at_2017.header]  # snapped to the milestone in force
    assert json.dumps(progress_map(at_2019)["data"]) != json.dumps(progress_map(at_2017)["data"])


@pytest.mark.parametrize("bad", ["garbage", "2030-01", "2016-01", "<script>alert(1)</script>", "2019-13"])
def test_progress_bad_at_gets_a_notice_and_the_latest_date(bad):
    at = deep_link("pages/progress.py", {"at": bad})
    assert at.warning and "Showing the latest date instead" in at.warning[0].value
    assert "<script>" not in at.warning[0].value
    assert "Every footprint in Jul 2022" in [h.value for h in at.header]


def monthly_csv(months: int) -> bytes:
    """A user's monthly series for three footprints, tidy, with a clear upward step in the last months."""
    rows = ["code,measure,period,value,unit,polarity"]
    for code, base in (("E54000034", 60.0), ("E54000041", 70.0), ("E54000013", 80.0)):
        for i in range(months):
            year, month = 2019 + i // 12, i % 12 + 1
            value = base + (i % 3) * 0.5 + (8.0 if i >= months - 8 else 0.0)
            rows.append(f"{code},Discharges before noon,{year}-{month:02d},{value:.1f},%,higher is better")
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(("months", "spc_charts"), [(24, True), (6, False)])
def test_your_data_gets_spc_charts_with_twelve_points_or_a_reason(months, spc_charts):
    from tests.pages.test_load_data import load_page

    at = load_page()
    at.get("file_uploader")[0].upload("discharges.csv", monthly_csv(months), "text/csv")
    at.run()
    at.button(key="confirm_upload").click().run()
    at.switch_page("pages/your_data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Month by month: Making Data Count charts" in [h.value for h in at.header]
    spc = [f for f in figures(at) if (f["layout"].get("meta") or {}).get("panels")]  # small multiples
    if spc_charts:
        assert spc and spc[-1]["layout"]["meta"]["panels"]["count"] == 3  # one panel per footprint
        assert spc[-1]["layout"]["meta"]["panels"]["columns"] == 5  # a laptop's column, as for the bundled data
    else:
        assert not spc
        assert any("fewer than 12 points" in i.value for i in at.info)


def test_footprint_winter_beds_keep_their_winters_whatever_the_link_says():
    query = {"stp": "E54000009", "measure": "ga_bed_occupancy_pct_weekly", "recalc": "2020-03"}
    at = deep_link("pages/footprint.py", query)
    assert any("keep their winter breaks" in c.value for c in at.caption)
    assert trace(xmr_figure(at), "Process limits")["x"].count(None) == 3  # three winters
    assert not at.multiselect
