"""The Load data page through AppTest: a good file reaches the overview; a bad file's rows are reported."""

from __future__ import annotations

import json

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

DASHBOARD = str(ROOT / "dashboard.py")
GOOD = (
    b"STP code,Measure,Period,Value,Unit,Polarity\n"
    b'E54000034,Vacancy rate,Sep 2026,"7.5%",%,lower is better\n'
    b"E54000041,Vacancy rate,Sep 2026,9.1%,%,lower is better\n"
    b"E54000013,Vacancy rate,Sep 2026,11.0%,%,lower is better\n"
)
BAD = (
    b"code,measure,period,value,unit\n"
    b"E54000034,Vacancy rate,Sep 2026,7.5,%\n"
    b"E99999999,Vacancy rate,Sep 2026,8.0,%\n"
    b"E54000041,Vacancy rate,Sep 2026,lots,%\n"
    b"E54000034,Vacancy rate,Sep 2026,7.6,%\n"
)


def load_page() -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page("pages/load_data.py").run()
    assert not at.exception
    return at


def test_good_file_becomes_a_measure_on_the_overview():
    at = load_page()
    at.get("file_uploader")[0].upload("vacancies.csv", GOOD, "text/csv")
    at.run()
    assert [m.value for m in at.metric] == ["3", "3", "0"]
    at.button(key="confirm_upload").click().run()
    assert not at.exception
    assert any("Loaded vacancies.csv" in s.value.replace("\\", "") for s in at.success)

    at.switch_page("pages/overview.py").run()
    assert not at.exception
    picker = at.selectbox(key="url_measure")
    assert picker.options == ["July 2017 rating", "Vacancy rate"]
    assert any("your data" in i.value and "vacancies.csv" in i.value.replace("\\", "") for i in at.info)
    picker.set_value("vacancy_rate").run()
    assert not at.exception
    (map_spec, histogram) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    published, missing = map_spec["data"][:2]
    assert sorted(published["locations"]) == ["E54000013", "E54000034", "E54000041"]
    assert missing["name"] == "Not published (41)"
    assert sum(histogram["data"][0]["y"]) == 3

    at.query_params["stp"] = "E54000041"
    at.switch_page("pages/footprint.py").run()
    assert not at.exception
    assert any(h.value.startswith("Your data:") for h in at.header)


def test_bad_file_report_lists_the_exact_rows():
    at = load_page()
    at.get("file_uploader")[0].upload("bad.csv", BAD, "text/csv")
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["4", "1", "3"]
    rejected = at.dataframe[-1].value
    by_row = dict(zip(rejected["row"], rejected["reason"], strict=True))
    assert set(by_row) == {3, 4, 5}
    assert "footprint" in by_row[3].lower()
    assert "number" in by_row[4].lower() or "numeric" in by_row[4].lower()
    assert "duplicate" in by_row[5].lower()
    assert at.get("download_button")


def test_unusable_file_gets_a_clear_message():
    at = load_page()
    at.get("file_uploader")[0].upload("empty.csv", b"", "text/csv")
    at.run()
    assert not at.exception
    assert at.error and "empty.csv" in at.error[0].value.replace("\\", "")


def test_ratings_file_recolours_map_and_bell_curve():
    at = load_page()
    at.radio(key="upload_kind").set_value("Ratings (footprint code, rating)").run()
    ratings = b"code,rating\nE54000034,Needs most improvement\nE54000041,Advanced\nE54000013,Outstanding\n"
    at.get("file_uploader")[0].upload("our-ratings.csv", ratings, "text/csv")
    at.run()
    at.button(key="confirm_upload").click().run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    map_spec, bell = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    names = [t["name"] for t in map_spec["data"]]
    assert names[:2] == ["Outstanding (1)", "Advanced (1)"]
    assert names[2:] == ["Needs most improvement (1)", "Not in your ratings file (41)"]
    assert [m.value for m in at.metric] == ["1 footprints", "1 footprints", "1 footprints"]
    named = bell["data"][0]
    assert "Lincolnshire" in named["customdata"][0][2]


def test_footprint_bell_curve_and_board_pack_say_the_counts_are_the_users():
    # Was: the footprint page's bell curve (and its PDF) said "Counts (5 / 20 / 14 / 5): LGC/HSJ…" under the
    # user's bars. The board pack is built from the same FootprintFigures (bell_note), so it follows.
    at = load_page()
    at.radio(key="upload_kind").set_value("Ratings (footprint code, rating)").run()
    ratings = b"code,rating\nE54000034,Needs most improvement\nE54000041,Advanced\n"
    at.get("file_uploader")[0].upload("our-ratings.csv", ratings, "text/csv")
    at.run()
    at.button(key="confirm_upload").click().run()
    at.query_params["stp"] = "E54000034"
    at.switch_page("pages/footprint.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "your ratings file" in captions and "LGC/HSJ" not in captions
    bell = json.loads(at.get("plotly_chart")[0].proto.spec)
    notes = " ".join(a.get("text", "") for a in bell["layout"].get("annotations", []))
    assert "LGC/HSJ" not in notes


def test_data_folder_is_loaded_at_start_up(tmp_path, monkeypatch):
    (tmp_path / "workforce.csv").write_bytes(GOOD)
    monkeypatch.setenv("STP_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.selectbox(key="url_measure").options == ["July 2017 rating", "Vacancy rate"]
    assert any("workforce.csv" in i.value.replace("\\", "") for i in at.info)


def boundaries_of_2018_shape() -> bytes:
    """The shipped 2017 footprints with the three northern ones merged, as in April 2018 (E54000049)."""
    from geo.boundaries import BOUNDARIES_2017, load_boundaries

    shapes = load_boundaries(BOUNDARIES_2017, "stp17cd", "stp17nm")
    north = shapes["code"].isin(["E54000045", "E54000046", "E54000047"])
    merged = shapes.loc[north].dissolve().assign(code="E54000049", name="Cumbria and North East")
    combined = pd.concat([shapes.loc[~north], merged[["code", "name", "geometry"]]], ignore_index=True)
    return combined.rename(columns={"code": "stp18cd", "name": "stp18nm"}).to_json().encode()


def test_boundaries_of_another_vintage_are_used_by_the_maps():
    at = load_page()
    at.radio(key="upload_kind").set_value("Boundaries (GeoJSON, GeoPackage or zipped shapefile)").run()
    at.get("file_uploader")[0].upload("stp_2018.geojson", boundaries_of_2018_shape(), "application/geo+json")
    at.run()
    assert not at.exception
    assert at.selectbox(key="boundary_code_column").value == "stp18cd"
    assert [m.value for m in at.metric] == ["42"]
    assert json.loads(at.get("plotly_chart")[0].proto.config)["topojsonURL"].startswith("data:")  # preview map
    at.button(key="confirm_boundaries").click().run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    map_spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t["name"] for t in map_spec["data"]]
    assert "No July 2017 rating for this area (1)" in names
    assert sum(len(t["locations"]) for t in map_spec["data"]) == 42


def test_file_name_is_shown_as_text_not_markdown():
    at = load_page()
    at.get("file_uploader")[0].upload("[click](http://evil.example).csv", GOOD, "text/csv")
    at.run()
    at.button(key="confirm_upload").click().run()
    at.switch_page("pages/overview.py").run()
    (banner,) = [i.value for i in at.info if "your data" in i.value]
    assert "\\[click\\]\\(http" in banner
