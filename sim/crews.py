"""The demo city's field crews on the move: each crew's vehicle drives back and forth
along a long seeded route through the road graph at its own pace, so where a crew is
at any instant is a closed-form function of (seed, time), like the rest of the
simulator. The simulator serves them as NGSI `Vehicle` entities."""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString

from geo.city import CityModel
from sim.formats import iso_utc

ROUTE_EDGES = 1500  # streets in a crew's route: an hour or more before it turns back
SPEEDS_KMH = (18.0, 26.0)  # a crew's average pace in town, stops included


class CrewFleet:
    """Where each crew of `crew_ids` is, at any time."""

    def __init__(self, city: CityModel, crew_ids: list[str], seed: int):
        graph = city.graph
        core = sorted(max(nx.strongly_connected_components(graph), key=len))
        geometry = dict(zip(city.segments["segment_id"], city.segments.geometry, strict=True))
        ends = dict(zip(city.segments["segment_id"], city.segments["from_node"], strict=True))
        self.routes: dict[str, tuple[LineString, float, float]] = {}
        for number, crew_id in enumerate(crew_ids):
            rng = np.random.default_rng([seed, 7, number])
            node = core[int(rng.integers(len(core)))]
            parts, came_from = [], None
            for _ in range(ROUTE_EDGES):
                ahead = [v for v in graph.successors(node) if v != came_from]
                ahead = ahead or list(graph.successors(node))  # a dead end: turn round
                if not ahead:
                    break
                nxt = ahead[int(rng.integers(len(ahead)))]
                segment = graph[node][nxt]["segment_id"]
                line = geometry[segment]
                parts.extend(line.coords if ends[segment] == node else line.coords[::-1])
                came_from, node = node, nxt
            route = LineString(parts)
            metres = float(shapely.length(shapely.transform(route, _to_metres(route))))
            speed = float(rng.uniform(*SPEEDS_KMH)) / 3.6
            self.routes[crew_id] = (route, metres, speed)

    def position(self, crew_id: str, at_s: float) -> tuple[float, float, float]:
        """(lon, lat, heading in degrees) of a crew at epoch second `at_s`."""
        route, metres, speed = self.routes[crew_id]
        travelled = (at_s * speed) % (2 * metres)
        outward = travelled <= metres
        along = (travelled if outward else 2 * metres - travelled) / metres
        here = route.interpolate(along, normalized=True)
        step = 0.001 if outward else -0.001
        ahead = route.interpolate(min(1.0, max(0.0, along + step)), normalized=True)
        heading = _heading(here.x, here.y, ahead.x, ahead.y)
        return round(here.x, 6), round(here.y, 6), heading

    def entities(self, at_s: float) -> list[dict]:
        """Every crew as an NGSI Vehicle (keyValues) observed at `at_s`."""
        found = []
        for crew_id, (_, _, speed) in self.routes.items():
            lon, lat, heading = self.position(crew_id, at_s)
            found.append({
                "id": crew_id, "type": "Vehicle", "vehicleType": "van",
                "category": ["municipalServices"],
                "location": {"type": "Point", "coordinates": [lon, lat]},
                "speed": round(speed * 3.6, 1), "heading": heading,
                "serviceStatus": "onRoute", "dateObserved": iso_utc(at_s),
            })  # fmt: skip
        return found


def _to_metres(line: LineString):
    """A function shapely.transform takes: lon/lat to local metres around the line."""
    lat = np.radians(line.centroid.y)
    per_lon, per_lat = 111_320 * np.cos(lat), 110_574

    def project(coords: np.ndarray) -> np.ndarray:
        return coords * np.array([per_lon, per_lat])

    return project


def _heading(x0: float, y0: float, x1: float, y1: float) -> float:
    dx = (x1 - x0) * np.cos(np.radians(y0))
    dy = y1 - y0
    if dx == 0 and dy == 0:
        return 0.0
    return round(float(np.degrees(np.arctan2(dx, dy)) % 360), 1)

