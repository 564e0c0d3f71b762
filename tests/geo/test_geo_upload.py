"""Boundary files as ONS publishes them: drawn as areas (not the world minus them), repairs and exclusions
reported by code, hostile zips refused before they are unpacked."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, shape

from geo.boundaries import (
    BOUNDARIES_2017,
    BoundaryError,
    coverage_sentence,
    join_by_code,
    load_boundaries,
    to_geojson,
)
from geo.upload import read_uploaded_boundaries
from tests.stp_data.upload.upload_fixtures import builders


def exterior_rings(collection: dict) -> list:
    rings = []
    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        for polygon in getattr(geometry, "geoms", [geometry]):
            rings.append(polygon.exterior)
    return rings


def drawn_area(ring) -> float:
    """Signed area as Plotly's d3-geo fills it: clockwise (negative shoelace in lon/lat) encloses the area."""
    return -shapely.Polygon(ring).area if ring.is_ccw else shapely.Polygon(ring).area


@pytest.mark.parametrize("counter_clockwise", [True, False])
def test_either_ring_order_is_drawn_as_the_area_not_the_world_minus_it(counter_clockwise):
    upload = read_uploaded_boundaries(builders.ons_style_geojson(counter_clockwise=counter_clockwise), "ons.geojson")
    shapes, _ = upload.checked("stp20cd", "stp20nm")
    collection = to_geojson(shapes)
    for ring in exterior_rings(collection):
        assert not ring.is_ccw  # clockwise: what Plotly's geo maps fill
        # Each drawn area is the small square (0.05 square degrees or less), never the rest of the globe.
        assert 0 < drawn_area(ring) <= 0.05


def test_repairs_and_exclusions_are_reported_by_code():
    upload = read_uploaded_boundaries(builders.ons_style_geojson(), "ons.geojson")
    assert upload.candidate_code_columns[0] == "stp20cd"
    shapes, report = upload.checked("stp20cd", "stp20nm")
    assert report.repaired == ("E54000008", "E54000022")
    assert "repaired: E54000008, E54000022" in report.notes()
    assert "not drawn: E54000099 (the feature has no geometry)" in report.notes()
    assert sorted(shapes["code"]) == ["E54000005", "E54000008", "E54000022"]
    assert set(shapes.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    assert shapes.geometry.is_valid.all()


def test_a_repair_leaving_a_geometry_collection_keeps_its_polygons():
    from geo.boundaries import areas_only

    collection = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(2, 2), (3, 3)])])
    line = shapely.LineString([(5, 5), (6, 6)])
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[collection, line], crs=4326)
    kept, report = areas_only(frame)
    assert kept["code"].tolist() == ["A"] and kept.geometry.iloc[0].geom_type == "Polygon"
    assert report.polygons_extracted == ("A",)
    assert report.excluded == (("B", "a LineString, not an area"),)


def test_the_join_report_says_what_happens_to_every_area():
    upload = read_uploaded_boundaries(builders.ons_style_geojson(), "ons.geojson")
    shapes, _ = upload.checked("stp20cd")
    profiles = pd.DataFrame({"code": ["E54000005", "E54000008", "E54000040"], "rating": ["Advanced", None, None]})
    _, report = join_by_code(shapes, profiles, "code")
    fates = report.fates().set_index("code")
    assert fates.loc["E54000005", "map"] == "drawn" and "July 2017 figures" in fates.loc["E54000005", "what it shows"]
    assert fates.loc["E54000022", "what it shows"].startswith("no July 2017 figures")
    assert fates.loc["E54000040", "map"] == "not drawn"
    assert (
        coverage_sentence(shapes["code"], profiles) == "3 areas; 2 have a July 2017 rating (1 published individually)"
    )


def test_a_zipped_shapefile_bomb_is_refused_before_unpacking():
    bomb = builders.zip_bomb_shapefile()
    started = time.perf_counter()
    with pytest.raises(BoundaryError, match="unpacks to more than"):
        read_uploaded_boundaries(bomb, "bomb.zip")
    assert time.perf_counter() - started < 2


def test_the_bundled_2017_boundaries_still_draw():
    shapes = load_boundaries(BOUNDARIES_2017, "stp17cd", "stp17nm")
    collection = to_geojson(shapes)
    assert len(collection["features"]) == 44
    assert all(not ring.is_ccw for ring in exterior_rings(collection))


# ---------------------------------------------------------------- formats, code columns, projections


CODES = ["E54000005", "E54000006", "E54000007"]
BNG_PRJ_WITHOUT_DATUM = (
    'PROJCS["Transverse_Mercator",GEOGCS["GCS_Airy 1830",DATUM["unknown",SPHEROID["airy",6377563.396,299.3249646]],'
    'PRIMEM["Greenwich",0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",49],PARAMETER["central_meridian",-2],PARAMETER["scale_factor",0.9996012717],'
    'PARAMETER["false_easting",400000],PARAMETER["false_northing",-100000],UNIT["metre",1]]'
)


@pytest.fixture
def footprints() -> gpd.GeoDataFrame:
    """Three squares in England, in British National Grid, with the columns ONS files have."""
    squares = [box(400_000 + i * 10_000, 300_000, 410_000 + i * 10_000, 310_000) for i in range(3)]
    return gpd.GeoDataFrame(
        {"objectid": [1, 2, 3], "stp18nm": ["A", "B", "C"], "stp18cd": CODES, "area": [1.0, 2.0, 3.0]},
        geometry=squares,
        crs=27700,
    )


def zipped_shapefile(frame: gpd.GeoDataFrame, folder: Path, inside: str = "", prj: str | None = None) -> bytes:
    frame.to_file(folder / "stp.shp")
    if prj is not None:
        (folder / "stp.prj").write_text(prj)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.glob("stp.*"):
            archive.write(part, inside + part.name)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "zip", "zip in a folder"])
def test_boundary_formats_are_read_and_the_code_column_comes_first(kind, footprints, tmp_path):
    if kind == "geojson":
        path = tmp_path / "b.geojson"
        footprints.to_crs(4326).to_file(path)
        data = path.read_bytes()
    elif kind == "gpkg":
        path = tmp_path / "b.gpkg"
        footprints.to_file(path, driver="GPKG")
        data = path.read_bytes()
    else:
        data = zipped_shapefile(footprints, tmp_path, inside="stp/" if "folder" in kind else "")
    filename = "b.zip" if kind.startswith("zip") else path.name
    upload = read_uploaded_boundaries(data, filename)
    assert upload.candidate_code_columns[0] == "stp18cd"
    assert "area" not in upload.candidate_code_columns
    shapes = upload.boundaries("stp18cd", "stp18nm")
    assert shapes["code"].tolist() == CODES and shapes["name"].tolist() == ["A", "B", "C"]
    assert shapes.crs.to_epsg() == 4326
    assert shapes.to_crs(27700).geometry.centroid.distance(footprints.geometry.centroid).max() < 0.01


def test_code_column_with_an_unusual_name_is_still_found_by_its_values(footprints, tmp_path):
    path = tmp_path / "b.geojson"
    footprints.rename(columns={"stp18cd": "Partnership"}).to_crs(4326).to_file(path)
    upload = read_uploaded_boundaries(path.read_bytes(), "b.geojson")
    assert upload.candidate_code_columns[0] == "Partnership"


def test_shapefile_projection_without_its_datum_is_read_as_british_national_grid(footprints, tmp_path):
    data = zipped_shapefile(footprints, tmp_path, prj=BNG_PRJ_WITHOUT_DATUM)
    upload = read_uploaded_boundaries(data, "ons.zip")
    assert upload.frame.crs.to_epsg() == 27700
    assert any("EPSG:27700" in note for note in upload.notes)
    shapes = upload.boundaries("stp18cd")
    # With the datum shift the squares land where they should; without it they would be ~100 m east.
    offset = shapes.to_crs(27700).geometry.centroid.distance(footprints.geometry.centroid)
    assert offset.max() < 1


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_a_projection_is_refused(footprints, tmp_path):
    frame = footprints.set_crs(None, allow_override=True)
    with pytest.raises(BoundaryError, match="no coordinate reference system"):
        read_uploaded_boundaries(zipped_shapefile(frame, tmp_path), "bare.zip")


def test_repeated_codes_are_refused_naming_the_users_file(footprints, tmp_path):
    path = tmp_path / "b.gpkg"
    footprints.assign(region=["X", "X", "Y"]).to_file(path, driver="GPKG")
    upload = read_uploaded_boundaries(path.read_bytes(), "mine.gpkg")
    assert "region" not in upload.candidate_code_columns
    with pytest.raises(BoundaryError) as caught:
        upload.boundaries("region")
    assert caught.value.file == "mine.gpkg" and "repeats codes" in caught.value.reason


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b"{}", "b.kml", "unsupported file type '.kml'"),
        (b"not json at all", "b.geojson", "could not be read as a boundary file"),
        (b"PK\x03\x04 broken", "b.zip", "not a readable zip file"),
        (b"x" * 101, "b.geojson", "more than the 100-byte limit"),
    ],
)
def test_unusable_boundary_files_are_refused(data, filename, says):
    with pytest.raises(BoundaryError) as caught:
        read_uploaded_boundaries(data, filename, max_bytes=100)
    assert caught.value.file == filename and says in caught.value.reason


def test_geopackage_with_several_layers_says_which_was_read(footprints, tmp_path):
    path = tmp_path / "b.gpkg"
    footprints.to_file(path, layer="stp", driver="GPKG")
    footprints.to_file(path, layer="ccg", driver="GPKG")
    upload = read_uploaded_boundaries(path.read_bytes(), "b.gpkg")
    assert upload.notes == ["b.gpkg has 2 layers; read the first, 'stp'."]


def test_zip_without_exactly_one_shapefile_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "no shapes here")
    with pytest.raises(BoundaryError, match="no shapefile"):
        read_uploaded_boundaries(buffer.getvalue(), "b.zip")


SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference-data" / "boundaries"


@pytest.mark.skipif(not SHARED.exists(), reason="the shared reference data sits beside the repository only in CI")
@pytest.mark.parametrize("file", ["stp_apr2018_buc_ons_wgs84.geojson", "stp_apr2018_buc_ons_bng_shp.zip"])
def test_the_ons_2018_boundaries_load(file):
    upload = read_uploaded_boundaries((SHARED / file).read_bytes(), file)
    assert upload.candidate_code_columns[0] == "stp18cd"
    shapes = upload.boundaries("stp18cd", "stp18nm")
    assert len(shapes) == 42 and shapes.geometry.is_valid.all()
    bounds = shapes.total_bounds
    assert -6.4 < bounds[0] < -6.3 and 55.8 < bounds[3] < 55.82
