"""geo: the shipped boundaries are sound, small, and join by code with a report."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.boundaries import (
    BOUNDARIES_2017,
    BoundaryError,
    geojson_data_url,
    geojson_from_data_url,
    geojson_size_bytes,
    geojson_subset,
    join_by_code,
    load_boundaries,
    share_collection,
    simplify_preserving_borders,
    to_geojson,
)
from stp_data.loading import load_bundle


@pytest.fixture(scope="module")
def shapes() -> gpd.GeoDataFrame:
    return load_boundaries(BOUNDARIES_2017, code_column="stp17cd", name_column="stp17nm")


def test_shipped_boundaries_cover_the_44_footprints(shapes):
    assert len(shapes) == 44
    assert shapes.crs.to_epsg() == 4326
    assert shapes.geometry.is_valid.all()
    assert set(shapes["code"]) == set(load_bundle().footprints["stp17cd"])


def test_simplified_footprints_neither_overlap_nor_leave_gaps(shapes):
    projected = shapes.to_crs(27700)
    summed = projected.area.sum()
    union = projected.union_all().area
    assert summed == pytest.approx(union, rel=1e-3)
    assert summed / 1e6 == pytest.approx(130_768, rel=0.01)  # England, as in the unsimplified file


def test_browser_geojson_is_small_and_keyed_by_code(shapes):
    collection = to_geojson(shapes)
    assert geojson_size_bytes(collection) < 250_000
    assert {f["id"] for f in collection["features"]} == set(shapes["code"])
    assert all(f["properties"] == {} for f in collection["features"])


def test_join_reports_footprints_missing_either_side(shapes):
    table = pd.DataFrame({"stp17cd": [*shapes["code"].iloc[1:], "E54000999"], "value": range(44)})
    joined, report = join_by_code(shapes, table, "stp17cd")
    assert len(joined) == 43
    assert report.only_in_geometry == (shapes["code"].iloc[0],)
    assert report.only_in_table == ("E54000999",)
    assert not report.complete
    assert "no table row for" in report.describe()


def test_codes_join_as_strings_never_by_name(shapes):
    table = pd.DataFrame({"code": shapes["code"], "name": ["different"] * 44})
    joined, report = join_by_code(shapes, table, "code")
    assert report.complete and len(joined) == 44


def test_reads_other_formats_and_reprojects(tmp_path: Path, shapes):
    path = tmp_path / "bng.gpkg"
    shapes.to_crs(27700).rename(columns={"code": "stp_code"}).to_file(path, driver="GPKG")
    again = load_boundaries(path, code_column="stp_code")
    assert again.crs.to_epsg() == 4326 and len(again) == 44


def test_invalid_geometry_is_repaired(tmp_path: Path):
    from shapely.geometry import Polygon

    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    path = tmp_path / "bad.geojson"
    gpd.GeoDataFrame({"c": ["E54000001"]}, geometry=[bow_tie], crs=4326).to_file(path)
    assert load_boundaries(path, "c").geometry.is_valid.all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "has no column 'stp17cd'"),
        (b"not a geojson", "could not be read"),
    ],
)
def test_unusable_files_raise_boundary_error(tmp_path: Path, content, message):
    path = tmp_path / "b.geojson"
    if content is None:
        gpd.GeoDataFrame({"other": ["x"]}, geometry=[box(0, 0, 1, 1)], crs=4326).to_file(path)
    else:
        path.write_bytes(content)
    with pytest.raises(BoundaryError, match=message):
        load_boundaries(path, "stp17cd")


def test_missing_crs_and_duplicate_codes_are_refused(tmp_path: Path):
    no_crs = tmp_path / "nocrs.geojson"
    no_crs.write_text(json.dumps({"type": "FeatureCollection", "crs": None, "features": []}))
    with pytest.raises(BoundaryError):
        load_boundaries(no_crs, "c")
    dup = tmp_path / "dup.geojson"
    gpd.GeoDataFrame({"c": ["E54000001", "E54000001"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326).to_file(
        dup
    )
    with pytest.raises(BoundaryError, match="repeats codes"):
        load_boundaries(dup, "c")


def test_coverage_simplification_keeps_shared_borders():
    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)
    frame = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[left, right], crs=4326)
    simple = simplify_preserving_borders(frame, tolerance_m=500)
    assert simple.geometry.is_valid.all()
    assert simple.geometry.iloc[0].intersection(simple.geometry.iloc[1]).area == pytest.approx(0, abs=1e-9)


def test_geojson_data_url_round_trips_a_subset_and_escapes_what_urls_reserve():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "properties": {"n": "50% # é"},
                "geometry": {"type": "Point", "coordinates": [0, 1]},
            }
            for code in ("A#1", "B%2", "C")
        ],
    }
    url = geojson_data_url(collection, {"A#1", "B%2"})
    assert url.startswith("data:application/json,") and "#" not in url and url.isascii()
    assert geojson_from_data_url(url) == geojson_subset(collection, {"A#1", "B%2"})
    assert geojson_data_url(collection, ["B%2", "A#1"]) == url  # whatever the order asked
    other = {**collection, "features": collection["features"][:1]}
    assert geojson_from_data_url(geojson_data_url(other, {"A#1", "B%2"}))["features"] == other["features"]


def test_only_shared_collections_have_their_urls_kept():
    from geo import boundaries

    def collection() -> dict:
        feature = {"type": "Feature", "id": "A", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 1]}}
        return {"type": "FeatureCollection", "features": [feature]}

    before = len(boundaries._url_cache)
    users = collection()  # a user's upload: lives in their session only, never held by the server
    assert geojson_data_url(users, {"A"}) == geojson_data_url(users, {"A"})
    assert len(boundaries._url_cache) == before
    bundled = share_collection(collection())
    assert geojson_data_url(bundled, {"A"}) is geojson_data_url(bundled, {"A"})  # encoded once
    assert len(boundaries._url_cache) == before + 1
