"""The Load data page through AppTest: a good file reaches the overview; a bad file's rows are reported."""

from __future__ import annotations

import json
import re

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
    assert any("your upload" in i.value and "vacancies.csv" in i.value.replace("\\", "") for i in at.info)
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
    assert [m.value for m in at.metric] == ["1 footprint", "1 footprint", "1 footprint"]
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
    assert "loaded ratings file" in captions and "LGC/HSJ" not in captions
    # The footprint's details follow the user's file, never the shared (bundled) cache.
    assert any(h.value == "Your rating: Needs most improvement" for h in at.header)
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
    (banner,) = [i.value for i in at.info if "beyond the bundled sources" in i.value]
    assert "\\[click\\]\\(http" in banner


# --- Real files through the mapping step (issue 12) -----------------------------------------------------------

IMD_COLUMN = "IMD 2019 average score (population-weighted)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def footprint_codes() -> list[str]:
    from stp_data.loading import load_bundle

    return load_bundle().codes


def builders():
    from tests.stp_data.upload.upload_fixtures import builders

    return builders


def upload_metrics(at: AppTest, name: str, data: bytes, mime: str = XLSX) -> AppTest:
    at.get("file_uploader")[0].upload(name, data, mime)
    at.run()
    assert not at.exception
    return at


def counts(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def loaded_measures(at: AppTest) -> pd.DataFrame:
    (item,) = at.session_state["user_files"]
    return item.upload.measures


def test_analyst_workbook_is_accepted_before_any_click_and_loads_in_one():
    at = upload_metrics(load_page(), "imd-by-stp.xlsx", builders().analyst_workbook(footprint_codes()))
    assert counts(at) == ["44", "44", "0"]
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Reading the sheet 'IMD by STP'" in captions and "Found the header on row 3" in captions
    # The prefilled mapping, shown: the name column is a name, the population column population, one measure.
    assert at.selectbox(key="map_role::STP Name").value == "name"
    assert at.selectbox(key="map_role::Population (mid-2018)").value == "population"
    assert at.selectbox(key=f"map_role::{IMD_COLUMN}").value == "measure"
    assert at.selectbox(key=f"map_unit::{IMD_COLUMN}").value == "score"
    assert at.text_input(key=f"map_period::{IMD_COLUMN}").value == "2019"
    assert at.button(key="confirm_upload").label == "Use the 44 accepted rows"
    at.button(key="confirm_upload").click().run()
    assert not at.exception
    assert any("Loaded imd-by-stp.xlsx" in s.value.replace("\\", "") for s in at.success)
    assert len(at.session_state["user_files"][0].upload.accepted) == 44

    at.switch_page("pages/overview.py").run()
    assert not at.exception
    picker = at.selectbox(key="url_measure")
    assert picker.options == ["July 2017 rating", IMD_COLUMN]
    picker.set_value("imd_2019_average_score_population_weighted").run()
    assert not at.exception
    map_spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(map_spec["data"][0]["locations"]) == 44


def test_windows_1252_csv_with_unit_and_period_in_its_header():
    at = upload_metrics(load_page(), "gap.csv", builders().finance_gap_csv(footprint_codes()), "text/csv")
    assert counts(at) == ["7", "7", "0"]
    column = "Gap 2020/21 (£m)"
    assert at.selectbox(key=f"map_unit::{column}").value == "£ million"
    assert at.text_input(key=f"map_period::{column}").value == "2020/21"
    assert at.selectbox(key="map_role::Footprint").value == "name"
    assert at.button(key="confirm_upload").label == "Use the 7 accepted rows"


def test_changing_a_measures_polarity_changes_the_loaded_catalogue():
    at = upload_metrics(load_page(), "imd.xlsx", builders().analyst_workbook(footprint_codes()))
    assert at.selectbox(key=f"map_polarity::{IMD_COLUMN}").value == "neutral"
    at.selectbox(key=f"map_polarity::{IMD_COLUMN}").set_value("lower_is_better").run()
    at.text_input(key=f"map_name::{IMD_COLUMN}").set_value("Deprivation (IMD 2019)").run()
    assert not at.exception
    assert counts(at) == ["44", "44", "0"]
    measures_found = at.dataframe[-1].value
    assert measures_found["polarity"].tolist() == ["lower is better"]
    at.button(key="confirm_upload").click().run()
    measures = loaded_measures(at)
    assert measures["polarity"].tolist() == ["lower_is_better"]
    assert measures["name"].tolist() == ["Deprivation (IMD 2019)"]


def test_a_role_changed_to_ignore_is_not_read_and_a_missing_code_column_is_explained():
    at = upload_metrics(load_page(), "imd.xlsx", builders().analyst_workbook(footprint_codes()))
    at.selectbox(key="map_role::Population (mid-2018)").set_value("measure").run()
    assert not at.exception
    # A new measure column gets its own row in the mapping, prefilled from its header.
    assert at.text_input(key="map_name::Population (mid-2018)").value == "Population (mid-2018)"
    at.selectbox(key="map_role::STP Code").set_value("ignore").run()
    assert not at.exception
    assert any("code" in e.value for e in at.error)
    assert not at.button  # nothing to load while the file cannot be read
    at.selectbox(key="map_role::STP Code").set_value("code").run()
    at.selectbox(key="map_role::Population (mid-2018)").set_value("population").run()
    assert counts(at) == ["44", "44", "0"]


def test_saved_mapping_round_trips(monkeypatch):
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    saved: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        if filename and filename.endswith("-mapping.json"):
            saved[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    workbook = builders().analyst_workbook(footprint_codes())
    at = upload_metrics(load_page(), "imd-2019.xlsx", workbook)
    at.selectbox(key=f"map_polarity::{IMD_COLUMN}").set_value("lower_is_better").run()
    at.selectbox(key=f"map_unit::{IMD_COLUMN}").set_value("index").run()
    assert not at.exception
    mapping = json.loads(saved["imd-2019-mapping.json"])
    assert mapping["measures"][0]["polarity"] == "lower_is_better"
    assert mapping["measures"][0]["unit"] == "index"

    # Next month: the same layout, a fresh session; the saved file brings back every choice.
    at = upload_metrics(load_page(), "imd-2020.xlsx", workbook)
    assert at.selectbox(key=f"map_polarity::{IMD_COLUMN}").value == "neutral"
    at.get("file_uploader")[1].upload("imd-2019-mapping.json", saved["imd-2019-mapping.json"], "application/json")
    at.run()
    assert not at.exception
    assert at.selectbox(key=f"map_polarity::{IMD_COLUMN}").value == "lower_is_better"
    assert at.selectbox(key=f"map_unit::{IMD_COLUMN}").value == "index"
    assert counts(at) == ["44", "44", "0"]
    at.button(key="confirm_upload").click().run()
    measures = loaded_measures(at)
    assert measures[["unit", "polarity"]].values.tolist() == [["index", "lower_is_better"]]


def test_a_file_that_is_not_a_mapping_is_refused_with_a_message():
    at = upload_metrics(load_page(), "imd.xlsx", builders().analyst_workbook(footprint_codes()))
    at.get("file_uploader")[1].upload("notes.json", b'{"hello": 1}', "application/json")
    at.run()
    assert not at.exception
    assert any("not a mapping file" in e.value for e in at.error)
    assert counts(at) == ["44", "44", "0"]  # the file is still read with the prefilled mapping


def test_two_sheet_workbook_offers_both_sheets_and_says_which_was_read():
    data = builders().analyst_workbook(footprint_codes(), first_sheet_notes=True)
    at = upload_metrics(load_page(), "imd.xlsx", data)
    sheet = at.selectbox(key="map_sheet")
    assert sheet.options == ["Notes", "IMD by STP"]
    assert sheet.value == "IMD by STP"  # the first sheet with a table, not the first sheet
    assert counts(at) == ["44", "44", "0"]
    sheet.set_value("Notes").run()
    assert not at.exception
    assert any("no header row" in e.value and "IMD by STP" in e.value.replace("\\", "") for e in at.error)
    at.selectbox(key="map_sheet").set_value("IMD by STP").run()
    assert counts(at) == ["44", "44", "0"]


def test_a_file_over_the_size_limit_gets_a_visible_error():
    import settings
    from stp_data.errors import DataValidationError
    from stp_data.upload import read_raw_table

    big = b"code,measure,period,value,unit\n" + b"E54000034,Vacancy rate,Sep 2026,7.5,%\n" * 600_000
    assert len(big) > settings.MAX_UPLOAD_BYTES
    at = upload_metrics(load_page(), "huge.csv", big, "text/csv")
    (error,) = at.error
    assert f"the limit is {settings.MAX_UPLOAD_MB} MB per file" in error.value
    assert "huge" in error.value and not at.metric
    # Whatever reaches the reader directly is refused with the reason too (the page shows it the same way).
    try:
        read_raw_table(big, "huge.csv")
    except DataValidationError as refused:
        assert "limit" in str(refused)
    else:
        raise AssertionError("an oversized file was read")
    # And the limit is said before anything is uploaded, not only as a hover on a red icon.
    fresh = load_page()
    assert any(f"At most {settings.MAX_UPLOAD_MB} MB per file" in c.value for c in fresh.caption)


def test_boundary_file_with_invalid_rings_lists_what_was_repaired_and_left_out():
    at = load_page()
    at.radio(key="upload_kind").set_value("Boundaries (GeoJSON, GeoPackage or zipped shapefile)").run()
    at.get("file_uploader")[0].upload("stp_apr2020.geojson", builders().ons_style_geojson(), "application/geo+json")
    at.run()
    assert not at.exception
    assert at.selectbox(key="boundary_code_column").value == "stp20cd"
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert "Repaired: E54000008, E54000022" in warnings
    assert "Not drawn: E54000099 (the feature has no geometry)" in warnings
    assert counts(at) == ["3"]
    fates = next(d for d in at.dataframe if "map" in d.value.columns).value
    by_code = dict(zip(fates["code"], fates["map"], strict=True))
    assert by_code["E54000005"] == "drawn" and by_code["E54000034"] == "not drawn"
    assert by_code["E54000099"] == "not drawn"
    # Every area: the 3 drawn, the one with no geometry, and the 41 footprints of 2017 left without a boundary.
    assert len(fates) == 45
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "3 areas; 3 have a July 2017 rating" in captions


def test_boundary_preview_in_rfc7946_order_is_drawn_clockwise_for_plotly():
    import shapely

    at = load_page()
    at.radio(key="upload_kind").set_value("Boundaries (GeoJSON, GeoPackage or zipped shapefile)").run()
    at.get("file_uploader")[0].upload("stp.geojson", builders().rfc7946_footprints(), "application/geo+json")
    at.run()
    assert not at.exception
    assert not at.warning
    from geo.boundaries import geojson_from_data_url

    preview = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert sum(len(t["locations"]) for t in preview["data"]) == 44
    features = [f for trace in preview["data"] for f in geojson_from_data_url(trace["geojson"])["features"]]
    assert len({f["id"] for f in features}) == 44
    for feature in features:
        shape = shapely.geometry.shape(feature["geometry"])
        for polygon in getattr(shape, "geoms", [shape]):
            assert not polygon.exterior.is_ccw, feature["id"]


PROVIDER = ROOT / "tests" / "fixtures" / "provider"


def test_nhs_england_ae_files_load_through_the_page_with_no_mapping():
    at = load_page()
    files = [
        (name, (PROVIDER / name).read_bytes(), "text/csv")
        for name in ("Monthly-AE-April-2019-revised-220720-ab123.csv", "April-2021-revised-120522-ABC456.csv")
    ]
    at.get("file_uploader")[0].set_value(files).run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["445", "445", "0"]
    assert any(
        re.fullmatch(r"Provider-level file: \d+ providers, mapped to footprints by the bundled trust lookup\.", i.value)
        for i in at.info
    )
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert "April 2019: already bundled; your file gives the same figures for every footprint." in captions
    assert any("TOTAL row skipped" in c for c in captions)
    figures = next(d.value for d in at.dataframe if "type-1 attendances" in d.value.columns)
    manchester = figures.loc[(figures["code"] == "E54000007") & (figures["month"] == "2019-04")].iloc[0]
    assert manchester["type-1 attendances"] == 87_539 and manchester["within 4 hours (%)"] == 76.674
    assert not [b for b in at.button if b.key == "confirm_upload"]  # both months are bundled: nothing to add


def test_a_new_month_joins_the_bundled_series_and_is_labelled():
    at = load_page()
    name = "CONSTRUCTED-TEST-DATA-March-2026-from-April-2021.csv"
    at.get("file_uploader")[0].upload(name, (PROVIDER / name).read_bytes(), "text/csv").run()
    assert not at.exception
    assert any("March 2026: not in the bundled data" in s.value.replace("\\", "") for s in at.success)
    at.button(key="confirm_upload").click().run()
    assert not at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert f"March 2026: from your file {name}" in captions
    at.query_params["stp"] = "E54000007"
    at.switch_page("pages/footprint.py").run()
    assert not at.exception
    # The shared, cached charts of the bundled series must not be shown: the SPC verdict is read at March 2026.
    assert any("Icons are read at the latest month, 2026-03." in m.value.replace("\\", "") for m in at.markdown)
    at.switch_page("pages/emergency_care.py").run()
    assert not at.exception
    at.switch_page("pages/progress.py").run()
    assert not at.exception
    assert any("Apr 2016 – Mar 2026" in h.value for h in at.header)


def test_intro_says_what_happens_to_files_on_this_server(monkeypatch):
    at = load_page()
    assert any("nothing is saved or shared" in m.value for m in at.markdown)
    monkeypatch.setenv("STP_PUBLISH", "open")
    at = load_page()
    intro = next(m.value for m in at.markdown if "Files stay in this browser session" in m.value)
    assert "nothing is saved" not in intro and "Publish" in intro


def test_a_trusts_own_extract_is_read_with_its_roles_prefilled_and_loads():
    at = load_page()
    name = "CONSTRUCTED-trust-extract-March-2026.csv"
    at.get("file_uploader")[0].upload(name, (PROVIDER / name).read_bytes(), "text/csv").run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["4", "4", "0"]
    roles = {s.label: s.value for s in at.selectbox if s.key and s.key.startswith("provider_role::")}
    assert roles == {
        "Organisation code": "Org Code",
        "Month": "Month",
        "Numerator": "Seen within 4 hours",
        "Denominator": "Attendances",
    }
    unmapped = next(d.value for d in at.dataframe if "share of all (%)" in d.value.columns)
    assert unmapped["org_code"].tolist() == ["X9999"]
    at.button(key="confirm_upload").click().run()
    assert not at.exception
    assert any("Loaded" in s.value for s in at.success)


def test_an_nhs_england_month_can_be_published_for_everyone(tmp_path, monkeypatch):
    # One analyst's own machine with publishing open, its own SQLite store.
    monkeypatch.setenv("STP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("STP_PUBLISH", "open")
    for name in ("STP_DATABASE_URL", "STP_PUBLISHERS", "STP_VIEWERS", "STP_PUBLIC_VIEWING"):
        monkeypatch.delenv(name, raising=False)
    at = load_page()
    name = "CONSTRUCTED-TEST-DATA-March-2026-from-April-2021.csv"
    at.get("file_uploader")[0].upload(name, (PROVIDER / name).read_bytes(), "text/csv").run()
    assert not at.exception
    at.button(key="publish_file").click().run()
    assert not at.exception
    from stp_data import store

    engine = store.engine_from_env()
    [version] = store.current_versions(engine)
    assert version.file_name == name and version.report["reader"] == "provider"
    engine.dispose()
