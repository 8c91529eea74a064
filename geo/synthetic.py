"""A synthetic grid city of any size, for scale tests (DESIGN §5).

Straight avenues (north-south) and streets (east-west) meet at intersections; a few
are primary every ten blocks, some secondary or tertiary, the rest residential. Shops
and restaurants crowd the main roads and the centre, so the simulator places bins and
fills them as it does in a real city. Districts are rectangles of blocks whose edges
run through the middle of blocks, so no street or bin sits on a boundary.

The result is a `CityModel` with the same columns `geo.city.load_city` produces; it has
no OSM extract (`extract_path` is None), so its basemap is drawn from the grid itself.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.basemap import _road_layer, cached_geojson
from geo.city import CityModel, assign_zone, freeflow_speed
from geo.geometry import metres_per_degree, midpoints

SEGMENTS_PER_ZONE = 400  # the default zone count: ~50 zones at 20,000 segments
BLOCK_M = (80.0, 130.0)  # block edge lengths are drawn from this range
POIS_PER_SEGMENT = 0.25
POI_KINDS = (  # shares as in central Helsinki's extract
    ("shop", 0.54),
    ("restaurant", 0.23),
    ("cafe", 0.095),
    ("fast_food", 0.06),
    ("pub", 0.05),
    ("bar", 0.025),
)
_POI_CLASS_WEIGHT = {"primary": 6.0, "secondary": 4.0, "tertiary": 2.0, "residential": 1.0}
_ZONE_EDGE = 0.4  # district edges cross each block at 40% of its width (midpoints are at 50%)


def road_class_of_line(index: int) -> str:
    """Class of the index-th avenue or street: primary every 10th, secondary between."""
    if index % 10 == 5:
        return "primary"
    if index % 10 == 0:
        return "secondary"
    if index % 10 in (2, 8):
        return "tertiary"
    return "residential"


@dataclass
class GridCity(CityModel):
    """A `CityModel` that also knows its grid: the longitude of each avenue, latitude of each
    street (for the basemap's blocks)."""

    avenue_lons: np.ndarray | None = None
    street_lats: np.ndarray | None = None
    key: str = ""  # identifies the generated city (the basemap's cache file name)


def _grid_shape(n_segments: int) -> tuple[int, int]:
    """(nodes per row, rows) of the smallest near-square grid holding n_segments edges."""
    cols = max(2, math.ceil(math.sqrt(n_segments / 2)) + 1)
    per_row = (cols - 1) + cols  # a row's street blocks, then the avenue blocks to the next row
    rows = n_segments // per_row + 2
    return cols, rows


def _edges(n_segments: int, cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first n_segments edges (i, j, vertical) in the order that grows the city row by
    row: a row's street blocks west to east, then the avenue blocks up to the next row.

    Every prefix of that order is connected, so the city is one piece at any size.
    """
    i, j, vertical = [], [], []
    row = 0
    while len(i) < n_segments:
        i.extend(range(cols - 1))
        j.extend([row] * (cols - 1))
        vertical.extend([False] * (cols - 1))
        i.extend(range(cols))
        j.extend([row] * cols)
        vertical.extend([True] * cols)
        row += 1
    return (
        np.asarray(i[:n_segments], dtype="int64"),
        np.asarray(j[:n_segments], dtype="int64"),
        np.asarray(vertical[:n_segments], dtype=bool),
    )


def _zone_splits(n_blocks: int, parts: int) -> list[tuple[int, int]]:
    """Split blocks 0..n_blocks-1 into `parts` runs as even as possible: (first, last+1)."""
    edges = np.linspace(0, n_blocks, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _districts(
    xs: np.ndarray, ys: np.ndarray, n_zones: int, margin_m: float
) -> tuple[list[str], list[str], list[shapely.Polygon]]:
    """Rectangular districts in metres: (zone_id, grid reference, polygon) of each."""
    rows_z = max(1, round(math.sqrt(n_zones)))
    cols_z = max(1, round(n_zones / rows_z))
    col_runs = _zone_splits(len(xs) - 1, min(cols_z, len(xs) - 1))
    row_runs = _zone_splits(len(ys) - 1, min(rows_z, len(ys) - 1))

    def cut(coords: np.ndarray, runs: list[tuple[int, int]]) -> list[float]:
        inner = [coords[a] + _ZONE_EDGE * (coords[a + 1] - coords[a]) for a, _ in runs[1:]]
        return [coords[0] - margin_m, *inner, coords[-1] + margin_m]

    x_cut, y_cut = cut(xs, col_runs), cut(ys, row_runs)
    ids, refs, polygons = [], [], []
    for r in range(len(y_cut) - 1):
        for c in range(len(x_cut) - 1):
            ref = f"{_column_letters(c)}{r + 1}"
            ids.append(f"grid:{ref}")
            refs.append(ref)
            polygons.append(shapely.box(x_cut[c], y_cut[r], x_cut[c + 1], y_cut[r + 1]))
    return ids, refs, polygons


def grid_city(
    n_segments: int,
    center: tuple[float, float] = (24.94, 60.17),
    zones: int | None = None,
    seed: int = 7,
    name: str | None = None,
) -> GridCity:
    """A grid city of exactly `n_segments` road segments (one per block edge), centred on
    `center` (lon, lat), with about `zones` rectangular districts (default: one per
    ~400 segments, at least 4) and shops and restaurants along its main roads."""
    if n_segments < 1:
        raise ValueError("a city needs at least one road segment")
    rng = np.random.default_rng([seed, 101])
    cols, rows = _grid_shape(n_segments)
    ei, ej, vertical = _edges(n_segments, cols)
    rows = int((ej + vertical).max()) + 1  # an avenue block reaches the row above its own
    # metres from the south-west corner; block sizes vary a little, lines stay straight
    xs = np.concatenate([[0.0], np.cumsum(rng.uniform(*BLOCK_M, cols - 1))])
    ys = np.concatenate([[0.0], np.cumsum(rng.uniform(*BLOCK_M, max(rows - 1, 1)))])[:rows]
    xs, ys = xs - xs[-1] / 2, ys - ys[-1] / 2
    kx, ky = metres_per_degree(center[1])
    lon = lambda x: center[0] + np.asarray(x) / kx  # noqa: E731
    lat = lambda y: center[1] + np.asarray(y) / ky  # noqa: E731

    segments = _segment_frame((ei, ej, vertical), cols, xs, ys, (lon, lat))
    n_zones = zones if zones is not None else max(4, round(n_segments / SEGMENTS_PER_ZONE))
    zone_frame = _zone_frame(segments, xs, ys, n_zones, (lon, lat))
    pois = _pois(segments, rng, kx, ky, center)
    key = hashlib.sha1(json.dumps([n_segments, list(center), n_zones, seed]).encode()).hexdigest()[
        :12
    ]
    return GridCity(
        name=name or f"Synthetic grid city ({n_segments:,} segments)",
        extract_path=None,
        segments=segments,
        pois=pois,
        zones=zone_frame,
        avenue_lons=lon(xs),
        street_lats=lat(ys),
        key=key,
    )


ToDegrees = tuple[Callable, Callable]  # metres east -> longitude, metres north -> latitude


def _segment_frame(
    edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    cols: int,
    xs: np.ndarray,
    ys: np.ndarray,
    to_degrees: ToDegrees,
) -> gpd.GeoDataFrame:
    """The road segments of the grid's edges (i, j, vertical): one per block edge, named and
    classed by the avenue or street it belongs to."""
    ei, ej, vertical = edges
    lon, lat = to_degrees
    ti = np.where(vertical, ei, ei + 1)  # far end: north for avenues, east for streets
    tj = np.where(vertical, ej + 1, ej)
    line = np.where(vertical, ei, ej)  # which avenue / street the block belongs to
    along = np.where(vertical, ej, ei)  # how far along it
    classes = np.array([road_class_of_line(int(k)) for k in line], dtype=object)
    names = np.where(vertical, "Avenue ", "Street ").astype(object) + (line + 1).astype(str)
    way = np.where(vertical, line + 1, cols + line + 1).astype("int64")
    geometry = shapely.linestrings(
        np.stack([lon(xs[ei]), lat(ys[ej]), lon(xs[ti]), lat(ys[tj])], axis=1).reshape(-1, 2, 2)
    )
    length = np.hypot(xs[ti] - xs[ei], ys[tj] - ys[ej]).round(3)
    segments = gpd.GeoDataFrame(
        {
            "segment_id": [f"w{w}-{k}" for w, k in zip(way, along, strict=True)],
            "osm_way_id": way,
            "name": names,
            "road_class": classes.astype(str),
            "length_m": length,
            "oneway": np.zeros(len(ei), dtype=bool),
            "from_node": (ej * cols + ei).astype("int64"),
            "to_node": (tj * cols + ti).astype("int64"),
        },
        geometry=geometry,
        crs="EPSG:4326",
    )
    segments["name"] = segments["name"].astype(object)
    segments["freeflow_kmh"] = [float(freeflow_speed(c, None)) for c in segments["road_class"]]
    return segments


def _zone_frame(
    segments: gpd.GeoDataFrame, xs: np.ndarray, ys: np.ndarray, n_zones: int,
    to_degrees: ToDegrees,
) -> gpd.GeoDataFrame:  # fmt: skip
    """About `n_zones` rectangular districts, each named by its grid reference and main
    street; every segment's `zone_id` is set to the district its midpoint lies in."""
    lon, lat = to_degrees
    ids, refs, boxes = _districts(xs, ys, n_zones, margin_m=float(BLOCK_M[1]))
    zone_geoms = shapely.transform(
        np.asarray(boxes), lambda p: np.stack([lon(p[:, 0]), lat(p[:, 1])], 1)
    )
    zone_frame = gpd.GeoDataFrame(
        {"zone_id": ids, "kind": "district", "department": None},
        geometry=zone_geoms,
        crs="EPSG:4326",
    )
    seg_zone = assign_zone(gpd.GeoSeries(midpoints(segments.geometry.values)), zone_frame)
    segments["zone_id"] = seg_zone.values
    zone_frame["name"] = [
        f"{ref} · {main}" for ref, main in zip(refs, _main_streets(segments, ids), strict=True)
    ]
    zone_frame = zone_frame[["zone_id", "name", "kind", "department", "geometry"]]
    return zone_frame.sort_values("zone_id").reset_index(drop=True)


def _main_streets(segments: gpd.GeoDataFrame, zone_ids: list[str]) -> list[str]:
    """Each zone's main street: its most important road, then its longest stretch."""
    rank = segments["road_class"].map({"primary": 3, "secondary": 2, "tertiary": 1}).fillna(0)
    frame = segments.assign(rank=rank)[["zone_id", "name", "rank", "length_m"]]
    per_street = frame.groupby(["zone_id", "name"]).agg(rank=("rank", "max"), m=("length_m", "sum"))
    best = per_street.sort_values(["rank", "m"]).reset_index().groupby("zone_id").tail(1)
    main = dict(zip(best["zone_id"], best["name"], strict=True))
    return [main.get(z, "outskirts") for z in zone_ids]


def _pois(
    segments: gpd.GeoDataFrame,
    rng: np.random.Generator,
    kx: float,
    ky: float,
    center: tuple[float, float],
) -> gpd.GeoDataFrame:
    """Shops and restaurants: along main roads, and more of them towards the centre."""
    n = max(1, round(len(segments) * POIS_PER_SEGMENT))
    mids = midpoints(segments.geometry.values)
    dx = (shapely.get_x(mids) - center[0]) * kx
    dy = (shapely.get_y(mids) - center[1]) * ky
    dist = np.hypot(dx, dy)
    scale = max(float(dist.max()), 1.0) * 0.35
    weight = segments["road_class"].map(_POI_CLASS_WEIGHT).fillna(1).to_numpy() * np.exp(
        -dist / scale
    )
    chosen = rng.choice(len(segments), size=n, p=weight / weight.sum())
    lines = segments.geometry.values[chosen]
    frac = rng.uniform(0.05, 0.95, n)
    on_line = shapely.line_interpolate_point(lines, frac, normalized=True)
    start = shapely.get_coordinates(shapely.get_point(lines, 0))
    end = shapely.get_coordinates(shapely.get_point(lines, -1))
    vx, vy = (end[:, 0] - start[:, 0]) * kx, (end[:, 1] - start[:, 1]) * ky
    norm = np.hypot(vx, vy) + 1e-9
    side = rng.choice([-1.0, 1.0], n) * rng.uniform(12, 25, n)  # across the pavement
    lon = shapely.get_x(on_line) + (-vy / norm) * side / kx
    lat = shapely.get_y(on_line) + (vx / norm) * side / ky
    kinds = rng.choice([k for k, _ in POI_KINDS], size=n, p=[s for _, s in POI_KINDS])
    return gpd.GeoDataFrame({"kind": kinds}, geometry=shapely.points(lon, lat), crs="EPSG:4326")


# -- basemap ---------------------------------------------------------------------------------
def _feature(layer: str, kind: str, coords: list) -> dict:
    return {
        "type": "Feature",
        "properties": {"layer": layer},
        "geometry": {"type": kind, "coordinates": coords},
    }


def build_basemap(city: GridCity) -> dict:
    """The grid's basemap, in the layers `geo.basemap.build_basemap` gives: a building on
    every block between the streets (a few blocks are parks), and roads by class."""
    segs = city.segments
    features = []
    lons, lats = city.avenue_lons, city.street_lats
    if lons is not None and lats is not None and len(lats) > 1:
        kx, ky = metres_per_degree(float(np.mean(lats)))
        inset_x, inset_y = 12.0 / kx, 12.0 / ky  # pavement and half the carriageway
        edges = set(zip(segs["from_node"], segs["to_node"], strict=True))
        cols = len(lons)
        rng = np.random.default_rng([len(segs), 202])
        for j in range(len(lats) - 1):
            for i in range(cols - 1):
                # a block stands where the streets south and north of it both do
                south = (j * cols + i, j * cols + i + 1)
                north = ((j + 1) * cols + i, (j + 1) * cols + i + 1)
                if south not in edges or north not in edges:
                    continue
                w, e = round(lons[i] + inset_x, 6), round(lons[i + 1] - inset_x, 6)
                s, n = round(lats[j] + inset_y, 6), round(lats[j + 1] - inset_y, 6)
                ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
                layer = "green" if rng.random() < 0.07 else "building"
                features.append(_feature(layer, "Polygon", [ring]))
    # one line per avenue or street: its blocks are contiguous and share its class
    for (_, road_class), way in segs.groupby(["osm_way_id", "road_class"], sort=True):
        coords = shapely.get_coordinates(way.geometry.values)
        axis = int(np.ptp(coords[:, 1]) > np.ptp(coords[:, 0]))  # 1: an avenue (north-south)
        first, last = coords[:, axis].argmin(), coords[:, axis].argmax()
        line = [coords[first].round(6).tolist(), coords[last].round(6).tolist()]
        features.append(_feature(_road_layer(road_class), "LineString", line))
    return {"type": "FeatureCollection", "features": features}


def basemap_file(city: GridCity, cache_dir: Path) -> Path:
    """Path of the cached basemap GeoJSON for this grid city, built on first use."""
    return cached_geojson(
        cache_dir / f"basemap-grid-{city.key}.geojson", lambda: build_basemap(city)
    )
