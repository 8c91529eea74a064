"""Zones: H3 cells covering the road network, or district polygons from a GeoJSON file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import h3
from shapely.geometry import Polygon

from geo.geometry import midpoints


def h3_zones(segments: gpd.GeoDataFrame, resolution: int) -> gpd.GeoDataFrame:
    """One zone per H3 cell that holds a segment's midpoint."""
    mids = midpoints(segments.geometry.values)
    cells = sorted({h3.latlng_to_cell(p.y, p.x, resolution) for p in mids})
    polygons = [Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]) for cell in cells]
    return gpd.GeoDataFrame(
        {
            "zone_id": [f"h3:{c}" for c in cells],
            "name": [None] * len(cells),
            "kind": "h3",
            "department": None,
        },
        geometry=polygons,
        crs="EPSG:4326",
    )


def read_zones(path: Path) -> gpd.GeoDataFrame:
    """District polygons; each feature needs a `zone_id` property (`name`, `kind` such as
    residential, and `department` optional)."""
    zones = gpd.read_file(path).to_crs("EPSG:4326")
    if "zone_id" not in zones:
        raise ValueError(f"{path}: every zone feature needs a 'zone_id' property")
    zones["zone_id"] = zones["zone_id"].astype(str)
    for column in ("name", "department"):
        if column not in zones:
            zones[column] = None
    zones["kind"] = zones["kind"].fillna("district") if "kind" in zones else "district"
    return zones[["zone_id", "name", "kind", "department", "geometry"]]
