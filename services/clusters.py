"""What a clustered point layer sends for one map view (issue 17): the points are gathered
on the server into grid cells about a marker's size at the view's zoom, and the browser
receives one feature per occupied cell: a cluster (a point with its count, like the
clusters dash-leaflet draws) or, where a cell holds one point, that point. Zoomed in past
the layer's last clustering zoom, the view's points themselves. Never more than
`MAX_FEATURES` features: a view that would have more is clustered one zoom coarser."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from analytics import map_grid
from store import clusters


@dataclass(frozen=True)
class Clustering:
    """How a layer clusters: cells of `cell_px` screen pixels, up to `last_zoom`; above
    it, every point is drawn."""

    cell_px: int
    last_zoom: int


# Cells a little wider than the largest bubble (46 px), so bubbles seldom overlap; every
# point drawn as itself past the zoom where dash-leaflet's clustering stopped before.
CLUSTERING = {"complaints": Clustering(cell_px=60, last_zoom=17),
              "waste": Clustering(cell_px=60, last_zoom=16)}  # fmt: skip
MAX_FEATURES = 4000  # per view; a full-HD /explore view, padded, spans under 1,000 cells
MAX_ZOOM = 22


@dataclass(frozen=True)
class MapView:
    """The part of the map asked for: Leaflet's zoom (whole levels) and a box (west, south,
    east, north) in degrees."""

    zoom: int
    bbox: tuple[float, float, float, float]

    @classmethod
    def parse(cls, zoom: str | None, bbox: str | None) -> MapView:
        """From the query string; ValueError when missing, unreadable or empty."""
        level = int(zoom or "")
        west, south, east, north = (float(v) for v in (bbox or "").split(","))
        finite = all(map(math.isfinite, (west, south, east, north)))
        if not finite or west >= east or south >= north:
            raise ValueError("bbox: west,south,east,north in degrees, west < east, south < north")
        return cls(max(0, min(MAX_ZOOM, level)), (max(west, -180.0), max(south, -90.0),
                                                   min(east, 180.0), min(north, 90.0)))  # fmt: skip

    def key(self) -> str:
        return f"{self.zoom}:" + ",".join(f"{v:.6f}" for v in self.bbox)


def view_features(cur, points: clusters.PointQuery, clustering: Clustering, view: MapView) -> dict:
    """The FeatureCollection a layer sends for `view`: clusters and lone points, or the
    points themselves when zoomed in (and few enough). `singles` says how many features
    are points (with their own properties); `zoom` is the grid's."""
    if view.zoom > clustering.last_zoom:
        found = clusters.points_within(cur, points, view.bbox, MAX_FEATURES + 1)
        if len(found) <= MAX_FEATURES:
            features = [_point(lon, lat, json.loads(p)) for lon, lat, p in found]
            return _collection(features, len(features), view.zoom)
    zoom = min(view.zoom, clustering.last_zoom)
    while True:
        cells = _cells(cur, points, clustering.cell_px, zoom, view.bbox)
        if len(cells) <= MAX_FEATURES or zoom == 0:
            break
        zoom -= 1  # a view too large to draw at its zoom: coarser cells
    features = [_cell_feature(c, zoom, clustering) for c in cells]
    return _collection(features, sum(c.count == 1 for c in cells), zoom)


def _cells(cur, points, cell_px: int, zoom: int, bbox) -> list[clusters.Cell]:
    covered = map_grid.cells_covering(bbox, zoom, cell_px)
    across = map_grid.cells_per_world(zoom, cell_px)
    return clusters.grid_cells(cur, points, across, (covered.x0, covered.x1),
                               (covered.y0, covered.y1))  # fmt: skip


def _point(lon: float, lat: float, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }


def _cell_feature(cell: clusters.Cell, zoom: int, clustering: Clustering) -> dict:
    """A lone point as itself; more as a cluster with dash-leaflet's property names, and
    the zoom at which a click on it splits it."""
    if cell.count == 1:
        return _point(cell.lon, cell.lat, json.loads(cell.properties))
    return _point(cell.lon, cell.lat, {
        "cluster": True,
        "cluster_id": f"{zoom}/{cell.x}/{cell.y}",
        "point_count": cell.count,
        "point_count_abbreviated": map_grid.abbreviated(cell.count),
        "expansion_zoom": map_grid.expansion_zoom(
            cell.extent, zoom, clustering.cell_px, clustering.last_zoom + 1),
    })  # fmt: skip


def _collection(features: list[dict], singles: int, zoom: int) -> dict:
    return {"type": "FeatureCollection", "singles": singles, "zoom": zoom, "features": features}


def singles_in(body: bytes) -> int:
    """How many lone points (features with their own properties) a layer's body holds."""
    return json.loads(body)["singles"]
