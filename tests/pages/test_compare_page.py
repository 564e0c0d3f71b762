"""Compare through Streamlit's AppTest: a shared link draws everything, bad links give a notice, a peer group
writes the URL, and each footprint page links to its region's and rating group's comparison."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.test_pages import DASHBOARD, run

COMPARE = "pages/compare.py"
FOUR = "E54000033,E54000034,E54000007,E54000013"


def open_compare(stp: str | None, **extra: str) -> AppTest:
    """The compare page opened from a link (its ?stp= is a list, so the page is chosen before the first run)."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()  # the frame's first run (AppTest's first run of a page alone would rerun it through the frame)
    if stp is not None:
        at.query_params["stp"] = stp
    for key, value in extra.items():
        at.query_params[key] = value
    at.switch_page(COMPARE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_four_footprints_draw_spine_trends_and_tables():
    at = open_compare(FOUR)
    assert [t.value for t in at.title] == ["Compare"]
    assert at.warning == []
    assert at.query_params["stp"] == FOUR
    spine, trends, journeys = charts(at)
    footprint_traces = [t for t in spine["data"] if str(t.get("meta", "")).startswith("footprint:")]
    assert [t["meta"] for t in footprint_traces] == [f"footprint:{c}" for c in FOUR.split(",")]
    assert len({t["marker"]["symbol"] for t in footprint_traces}) == 4
    assert {t.get("meta") for t in trends["data"]} >= {"england", "standard", "footprint:E54000034"}
    assert len(journeys["layout"]["yaxis"]["categoryarray"]) == 4
    measures, header, icons, _milestones = (frame.value for frame in at.dataframe)
    assert header["Code"].tolist() == FOUR.split(",")
    assert "Frimley" in measures.columns and len(measures) > 12
    assert set(icons["Code"]) == set(FOUR.split(",")) and icons["Variation"].str.len().gt(0).all()
    assert any("not ranked" in c.value or "never ranked" in c.value for c in at.caption)
    assert any(b.label.startswith("Prepare Board pack for this comparison") for b in at.button)
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Download chart (PNG)", "Download table (CSV)", "Download table (Excel)"} <= labels
    assert at.multiselect(key="compare_pick").value == FOUR.split(",")


def test_presentation_mode_keeps_the_list():
    at = open_compare(FOUR, mode="board")
    assert at.query_params["mode"] == "board" and at.query_params["stp"] == FOUR
    spine = charts(at)[0]
    assert spine["layout"]["yaxis"]["tickfont"]["size"] >= 18


@pytest.mark.parametrize(
    ("stp", "kept", "said"),
    [
        ("E54000033,E54999999,E54000034", "E54000033,E54000034", "E54999999"),
        ("E54000033", "E54000033", "2 to 6"),
        (",".join(f"E540000{n}" for n in range(10, 17)), ",".join(f"E540000{n}" for n in range(10, 16)), "first 6"),
        ("E54000033,E54000033,E54000034", "E54000033,E54000034", "more than once"),
        ("<script>alert(1)</script>", None, "2 to 6"),
        ("", None, None),
    ],
)
def test_bad_lists_give_a_notice_never_a_crash(stp, kept, said):
    at = open_compare(stp)
    assert [t.value for t in at.title] == ["Compare"]
    assert at.query_params.get("stp") == kept
    notices = " ".join(w.value for w in at.warning)
    if said is None:
        assert notices == ""
    else:
        assert said in notices.replace("\\", "")
    assert "<script" not in notices
    ready = kept is not None and "," in kept
    assert len(at.get("plotly_chart")) == (3 if ready else 0)


def test_a_peer_group_choice_writes_the_url():
    at = open_compare(None)
    assert any("Choose 2 to 6" in i.value for i in at.info)
    at.selectbox(key="compare_peer_of").set_value("E54000013")
    at.selectbox(key="compare_peer_kind").set_value("region").run()
    at.button(key="compare_peer_go").click().run()
    assert not at.exception
    codes = at.query_params["stp"].split(",")
    assert codes[0] == "E54000013" and len(codes) == 6
    assert any("11 footprints in the region" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 3


def test_picking_footprints_writes_the_url():
    at = open_compare("E54000033,E54000034")
    at.multiselect(key="compare_pick").select("E54000007").run()
    assert not at.exception
    assert at.query_params["stp"] == "E54000033,E54000034,E54000007"


def test_footprint_page_links_to_its_region_and_rating_group():
    at = run({"stp": "E54000034"})
    links = {link.proto.label: link.proto for link in at.get("page_link") if link.proto.page == "compare"}
    assert set(links) == {"Compare with its region", "Compare with its rating group"}
    region = links["Compare with its region"].query_string
    assert region.startswith("stp=E54000034%2C") or region.startswith("stp=E54000034,")
    rating = links["Compare with its rating group"].query_string.replace("%2C", ",")
    assert rating.startswith("stp=E54000034,") and rating.count(",") == 4  # the five Outstanding footprints


def test_a_peer_group_link_says_how_it_was_formed():
    at = run({"stp": "E54000013"})
    region = next(link.proto for link in at.get("page_link") if link.proto.label == "Compare with its region")
    codes = region.query_string.replace("%2C", ",").removeprefix("stp=")
    at = open_compare(codes)
    assert any("11 footprints in the region; the 5 closest in population" in c.value for c in at.caption)
    assert not any("footprints in the region" in c.value for c in open_compare(FOUR).caption)


def test_your_data_joins_the_spine_and_the_spc_table():
    from tests.pages.test_load_data import load_page
    from tests.pages.test_new_pages import monthly_csv

    at = load_page()
    at.get("file_uploader")[0].upload("discharges.csv", monthly_csv(24), "text/csv")
    at.run()
    at.button(key="confirm_upload").click().run()
    at.query_params["stp"] = "E54000034,E54000041,E54000033"
    at.switch_page(COMPARE).run()
    assert not at.exception, [e.value for e in at.exception]
    spine = charts(at)[0]
    labels = spine["layout"]["yaxis"]["ticktext"]
    assert any("Discharges before noon" in label for label in labels)
    counts = {t["meta"]: len(t["x"]) for t in spine["data"] if str(t.get("meta", "")).startswith("footprint:")}
    assert counts["footprint:E54000034"] == counts["footprint:E54000033"] + 1  # no figure of Sussex's in the file
    assert any(a.get("name") == "not-published" for a in spine["layout"]["annotations"])
    icons = at.dataframe[2].value
    yours = icons[icons["Measure"] == "Discharges before noon"]
    assert set(yours["Code"]) == {"E54000034", "E54000041"}  # 24 points each; Sussex has none
