"""The web map's pixel grid, as Leaflet draws it (Web Mercator, 256-pixel tiles): where a
place falls at a zoom, which cells of a grid a view covers, and at which zoom the points
of one cell part. Pure arithmetic for the clusters the server makes (services/clusters.py);
store/clusters.py places the points themselves with the same formulas in SQL."""

from __future__ import annotations

import math
from dataclasses import dataclass

TILE_PX = 256
MAX_LAT = 85.0511287798  # Web Mercator's edge: beyond it y is infinite


def world_px(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """(x, y) of a place in the pixels of the whole world at `zoom` (y grows southward)."""
    scale = TILE_PX * 2**zoom
    sin = math.sin(math.radians(max(-MAX_LAT, min(MAX_LAT, lat))))
    x = (max(-180.0, min(180.0, lon)) + 180) / 360
    y = 0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return x * scale, y * scale


def cells_per_world(zoom: int, cell_px: int) -> float:
    """How many cells of `cell_px` screen pixels span the world's width at `zoom`."""
    return TILE_PX * 2**zoom / cell_px


@dataclass(frozen=True)
class CellRange:
    """The cells [x0, x1] x [y0, y1] of a grid (both ends included)."""

    x0: int
    y0: int
    x1: int
    y1: int


def cells_covering(bbox: tuple[float, float, float, float], zoom: int, cell_px: int) -> CellRange:
    """The cells of the `cell_px` grid at `zoom` that the box (west, south, east, north)
    touches."""
    west, south, east, north = bbox
    x0, y0 = world_px(west, north, zoom)
    x1, y1 = world_px(east, south, zoom)
    return CellRange(*(math.floor(v / cell_px) for v in (x0, y0, x1, y1)))


def expansion_zoom(
    extent: tuple[float, float, float, float], zoom: int, cell_px: int, last_zoom: int
) -> int:
    """The first zoom after `zoom` at which points spanning `extent` (west, south, east,
    north) no longer share one cell of the grid, so that zooming there splits their
    cluster; `last_zoom` if they share one until then (points at one place)."""
    west, south, east, north = extent
    for z in range(zoom + 1, last_zoom):
        covered = cells_covering((west, south, east, north), z, cell_px)
        if covered.x0 != covered.x1 or covered.y0 != covered.y1:
            return z
    return max(last_zoom, zoom + 1)


def abbreviated(count: int) -> str:
    """A cluster's count as its marker shows it (supercluster's way: 950, 1.2k, 12k)."""
    if count >= 10_000:
        return f"{math.floor(count / 1000 + 0.5)}k"
    if count >= 1000:
        return f"{math.floor(count / 100 + 0.5) / 10:g}k"
    return str(count)
