"""A zone's collection routes for one window (issue #5, analysis 4): the containers due,
grouped by the street corner a truck stops at, shared among the trucks by OR-Tools
(analytics.routing) on the travel times of the window's slot; then each route timed leg
by leg as the traffic changes, with the streets to draw, distances and arrival times.
Containers not due, or beyond the trucks' capacity, are listed as skipped with why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from analytics.routing import solve_routes
from analytics.windows import RoadNet

NOT_DUE = "below its threshold until after the horizon"
NO_CAPACITY = "no truck capacity left in this round"
NO_READING = "no recent fill reading: its fill is unknown"


@dataclass
class Stop:
    node: object  # graph node the truck stops at
    containers: list[str]
    litres: float  # waste expected in them at the window's start
    lon: float
    lat: float


def route_window(
    net: RoadNet,
    depot,
    stops: list[Stop],
    start: datetime,
    vehicles: int,
    capacity_l: float,
    service_s: float,
    streets: dict[str, tuple[list, float]],
    time_limit_s: float = 1.0,
) -> dict:
    """Routes for `stops` leaving the depot at `start`. `streets`: segment_id ->
    (its [lon, lat] points, length in metres). Returns plain data (JSON-ready): per
    vehicle its stops in order with arrival times, path, km, minutes and litres; the
    stops left out for capacity; and the totals."""
    if not stops:
        return {"vehicles": [], "unserved": [], "totals": _totals([])}
    places = (depot, *[s.node for s in stops])
    matrix = net.seconds(places, start)
    demands = [0] + [int(np.ceil(s.litres)) for s in stops]
    solved = solve_routes(
        matrix,
        demands,
        vehicles,
        int(capacity_l),
        time_limit_s=min(time_limit_s, 0.1 + 0.01 * len(stops)),  # small rounds solve fast
        service_s=[0.0] + [service_s * len(s.containers) for s in stops],
        drop_penalty_s=24 * 3600,  # a day of driving: leave a stop out only when it must
    )
    vehicles_out = []
    for number, route in enumerate(solved, start=1):  # trucks that drive, numbered 1..
        vehicles_out.append(
            _timed(net, depot, [stops[i - 1] for i in route.stops], start, service_s, streets)
            | {"vehicle": number}
        )
    served = {i for r in solved for i in r.stops}
    unserved = [i - 1 for i in range(1, len(places)) if i not in served]
    return {
        "vehicles": vehicles_out,
        "unserved": [
            {"containers": stops[i].containers, "lon": stops[i].lon, "lat": stops[i].lat}
            for i in unserved
        ],
        "totals": _totals(vehicles_out),
    }


def _timed(net, depot, order: list[Stop], start, service_s, streets) -> dict:
    """Drive `order` from the depot and back, each leg on its fastest streets for the
    moment it starts."""
    clock, path, metres, driving_s, visits = start, [], 0.0, 0.0, []
    here, service_done = depot, 0.0
    for seq, stop in enumerate([*order, None], start=1):
        there = depot if stop is None else stop.node
        leg = net.path(here, there, clock) if here != there else [here]
        seconds = net.edge_seconds(net.slot_start(clock))
        for u, v in zip(leg, leg[1:], strict=False):
            segment = net.edge_segment[(u, v)]
            points, length = streets[segment]
            path.extend(points if not path else points[1:])
            metres += length
            driving_s += float(seconds[net.edge_position[(u, v)]])
            clock = start + timedelta(seconds=driving_s + service_done)
        if stop is None:
            break
        visits.append(
            {
                "seq": seq,
                "containers": stop.containers,
                "arrival": clock.isoformat(),
                "litres": round(stop.litres),
                "lon": stop.lon,
                "lat": stop.lat,
            }
        )
        service_done += service_s * len(stop.containers)
        clock = start + timedelta(seconds=driving_s + service_done)
        here = there
    return {
        "stops": visits,
        "path": path,
        "km": round(metres / 1000, 2),
        "minutes": round((clock - start).total_seconds() / 60, 1),
        "driving_minutes": round(driving_s / 60, 1),
        "litres": round(sum(s.litres for s in order)),
        "back_at": clock.isoformat(),
    }


def _totals(vehicles: list[dict]) -> dict:
    return {
        "km": round(sum(v["km"] for v in vehicles), 2),
        "minutes": round(sum(v["minutes"] for v in vehicles), 1),
        "driving_minutes": round(sum(v["driving_minutes"] for v in vehicles), 1),
        "containers": sum(len(s["containers"]) for v in vehicles for s in v["stops"]),
        "litres": sum(v["litres"] for v in vehicles),
        "trucks": len(vehicles),
    }
