"""What a file connector's mapping may name, and how an export's values are read.

Per domain: the C3 fields a mapping may name with the kind of each value, the fields it
must name, and the table a record lands in. Values: the export's "no data" markers (as
text, and as numbers in typed files), yes/no words, numbers delivered as strings, and
road links given as a list of points (measured on the WGS84 ellipsoid), checked for a
point out of place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

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
        "closed_at": "time",
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
    # a crew vehicle's GPS fixes (an AVL export); speed in km/h, or mph by speed_unit
    "crews": {
        "crew_id": "text",
        "observed_at": "time",
        "lon": "float",
        "lat": "float",
        "speed": "float",
        "heading": "float",
        "status": "text",
    },
}
# A field any domain's mapping may name: the day of times of day (a time_format without a
# date), when the export gives it in a column of its own.
ANY_DOMAIN = {"date": "date"}
REQUIRED = {
    "complaints": ("request_id", "requested_at"),  # and status or closed_at (STATUS_FROM)
    "waste": ("container_id", "observed_at"),
    "traffic": ("segment_id", "observed_at", "speed"),
    "crews": ("crew_id", "observed_at"),  # and a place: lon/lat, or a GeoJSON Point
}
# Complaints: open or closed is read from `status`, or without one from `closed_at`.
STATUS_FROM = ("status", "closed_at")
PRIMARY_TABLE = {
    "complaints": "service_requests",
    "waste": "waste_readings",
    "traffic": "traffic_readings",
    "crews": "crew_positions",
}
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}

NoData = tuple[set[str], set[float]]  # the "no data" texts, and the numbers among them
# (raw value, field) -> a UTC time; a time of day (datetime.time) until its date is known;
# a day (datetime.date) for the `date` field
TimeParser = Callable[[object, str], datetime | time | date | None]

# Road links the city model lacks, drawn from an export's points. A cut or mistyped
# coordinate lands far off: a point further than MAX_POINT_GAP_M from the points beside
# it is out of place, and so is one making the link longer than MAX_DETOUR times the
# distance between its ends plus DETOUR_SLACK_M (a winding street, or a ramp's loop, stays
# well inside both).
MAX_POINT_GAP_M = 10_000
MAX_DETOUR, DETOUR_SLACK_M = 3, 2_000


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
    if kind in ("time", "date"):
        return parse_time(raw, field)
    if kind == "bool":
        word = str(raw).lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise Rejected(f"{field} is not yes/no: {raw!r}")
    return raw  # "line": parsed where the segment needs it


def parse_points(value: object) -> list[tuple[float, float]]:
    """Line geometry as (lon, lat) points, from what exports deliver.

    - text `"lat,lon lat,lon …"` (NYC DOT's `link_points`). A long field is cut off, so its
      last pair may be half-written: one that does not read as a point, or that lies more
      than MAX_POINT_GAP_M from the point before it (`40.76377,-7`, cut from `-73.9…`)
      while that one is near its own predecessor, is dropped. Any other pair that does not
      read as a point rejects the line;
    - a GeoJSON LineString, or a JSON list of [lon, lat] pairs (GeoJSON's order).
    """
    if isinstance(value, dict):
        value = value.get("coordinates") if value.get("type") == "LineString" else None
    if isinstance(value, str):
        pairs, points = value.split(), []
        for number, pair in enumerate(pairs, start=1):
            lat, _, lon = pair.partition(",")
            try:
                points.append(parse_coordinate(lon, lat))
            except Rejected:
                if number < len(pairs):
                    raise Rejected(f"line point {number} of {len(pairs)} is not lat,lon: "
                                   f"{pair!r}") from None  # fmt: skip
        if len(points) == len(pairs) > 2 and _gap_m(points[-2], points[-1]) > MAX_POINT_GAP_M:
            if _gap_m(points[-3], points[-2]) <= MAX_POINT_GAP_M:  # not a point out of place
                points.pop()  # a pair cut inside its longitude
        return points
    if isinstance(value, list):
        return [parse_coordinate(p[0], p[1]) for p in value if isinstance(p, list | tuple)]
    return []


def check_link(points: list[tuple[float, float]]) -> None:
    """Reject a link with a point out of place: far from the points beside it, or making
    the link far longer than the distance between its ends."""
    gaps = [_gap_m(a, b) for a, b in zip(points, points[1:], strict=False)]
    for i, gap in enumerate(gaps):
        if gap <= MAX_POINT_GAP_M:
            continue
        if i + 1 < len(gaps) and gaps[i + 1] > MAX_POINT_GAP_M:  # far from both sides
            lon, lat = points[i + 1]
            raise Rejected(
                f"line point {i + 2} of {len(points)} (lat {lat}, lon {lon}) is "
                f"{min(gap, gaps[i + 1]) / 1000:,.0f} km from the points beside it "
                f"(more than {MAX_POINT_GAP_M / 1000:.0f} km: out of place)"
            )
        raise Rejected(
            f"line points {i + 1} and {i + 2} of {len(points)} are {gap / 1000:,.0f} km apart "
            f"(more than {MAX_POINT_GAP_M / 1000:.0f} km: a point out of place)"
        )
    length, ends = sum(gaps), _gap_m(points[0], points[-1])
    if length > MAX_DETOUR * ends + DETOUR_SLACK_M:
        raise Rejected(
            f"line is {length / 1000:,.1f} km long between ends {ends / 1000:,.1f} km apart "
            f"(more than {MAX_DETOUR} times the distance plus {DETOUR_SLACK_M / 1000:.0f} km: "
            "a point out of place)"
        )


def _gap_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def line_length_m(points: list[tuple[float, float]]) -> float:
    """The length in metres of a line through (lon, lat) points."""
    lons, lats = zip(*points, strict=True)
    return float(GEOD.line_length(lons, lats))
