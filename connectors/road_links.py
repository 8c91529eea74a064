"""Which road segments of the city model a TrafficFlowObserved is about.

C3 splits each OpenStreetMap way into segments (`w<way>-<k>`). A broker names the road
one of three ways, tried in this order:

- by C3's own segment id (`refRoadSegment: w123-0`, or inside a RoadSegment URN):
  that segment;
- by OSM way (`refRoadSegment: urn:ngsi-ld:RoadSegment:osm-<way id>`): the way's
  segments. With no `location`, the reading is the whole way's: every segment of the
  way gets it. With a Point `location` (a detector), the way's segment nearest to it;
  with a LineString (the stretch observed), the way's segments that line runs along;
- not at all, or by a way the city model lacks (OSM renumbers ways as they are
  edited), with the road's LineString as `location`: the segments that line runs along.

"Runs along" allows `road_match_m` metres between the line and the segment, and asks
that half of one lie within that distance of the other, running the same way (a cross
street touched on the way past is not matched); a one-way segment, drawn in its
direction of travel, only when the line's points go in that direction too (so the
other carriageway of a dual road is not matched). Nothing within the distance is
quarantined with it in the reason; so is an unknown reference without a line.
"""

from __future__ import annotations

import re

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from connectors.base import Rejected, parse_coordinate
from geo.geometry import metres_per_degree
from store.feed_checks import segment_lines

ROAD_SEGMENT_URN = "urn:ngsi-ld:RoadSegment:"
WAY_REF = re.compile(r"^osm[-:](?:way[-:/])?(\d+)$")
ALONG = 0.5  # the share of a segment (or of the flow's line) that must lie near the other
ALIGNED = 0.8  # the cosine of the angle between the two: 1 parallel, 0 across
TANGENT_M = 2.0  # the line's direction at a spot: from this far behind it to this far ahead


class RoadLinks:
    """The city model's segments, found by id, by OSM way and by geometry."""

    def __init__(self, max_m: float):
        self.max_m = max_m
        self.ids: list[str] = []
        self._rows: list[tuple[str, int | None, bool, bytes]] = []
        self._index: dict[str, int] = {}
        self._ways: dict[int, list[int]] = {}
        self._lines: np.ndarray | None = None  # in metres, built on first use
        self._tree: shapely.STRtree | None = None
        self._scale = (1.0, 1.0)

    def prepare(self, cur) -> None:
        self._rows = segment_lines(cur)
        self.ids = [r[0] for r in self._rows]
        self._index = {sid: i for i, sid in enumerate(self.ids)}
        self._ways = {}
        for i, (_, way, _, _) in enumerate(self._rows):
            if way is not None:
                self._ways.setdefault(int(way), []).append(i)
        self._lines = self._tree = None

    def match(self, ref: object, location: object) -> list[str]:
        """The segment ids a flow with this refRoadSegment and location is about."""
        if isinstance(ref, list):
            ref = ref[0] if ref else None
        name = ref.removeprefix(ROAD_SEGMENT_URN) if isinstance(ref, str) else None
        for candidate in (ref, name):
            if isinstance(candidate, str) and candidate in self._index:
                return [candidate]
        way = WAY_REF.match(name) if name else None
        shape = self._shape(location) if location is not None else None
        if way and int(way[1]) in self._ways:
            members = self._ways[int(way[1])]
            if shape is None:
                return [self.ids[i] for i in members]
            found = self._near(shape, np.asarray(members))
            if not found:
                raise Rejected(
                    f"location is more than {self.max_m:g} m from OSM way {way[1]} "
                    f"(refRoadSegment {ref!r})"
                )
            return found
        if way:
            unknown = f"OSM way {way[1]} is not in the city model"
        else:
            unknown = "no refRoadSegment" if ref is None else f"unknown road segment {ref!r}"
        if shape is None or shape.geom_type != "LineString":
            hint = "" if shape is None else " (a Point does not say which road: send its line)"
            raise Rejected(unknown + hint)
        found = self._near(shape, None)
        if not found:
            raise Rejected(
                f"{unknown}, and no road segment runs along its location within "
                f"{self.max_m:g} m (road_match_m)"
            )
        return found

    # -- geometry -------------------------------------------------------------------------
    def _build(self) -> None:
        geoms = shapely.from_wkb([r[3] for r in self._rows])
        lat = float(np.nanmean(shapely.get_coordinates(geoms)[:, 1])) if len(geoms) else 0.0
        self._scale = metres_per_degree(lat)
        self._lines = shapely.transform(geoms, lambda xy: xy * np.asarray(self._scale))
        self._tree = shapely.STRtree(self._lines)

    def _shape(self, location: object) -> BaseGeometry:
        """A GeoJSON Point or LineString `location`, in the metres the segments are in."""
        if not isinstance(location, dict):
            raise Rejected(f"location is not a GeoJSON object: {location!r}")
        kind, coords = location.get("type"), location.get("coordinates")
        if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
            points = [parse_coordinate(coords[0], coords[1])]
        elif kind == "LineString" and isinstance(coords, list):
            points = [parse_coordinate(*p[:2]) for p in coords if isinstance(p, list) and p[1:]]
            if len(points) < 2:
                raise Rejected(f"location is a LineString of {len(points)} point(s)")
        else:
            raise Rejected(f"location is a GeoJSON {kind!r}, expected a Point or a LineString")
        if self._lines is None:
            self._build()
        scaled = np.asarray(points) * np.asarray(self._scale)
        return shapely.points(scaled[0]) if kind == "Point" else shapely.linestrings(scaled)

    def _near(self, shape: BaseGeometry, within: np.ndarray | None) -> list[str]:
        """The segments (of `within`, or all) nearest a Point or running along a LineString."""
        lines = self._lines
        if shape.geom_type == "Point":
            pool = within if within is not None else self._tree.query(shape.buffer(self.max_m))
            if len(pool) == 0:
                return []
            distances = shapely.distance(lines[pool], shape)
            best = int(np.argmin(distances))
            return [self.ids[pool[best]]] if distances[best] <= self.max_m else []
        zone = shape.buffer(self.max_m, cap_style="flat")
        pool = self._tree.query(zone)
        if within is not None:
            pool = np.intersect1d(pool, within)
        return [self.ids[i] for i in sorted(pool) if self._along(i, shape, zone)]

    def _along(self, i: int, line: BaseGeometry, zone: BaseGeometry) -> bool:
        segment, one_way = self._lines[i], self._rows[i][2]
        inside = segment.intersection(zone)
        if inside.length >= ALONG * segment.length and _aligned(inside, line, one_way):
            return True  # the segment lies along the line
        part = line.intersection(segment.buffer(self.max_m, cap_style="flat"))
        return part.length >= ALONG * line.length and _aligned(part, segment, one_way)


def _aligned(part: BaseGeometry, line: BaseGeometry, one_way: bool) -> bool:
    """Whether `part` runs along `line`: the cosine between its direction (first point to
    last) and the line's where it lies (near 0 for a street crossing it); `one_way`:
    forwards only."""
    if part.is_empty:
        return False
    xy = shapely.get_coordinates(part)
    spot = line.project(shapely.Point(xy.mean(axis=0)))
    ahead = line.interpolate(min(spot + TANGENT_M, line.length))
    behind = line.interpolate(max(spot - TANGENT_M, 0.0))  # (a negative distance: from the end)
    along, chord = np.subtract(ahead.coords[0], behind.coords[0]), xy[-1] - xy[0]
    norm = float(np.hypot(*along) * np.hypot(*chord))
    if norm == 0:
        return False
    cosine = float(along @ chord) / norm
    return (cosine if one_way else abs(cosine)) >= ALIGNED
