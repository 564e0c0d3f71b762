"""Boundaries the user brings: GeoJSON, GeoPackage or a zipped shapefile, read into a frame to choose a code column.

The bytes are written to a temporary folder only while they are read, so nothing is left on disk; the
final frame comes from geo.boundaries.load_boundaries, so its CRS, uniqueness and validity checks apply.
"""

from __future__ import annotations

import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from geo.boundaries import BRITISH_NATIONAL_GRID, BoundaryError, BoundaryReport, load_boundaries_checked
from settings import MAX_UPLOAD_BYTES

# A zip is compressed: cap what it unpacks to as well.
MAX_UNZIPPED_BYTES = 200_000_000
MAX_ZIP_MEMBERS = 200
SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
ONS_CODE = re.compile(r"^E\d{8}$")


@dataclass(frozen=True)
class BoundaryUpload:
    """An uploaded boundary file, read, with its likely code columns best first."""

    filename: str
    frame: gpd.GeoDataFrame
    candidate_code_columns: list[str]
    notes: list[str]
    data: bytes = field(repr=False)  # kept to re-read in boundaries(): nothing is left on disk meanwhile

    def boundaries(self, code_column: str, name_column: str | None = None) -> gpd.GeoDataFrame:
        """WGS84 frame with `code` (+ `name`), checked by geo.boundaries.load_boundaries."""
        return self.checked(code_column, name_column)[0]

    def checked(self, code_column: str, name_column: str | None = None) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
        """The boundaries and what was repaired or left out, by code ("repaired: E54000008, E54000022")."""
        with _readable_copy(self.data, self.filename) as (path, _):
            try:
                with _layers_noted():
                    return load_boundaries_checked(path, code_column, name_column)
            except BoundaryError as error:
                # load_boundaries names the temporary copy; the user knows their own file's name.
                raise BoundaryError(self.filename, error.reason) from None


def read_uploaded_boundaries(data: bytes, filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES) -> BoundaryUpload:
    """Read an uploaded boundary file; BoundaryError (naming the file) when it cannot be used."""
    name = Path(filename).name
    if len(data) > max_bytes:
        raise BoundaryError(name, f"the file is {len(data):,} bytes, more than the {max_bytes:,}-byte limit")
    with _readable_copy(data, name) as (path, notes):
        try:
            with _layers_noted():
                frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises several types; all mean "unreadable"
            raise BoundaryError(name, f"could not be read as a boundary file ({type(exc).__name__})") from None
    if frame.empty:
        raise BoundaryError(name, "contains no features")
    if not isinstance(frame, gpd.GeoDataFrame) or frame.active_geometry_name is None:
        raise BoundaryError(name, "has no geometry (a table, not boundaries)")
    if frame.crs is None:
        raise BoundaryError(name, "declares no coordinate reference system")
    candidates = candidate_code_columns(frame)
    if not candidates:
        raise BoundaryError(name, "has no column with a different value for every feature to use as the code")
    return BoundaryUpload(name, frame, candidates, notes, data)


def candidate_code_columns(frame: pd.DataFrame) -> list[str]:
    """Text or whole-number columns with a unique value for every feature, likeliest code column first.

    Likely means: every value looks like an ONS code (E and eight digits), then a name like *cd or
    *code, then the share of ONS-looking values; ties keep the file's column order.
    """
    scored = []
    for position, column in enumerate(frame.columns):
        values = frame[column]
        if column == frame.geometry.name or not _usable_as_codes(values):
            continue
        ons_share = float(values.astype(str).str.strip().str.match(ONS_CODE).mean())
        named_like_code = bool(re.search(r"(cd|code)$", str(column), re.IGNORECASE))
        scored.append((ons_share < 1.0, not named_like_code, -ons_share, position, str(column)))
    return [column for *_, column in sorted(scored)]


def _usable_as_codes(values: pd.Series) -> bool:
    text_or_whole = pd.api.types.is_string_dtype(values) or pd.api.types.is_integer_dtype(values)
    if not text_or_whole or values.isna().any():
        return False
    return values.astype(str).str.strip().is_unique


@contextmanager
def _readable_copy(data: bytes, filename: str) -> Iterator[tuple[str, list[str]]]:
    """The upload as a file geopandas can open, in a folder removed afterwards; plus notes on what was done."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise BoundaryError(
            filename, f"unsupported file type '{suffix or 'none'}': upload GeoJSON, GeoPackage or a zipped shapefile"
        )
    with tempfile.TemporaryDirectory(prefix="stp-boundaries-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        if suffix == ".zip":
            shapefile, notes = _unzip_shapefile(path, filename)
            yield str(shapefile), notes
        else:
            yield str(path), _layer_notes(path, filename)


def _unzip_shapefile(archive: Path, filename: str) -> tuple[Path, list[str]]:
    """Extract the one shapefile in the zip (it may sit in a folder) next to the archive.

    Extracted rather than read through zip:// so that a .prj lacking its EPSG name can be replaced.
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
            # Declared sizes are checked before anything is unpacked; zipfile never unpacks more than a member
            # declares, so a small zip that would expand to gigabytes is refused at once, memory flat.
            if len(members) > MAX_ZIP_MEMBERS:
                raise BoundaryError(filename, f"the zip holds more than {MAX_ZIP_MEMBERS} files")
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise BoundaryError(filename, f"the zip unpacks to more than {MAX_UNZIPPED_BYTES:,} bytes")
            shapefiles = [m.filename for m in members if m.filename.lower().endswith(".shp")]
            if len(shapefiles) != 1:
                found = "no shapefile (.shp)" if not shapefiles else f"{len(shapefiles)} shapefiles"
                raise BoundaryError(filename, f"the zip holds {found}; it must hold exactly one")
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise BoundaryError(filename, f"the zip unpacks to more than {MAX_UNZIPPED_BYTES:,} bytes")
            stem = str(PurePosixPath(shapefiles[0]).with_suffix(""))
            for member in members:
                if str(PurePosixPath(member.filename).with_suffix("")) == stem:
                    bundle.extract(member, archive.parent / "unzipped")
    except BoundaryError:
        raise
    except Exception:  # BadZipFile, zlib.error, encrypted or unsupported compression: all unreadable
        raise BoundaryError(filename, "is not a readable zip file") from None
    shapefile = archive.parent / "unzipped" / shapefiles[0]
    return shapefile, _name_british_national_grid(shapefile)


def _name_british_national_grid(shapefile: Path) -> list[str]:
    """Declare EPSG:27700 when a .prj spells out British National Grid without naming its datum.

    Without the name there is no OSGB36 -> WGS84 datum shift and the map lands about 100 m east.
    """
    prj = next((p for p in shapefile.parent.glob(shapefile.stem + ".*") if p.suffix.lower() == ".prj"), None)
    if prj is None:
        return []
    try:
        crs = CRS.from_user_input(prj.read_text(errors="replace"))
    except Exception:  # pyproj raises CRSError or others for text it cannot read; GDAL reports it later
        return []
    bng = CRS(BRITISH_NATIONAL_GRID)
    if crs.to_epsg() is not None or not _same_projection(crs, bng):
        return []
    prj.write_text(bng.to_wkt("WKT1_ESRI"))
    return ["The shapefile's projection is British National Grid without its datum named; read it as EPSG:27700."]


def _same_projection(crs: CRS, bng: CRS) -> bool:
    """Same ellipsoid and Transverse Mercator parameters, whatever the datum is called."""
    if not crs.is_projected or crs.ellipsoid is None or crs.coordinate_operation is None:
        return False
    if crs.ellipsoid.name != bng.ellipsoid.name and abs(crs.ellipsoid.semi_major_metre - 6377563.396) > 1e-3:
        return False
    ours = {p.name.lower(): round(p.value, 9) for p in crs.coordinate_operation.params}
    theirs = {p.name.lower(): round(p.value, 9) for p in bng.coordinate_operation.params}
    return ours == theirs


@contextmanager
def _layers_noted() -> Iterator[None]:
    """pyogrio warns when it picks the first of several layers; the upload's notes say so instead."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="More than one layer found", category=UserWarning)
        yield


def _layer_notes(path: Path, filename: str) -> list[str]:
    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # unreadable: gpd.read_file reports it with the reason
        return []
    if len(layers) > 1:
        return [f"{filename} has {len(layers)} layers; read the first, '{layers[0][0]}'."]
    return []
