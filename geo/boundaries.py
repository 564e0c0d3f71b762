"""Reading, checking, simplifying and joining footprint boundaries.

Every function here is pure (path or frame in, frame or dict out) so tests
call them without Streamlit.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

WGS84 = "EPSG:4326"
# British National Grid: metres, so a simplification tolerance means the same
# thing everywhere in England.
BRITISH_NATIONAL_GRID = "EPSG:27700"
CODE = "code"
NAME = "name"

DATA_DIR = Path(__file__).parent / "data"
BOUNDARIES_2017 = DATA_DIR / "stp_jul2017_44_simplified.geojson"


class BoundaryError(ValueError):
    """A boundary file that cannot be used, with the file and the reason."""

    def __init__(self, file: str | Path, reason: str) -> None:
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{Path(file).name}: {reason}")


@dataclass(frozen=True)
class JoinReport:
    """Which footprints matched between the geometry and a table."""

    matched: tuple[str, ...]
    only_in_geometry: tuple[str, ...] = field(default_factory=tuple)
    only_in_table: tuple[str, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.only_in_geometry and not self.only_in_table

    def fates(self) -> pd.DataFrame:
        """What happens to every area: code, on the map?, and what it shows."""
        rows = [(c, "drawn", "with its July 2017 figures") for c in self.matched]
        rows += [(c, "drawn", "no July 2017 figures (not one of the 2017 codes)") for c in self.only_in_geometry]
        rows += [(c, "not drawn", "no boundary in the file") for c in self.only_in_table]
        return pd.DataFrame(rows, columns=["code", "map", "what it shows"])

    def describe(self) -> str:
        n = len(self.matched)
        parts = [f"{n} footprint{'' if n == 1 else 's'} matched"]
        if self.only_in_geometry:
            parts.append("no table row for " + ", ".join(self.only_in_geometry))
        if self.only_in_table:
            parts.append("no boundary for " + ", ".join(self.only_in_table))
        return "; ".join(parts)


@dataclass(frozen=True)
class BoundaryReport:
    """What was done to the shapes, by code, for the preview: nothing is repaired or dropped without a word."""

    repaired: tuple[str, ...] = ()  # invalid geometries made valid
    polygons_extracted: tuple[str, ...] = ()  # repair gave a collection; its polygons were kept
    excluded: tuple[tuple[str, str], ...] = ()  # (code, why) not drawn

    def notes(self) -> list[str]:
        lines = []
        if self.repaired:
            lines.append("repaired: " + ", ".join(self.repaired))
        if self.polygons_extracted:
            lines.append(
                "kept only the areas (polygons) of: "
                + ", ".join(self.polygons_extracted)
                + " (repair left lines or points)"
            )
        lines += [f"not drawn: {code} ({why})" for code, why in self.excluded]
        return lines


def load_boundaries(
    path: str | Path,
    code_column: str,
    name_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read any file geopandas reads; return WGS84 frame with `code` (+ `name`).

    Checks: the code column exists and is unique, a CRS is declared, and every
    geometry is valid (invalid ones are repaired with make_valid, as ONS's own
    generalised files contain the odd self-intersection). What was repaired or left out: load_boundaries_checked.
    """
    return load_boundaries_checked(path, code_column, name_column)[0]


def load_boundaries_checked(
    path: str | Path,
    code_column: str,
    name_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
    """load_boundaries, with the report of every repair and exclusion by code."""
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types; all mean "unreadable"
        raise BoundaryError(path, f"could not be read as a boundary file ({exc})") from exc
    if frame.empty:
        raise BoundaryError(path, "contains no features")
    if code_column not in frame.columns:
        raise BoundaryError(
            path,
            f"has no column '{code_column}' (columns: {', '.join(map(str, frame.columns))})",
        )
    if frame.crs is None:
        raise BoundaryError(path, "declares no coordinate reference system")
    codes = frame[code_column].astype("string").str.strip()
    duplicated = codes[codes.duplicated()].unique().tolist()
    if duplicated:
        raise BoundaryError(path, f"column '{code_column}' repeats codes: {', '.join(duplicated)}")
    if codes.isna().any():
        row = int(codes.isna().to_numpy().nonzero()[0][0]) + 1
        raise BoundaryError(path, f"feature {row} has no value in column '{code_column}'")
    columns = {CODE: codes.astype(str)}
    if name_column is not None and name_column in frame.columns:
        columns[NAME] = frame[name_column].astype(str)
    result = gpd.GeoDataFrame(columns, geometry=frame.geometry.values, crs=frame.crs)
    return areas_only(result.to_crs(WGS84))


def areas_only(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
    """Every feature a valid (multi)polygon, or left out with the reason; reported by code, never silently.

    make_valid may turn a self-intersecting ring into a GeometryCollection (a polygon plus a stray line), which
    Plotly does not draw: its polygons are kept. A feature with no geometry, or nothing but lines after repair,
    is excluded and listed.
    """
    geometry = frame.geometry.to_numpy()
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    invalid = ~missing & ~shapely.is_valid(geometry)
    repaired_codes = tuple(frame.loc[invalid, CODE])
    geometry = geometry.copy()
    geometry[invalid] = shapely.make_valid(geometry[invalid])
    extracted, excluded = [], [(code, "the feature has no geometry") for code in frame.loc[missing, CODE]]
    for i in np.flatnonzero(~missing):
        shape = geometry[i]
        if shape.geom_type in ("Polygon", "MultiPolygon"):
            continue
        parts = [p for p in shapely.get_parts(shapely.get_parts(shape)) if p.geom_type == "Polygon" and not p.is_empty]
        code = frame[CODE].iat[i]
        if parts:
            geometry[i] = shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
            extracted.append(code)
        else:
            excluded.append((code, f"a {shape.geom_type}, not an area"))
    result = frame.copy()
    result["geometry"] = geometry
    dropped = {code for code, _ in excluded}
    result = result.loc[~result[CODE].isin(dropped)].reset_index(drop=True)
    return result, BoundaryReport(repaired_codes, tuple(extracted), tuple(excluded))


def simplify_preserving_borders(
    boundaries: gpd.GeoDataFrame,
    tolerance_m: float,
    decimals: int = 4,
) -> gpd.GeoDataFrame:
    """Coverage-simplify in metres so neighbours keep one shared border.

    Per-polygon simplify opens slivers and gaps between footprints; coverage
    simplification moves each shared edge once.
    """
    projected = boundaries.to_crs(BRITISH_NATIONAL_GRID)
    simplified = projected.geometry.simplify_coverage(tolerance_m)
    result = boundaries.copy()
    result["geometry"] = gpd.GeoSeries(simplified, crs=BRITISH_NATIONAL_GRID).to_crs(WGS84).values
    result["geometry"] = shapely.set_precision(result.geometry.values, 10.0**-decimals)
    return areas_only(result)[0]


def join_by_code(
    boundaries: gpd.GeoDataFrame,
    table: pd.DataFrame,
    table_code_column: str,
) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Inner-join a table onto boundaries by code (strings, never names)."""
    geo_codes = set(boundaries[CODE].astype(str))
    table_codes = set(table[table_code_column].astype(str))
    report = JoinReport(
        matched=tuple(sorted(geo_codes & table_codes)),
        only_in_geometry=tuple(sorted(geo_codes - table_codes)),
        only_in_table=tuple(sorted(table_codes - geo_codes)),
    )
    keyed = table.assign(**{CODE: table[table_code_column].astype(str)})
    if table_code_column != CODE:
        keyed = keyed.drop(columns=[table_code_column])
    joined = boundaries.merge(keyed, on=CODE, how="inner", suffixes=("", "_table"))
    return joined, report


def to_geojson(boundaries: gpd.GeoDataFrame) -> dict:
    """FeatureCollection with each feature's id set to its code, no other properties.

    The browser needs only the shape and the id; names and figures travel in
    the trace's customdata, which keeps the payload small.
    """
    shapes = plotly_ring_order(boundaries.geometry.to_numpy())
    features = [
        {"type": "Feature", "id": code, "properties": {}, "geometry": shapely.geometry.mapping(geom)}
        for code, geom in zip(boundaries[CODE], shapes, strict=True)
        if geom is not None and not geom.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def plotly_ring_order(shapes: np.ndarray) -> np.ndarray:
    """Exterior rings clockwise, holes counter-clockwise: the order Plotly's geo maps (d3-geo) fill.

    d3-geo works on the sphere, where a ring encloses the side to its right: an RFC 7946 exterior ring
    (counter-clockwise) encloses the rest of the world, and Plotly draws the world minus the area (a grey
    rectangle). The shipped 2017 file was already clockwise, which is why it drew.
    """
    return shapely.orient_polygons(shapes, exterior_cw=True)


def coverage_sentence(boundary_codes: Collection[str], profiles: pd.DataFrame) -> str:
    """The caption every page can use for the areas in use, e.g. '42 areas; 37 have a July 2017 rating'."""
    codes = set(boundary_codes)
    # Every footprint in the profiles was rated in July 2017; for most no source says which rating.
    rated = codes & set(profiles["code"])
    named = codes & set(profiles.loc[profiles["rating"].notna(), "code"]) if "rating" in profiles else rated
    sentence = f"{len(codes)} areas; {len(rated)} have a July 2017 rating"
    if len(named) != len(rated):
        sentence += f" ({len(named)} published individually)"
    return sentence


def geojson_subset(collection: dict, codes: Collection[str]) -> dict:
    """The same collection restricted to the given feature ids."""
    return {
        "type": "FeatureCollection",
        "features": [f for f in collection["features"] if f["id"] in codes],
    }


def geojson_bounds(collection: dict) -> tuple[float, float, float, float]:
    """(west, south, east, north) of every feature in the collection, in its own degrees."""
    if not collection["features"]:
        raise ValueError("no features to frame")
    shapes = [shapely.geometry.shape(feature["geometry"]) for feature in collection["features"]]
    west, south, east, north = shapely.total_bounds(shapes)
    return float(west), float(south), float(east), float(north)


_URL_PREFIX = "data:application/json,"
_URL_CACHE_SIZE = 256
# Collections shared by every viewer for the life of the process (the bundled boundaries), by id. Only their URLs
# are cached: a user's boundaries stay in their session and are never kept here.
_shared: dict[int, dict] = {}
# (id of a shared collection, ids of the features) -> URL.
_url_cache: OrderedDict[tuple[int, frozenset[str]], str] = OrderedDict()
_url_cache_lock = threading.Lock()


def share_collection(collection: dict) -> dict:
    """Mark a read-only collection that lives as long as the process, so its data: URLs are built only once."""
    with _url_cache_lock:
        _shared[id(collection)] = collection
    return collection


def geojson_data_url(collection: dict, codes: Collection[str]) -> str:
    """The features with these ids as a `data:` URL, which Plotly fetches in the browser like any GeoJSON URL.

    Why not the dict: Plotly and Streamlit deep-copy and re-encode a dict of coordinates on every page run
    (about 60 ms for the 44 footprints, most of an overview run); a string is copied and encoded in
    microseconds. Same bytes to the browser, no network (a data: URL never leaves it). For a shared collection
    (share_collection) each set of ids is encoded once, because the same shapes are drawn on every run.
    """
    key = (id(collection), frozenset(codes))
    with _url_cache_lock:
        shared = _shared.get(key[0]) is collection
        url = _url_cache.get(key) if shared else None
        if url is not None:
            _url_cache.move_to_end(key)
            return url
    # ensure_ascii: the text is pure ASCII, so only '%' (escape) and '#' (fragment) need escaping in the URL.
    text = json.dumps(geojson_subset(collection, key[1]), separators=(",", ":"), ensure_ascii=True)
    url = _URL_PREFIX + text.replace("%", "%25").replace("#", "%23")
    if shared:
        with _url_cache_lock:
            _url_cache[key] = url
            while len(_url_cache) > _URL_CACHE_SIZE:
                _url_cache.popitem(last=False)
    return url


def geojson_from_data_url(url: str) -> dict:
    """The GeoJSON inside a URL made by geojson_data_url (for tests and exports that need the shapes)."""
    if not url.startswith(_URL_PREFIX):
        raise ValueError("not a GeoJSON data URL")
    return json.loads(urllib.parse.unquote(url.removeprefix(_URL_PREFIX)))


def geojson_size_bytes(collection: dict) -> int:
    return len(json.dumps(collection, separators=(",", ":")).encode())
