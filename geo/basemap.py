"""Offline basemap from the OSM extract: water, green areas, buildings and roads by class.

Written once per extract as one GeoJSON file whose features carry a `layer` property;
the browser styles them, so an air-gapped control room still sees a real map.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyrosm
import shapely

MAJOR = {
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
}
MINOR = {"tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service"}
GREEN_LANDUSE = {"grass", "meadow", "forest", "recreation_ground", "village_green", "cemetery"}
GREEN_NATURAL = {"scrub", "wood", "heath", "grassland"}
WATER_NATURAL = {"water", "bay", "wetland"}
WATER_LANDUSE = {"basin", "pond", "reservoir"}
SIMPLIFY_DEG = 0.000005  # ~0.5 m: invisible at street zoom, halves the bytes


def _layer(frame: gpd.GeoDataFrame | None, name: str, mask=None) -> gpd.GeoDataFrame:
    if frame is None or frame.empty:
        return gpd.GeoDataFrame({"layer": []}, geometry=[], crs="EPSG:4326")
    if mask is not None:
        frame = frame[mask(frame)]
    out = gpd.GeoDataFrame(
        {"layer": [name] * len(frame)}, geometry=frame.geometry.values, crs="EPSG:4326"
    )
    return out[~out.geometry.is_empty & out.geometry.notna()]


def _road_layer(road_class: str) -> str:
    if road_class in MAJOR:
        return "road-major"
    if road_class in MINOR:
        return "road-minor"
    return "path"


def build_basemap(extract_path: Path) -> dict:
    """Basemap features of the extract as a GeoJSON FeatureCollection."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(str(extract_path))
        landuse = osm.get_landuse()
        natural = osm.get_natural()
        leisure = osm.get_data_by_custom_criteria(
            custom_filter={"leisure": ["park", "garden", "playground"]}, keep_nodes=False
        )
        buildings = osm.get_buildings()
        roads = osm.get_network(network_type="all")
    polygon = lambda f: f.geometry.geom_type.isin(["Polygon", "MultiPolygon"])  # noqa: E731
    parts = [
        _layer(landuse, "green", lambda f: f["landuse"].isin(GREEN_LANDUSE) & polygon(f)),
        _layer(natural, "green", lambda f: f["natural"].isin(GREEN_NATURAL) & polygon(f)),
        _layer(leisure, "green", polygon),
        _layer(natural, "water", lambda f: f["natural"].isin(WATER_NATURAL) & polygon(f)),
        _layer(landuse, "water", lambda f: f["landuse"].isin(WATER_LANDUSE) & polygon(f)),
        _layer(buildings, "building", polygon),
    ]
    if roads is not None and not roads.empty:
        lines = gpd.GeoDataFrame(
            {"layer": roads["highway"].astype(str).map(_road_layer)},
            geometry=roads.geometry.values,
            crs="EPSG:4326",
        )
        parts.append(lines)
    merged = pd.concat(parts, ignore_index=True)
    merged["geometry"] = shapely.simplify(merged.geometry.values, SIMPLIFY_DEG)
    return json.loads(gpd.GeoDataFrame(merged, crs="EPSG:4326").to_json(drop_id=True))


def cached_geojson(target: Path, build) -> Path:
    """`target`, written once from `build()` (a FeatureCollection dict), atomically; several
    processes starting at once (web workers) each write a file of their own and the
    last rename wins, with the same content."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(build(), separators=(",", ":")))
        tmp.replace(target)
    return target


def basemap_file(extract_path: Path, cache_dir: Path) -> Path:
    """Path of the cached basemap GeoJSON for this extract, built on first use."""
    name = f"basemap-{extract_path.stem}-{extract_path.stat().st_size}.geojson"
    return cached_geojson(cache_dir / name, lambda: build_basemap(extract_path))
