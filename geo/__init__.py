"""Footprint geometry: read any boundary file, check it, simplify it, join it to tables, serve GeoJSON."""

from geo.boundaries import (
    BoundaryError,
    JoinReport,
    join_by_code,
    load_boundaries,
    simplify_preserving_borders,
    to_geojson,
)

__all__ = [
    "BoundaryError",
    "JoinReport",
    "join_by_code",
    "load_boundaries",
    "simplify_preserving_borders",
    "to_geojson",
]
