"""Derive the shipped 2017 boundary file from the full-resolution reference copy.

Usage: python -m geo.build_simplified PATH/TO/stp_jul2017_44_wgs84.geojson

Writes geo/data/stp_jul2017_44_simplified.geojson. Recorded in geo/data/PROVENANCE.md.
"""

from __future__ import annotations

import json
import sys

from geo.boundaries import (
    BOUNDARIES_2017,
    geojson_size_bytes,
    load_boundaries,
    plotly_ring_order,
    simplify_preserving_borders,
)

TOLERANCE_M = 500
DECIMALS = 4


def main(source: str) -> None:
    full = load_boundaries(source, code_column="stp17cd", name_column="stp17nm")
    simple = simplify_preserving_borders(full, TOLERANCE_M, DECIMALS)
    # Exterior rings clockwise, as Plotly's geo maps fill them (geo.boundaries.plotly_ring_order).
    simple["geometry"] = plotly_ring_order(simple.geometry.to_numpy())
    out = simple.rename(columns={"code": "stp17cd", "name": "stp17nm"})
    BOUNDARIES_2017.write_text(out.to_json(drop_id=True, separators=(",", ":")))
    area_full = full.to_crs(27700).area.sum() / 1e6
    area_simple = simple.to_crs(27700).area.sum() / 1e6
    print(f"features: {len(out)}; area {area_full:,.1f} -> {area_simple:,.1f} km2")
    print(f"file bytes: {BOUNDARIES_2017.stat().st_size:,}")
    from geo.boundaries import to_geojson

    print(f"browser GeoJSON bytes: {geojson_size_bytes(to_geojson(simple)):,}")
    print(json.dumps({"tolerance_m": TOLERANCE_M, "decimals": DECIMALS}))


if __name__ == "__main__":
    main(sys.argv[1])
