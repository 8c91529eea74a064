"""What a file connector's mapping may name, and how an export's values are read.

Per domain: the C3 fields a mapping may name with the kind of each value, the fields it
must name, and the table a record lands in. Values: the export's "no data" markers (as
text, and as numbers in typed files), yes/no words, numbers delivered as strings, and
road links given as a list of points (measured on the WGS84 ellipsoid).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pyproj import Geod

from connectors.base import Rejected, parse_coordinate

GEOD = Geod(ellps="WGS84")

# C3 field -> how its value is read. Required fields first in each domain's tuple.
FIELD_KINDS = {
    "complaints": {
        "request_id": "text",
        "requested_at": "time",
        "lon": "float",
        "lat": "float",
        "status": "text",
        "status_notes": "text",
        "service_code": "text",
        "service_name": "text",
        "description": "text",
        "agency_responsible": "text",
        "updated_at": "time",
        "expected_at": "time",
        "address": "text",
        "zipcode": "text",
        "media_url": "text",
    },
    "waste": {
        "container_id": "text",
        "observed_at": "time",
        "fill_level": "float",
        "fill_percent": "float",
        "temperature_c": "float",
        "status": "text",
        "lon": "float",
        "lat": "float",
        "waste_type": "text",
        "capacity_l": "float",
        "address": "text",
        "collected_at": "time",
    },
    "traffic": {
        "segment_id": "text",
        "observed_at": "time",
        "speed": "float",
        "travel_time_s": "float",
        "intensity": "float",
        "occupancy": "float",
        "congested": "bool",
        "name": "text",
        "line": "line",
        "freeflow_kmh": "float",
    },
}
REQUIRED = {
    "complaints": ("request_id", "requested_at", "status"),
    "waste": ("container_id", "observed_at"),
    "traffic": ("segment_id", "observed_at", "speed"),
}
PRIMARY_TABLE = {
    "complaints": "service_requests",
    "waste": "waste_readings",
    "traffic": "traffic_readings",
}
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}

NoData = tuple[set[str], set[float]]  # the "no data" texts, and the numbers among them
TimeParser = Callable[[object, str], datetime | None]  # (raw value, field) -> UTC time


def no_data_values(values: list[str]) -> NoData:
    """The texts, and the numbers among them (a Parquet -1.0 is the text "-1" too)."""
    texts, numbers = {v.strip() for v in values}, set()
    for text in texts:
        try:
            numbers.add(float(text))
        except ValueError:
            pass
    return texts, numbers


def read_value(raw: object, field: str, kind: str, no_data: NoData,
               parse_time: TimeParser) -> object:  # fmt: skip
    """One export value as its C3 field's kind; None for no data. A line is left as
    given: it is parsed where a new segment needs it."""
    if raw is None:
        return None
    texts, numbers = no_data
    if isinstance(raw, str):
        raw = raw.strip()
        if raw in texts:
            return None
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and raw in numbers:
        return None
    if kind == "text":
        return str(raw)
    if kind == "float":
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise Rejected(f"{field} is not a number: {raw!r}") from None
    if kind == "time":
        return parse_time(raw, field)
    if kind == "bool":
        word = str(raw).lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise Rejected(f"{field} is not yes/no: {raw!r}")
    return raw  # "line": parsed where the segment needs it


def parse_points(value: object) -> list[tuple[float, float]]:
    """Line geometry as (lon, lat) points, from what exports deliver.

    - text `"lat,lon lat,lon …"` (NYC DOT's `link_points`; a truncated last point is dropped),
    - a GeoJSON LineString, or a JSON list of [lon, lat] pairs (GeoJSON's order).
    """
    if isinstance(value, dict):
        value = value.get("coordinates") if value.get("type") == "LineString" else None
    if isinstance(value, str):
        points = []
        for pair in value.split():
            lat, _, lon = pair.partition(",")
            try:
                points.append(parse_coordinate(lon, lat))
            except Rejected:
                continue  # a half-written point at the end of a truncated field
        return points
    if isinstance(value, list):
        return [parse_coordinate(p[0], p[1]) for p in value if isinstance(p, list | tuple)]
    return []


def line_length_m(points: list[tuple[float, float]]) -> float:
    """The length in metres of a line through (lon, lat) points."""
    lons, lats = zip(*points, strict=True)
    return float(GEOD.line_length(lons, lats))
