"""Compact encodings of GeoJSON for the browser: geobuf (protobuf) for large point sets,
which dash-leaflet decodes natively (`format="geobuf"`)."""

from __future__ import annotations

import json

import geobuf

PRECISION = 6  # decimal places of coordinates: about 0.1 m


def to_geobuf(geojson: str | bytes) -> bytes:
    """A FeatureCollection (GeoJSON text) as geobuf bytes."""
    return geobuf.encode(json.loads(geojson), PRECISION)
