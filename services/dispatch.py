"""Who should take a work order (issue #18): the configured crews that fix its type and
are on shift, where each is now (its vehicle's newest position, else its base, else the
city's centre), its queue, and the three that reach the job first by road at the
congestion expected now (`analytics.dispatch`).

Travel times are the collection planner's where this process holds a plan (profiles of
four weeks with the congestion of its time blended in); a web worker without one (on a
lake the planner runs in `c3 worker`) times the streets by the newest readings of the
last minutes and free flow elsewhere: what "now" means for a crew leaving now."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.collection import nearest_nodes, routable
from analytics.dispatch import CrewChoice, rank_crews
from analytics.profiles import TravelTimes
from analytics.windows import RoadNet
from config import Settings
from config.crews import Crew
from geo.city import CityModel
from store import Store
from store.collection import observed_travel_times
from store.crews import latest_positions, queue_lengths
from store.ledger import data_versions

NO_PROFILES = pd.DataFrame(
    {"travel_time_s": pd.Series(dtype=float)},
    index=pd.MultiIndex.from_arrays([[], [], np.array([], dtype=int)]),
)
OWN_NET_MINUTES = 5  # a web worker's own travel times are read again this often


class Dispatcher:
    """Ranks the crews for work orders over the city's road graph."""

    def __init__(self, store: Store, city: CityModel, settings: Settings, planner=None):
        self.store, self.settings, self.planner = store, settings, planner
        self.graph = city.graph
        self.stops_on = routable(city.segments, city.graph)
        segs = city.segments
        seconds = segs["length_m"] / (segs["freeflow_kmh"] / 3.6)
        self.freeflow_s = dict(zip(segs["segment_id"], seconds, strict=True))
        centre = segs.geometry.union_all().centroid
        self.centre = (centre.x, centre.y)
        self.segments = segs
        self._ends = dict(zip(segs["segment_id"], segs["from_node"], strict=True))
        self._lines = dict(zip(segs["segment_id"], segs.geometry, strict=True))
        self._lock = threading.Lock()  # the road net's caches are not thread-safe
        self._net: tuple[object, RoadNet] | None = None

    def crews_now(self, now: datetime) -> list[dict]:
        """Every configured crew: where it is (and since when), whether that is old, on
        shift, its skills and how many jobs it has."""
        with self.store.reading() as cur:
            positions = latest_positions(cur, now)
            queues = queue_lengths(cur)
        local = now.astimezone(ZoneInfo(self.settings.timezone))
        minute = local.hour * 60 + local.minute
        stale = timedelta(minutes=self.settings.dispatch.position_stale_minutes)
        found = []
        for crew in self.settings.field_crews:
            at = positions.get(crew.crew_id)
            lon, lat = (at["lon"], at["lat"]) if at else tuple(crew.base or self.centre)
            found.append({
                "crew_id": crew.crew_id, "name": crew.name, "skills": crew.skills,
                "lon": lon, "lat": lat, "seen_at": at and at["observed_at"],
                "position": "feed" if at else ("base" if crew.base else "city centre"),
                "position_old": bool(at and now - at["observed_at"] > stale),
                "on_shift": crew.on_shift(minute), "queue_jobs": queues.get(crew.crew_id, 0),
            })  # fmt: skip
        return found

    def rank(self, order: dict, now: datetime, top: int = 3) -> list[dict]:
        """The `top` crews for `order` (service_code, lon, lat): those that fix its type
        and are on shift, by queue plus road travel time, each with its ETA."""
        crews = [c for c in self.crews_now(now) if c["on_shift"]
                 and _crew(self.settings, c["crew_id"]).fixes(order["service_code"])]  # fmt: skip
        if not crews or order.get("lon") is None:
            return []
        nodes = nearest_nodes(np.array([order["lon"]] + [c["lon"] for c in crews]),
                              np.array([order["lat"]] + [c["lat"] for c in crews]),
                              self.stops_on)  # fmt: skip
        for crew, node in zip(crews, nodes[1:], strict=True):
            crew["node"] = node
        job_s = self.settings.dispatch.job_minutes * 60
        with self._lock:
            ranked = rank_crews(self._road_net(now), nodes[0], (order["lon"], order["lat"]),
                                crews, now, job_s, top)  # fmt: skip
        by_id = {c["crew_id"]: c for c in crews}
        return [_choice(by_id[c.crew_id], c) for c in ranked]

    def route(self, crew_id: str, to: tuple[float, float], now: datetime) -> dict | None:
        """The road from where a crew is now to `to` (lon, lat), leaving now: its line
        ([lon, lat] points) and minutes; None where the road does not get there."""
        crew = next((c for c in self.crews_now(now) if c["crew_id"] == crew_id), None)
        if crew is None:
            return None
        start, end = nearest_nodes(np.array([crew["lon"], to[0]]), np.array([crew["lat"], to[1]]),
                                   self.stops_on)  # fmt: skip
        with self._lock:
            net = self._road_net(now)
            try:
                chain = net.path(start, end, now)
            except (ValueError, KeyError):
                return None
            edges = list(pairwise(chain))
            timed = net.edge_seconds(net.slot_start(now))
            seconds = sum(float(timed[net.edge_position[e]]) for e in edges)
        line = [[crew["lon"], crew["lat"]]]
        for u, v in edges:
            segment = net.edge_segment[(u, v)]
            coords = list(self._lines[segment].coords)
            line += [list(p) for p in (coords if self._ends[segment] == u else coords[::-1])]
        return {"line": line + [list(to)], "minutes": round(seconds / 60, 1),
                "from": crew["position"]}  # fmt: skip

    def _road_net(self, now: datetime) -> RoadNet:
        travel = self.planner.travel_times() if self.planner is not None else None
        if travel is None:
            with self.store.reading() as cur:
                version = data_versions(cur).get("traffic", 0)
            key = (version, int(now.timestamp() // (OWN_NET_MINUTES * 60)))
            if self._net is None or self._net[0] != key:
                self._net = (key, RoadNet(self.graph, self._travel_now(now)))
        elif self._net is None or self._net[0] is not travel:
            self._net = (travel, RoadNet(self.graph, travel))
        return self._net[1]

    def _travel_now(self, now: datetime) -> TravelTimes:
        with self.store.reading() as cur:
            observed = observed_travel_times(cur, now)
        now_s = dict(zip(observed["segment_id"], observed["travel_time_s"], strict=True))
        return TravelTimes(NO_PROFILES, self.freeflow_s, self.settings.timezone, now=now,
                           observed_s=now_s)


def _crew(settings: Settings, crew_id: str) -> Crew:
    return next(c for c in settings.field_crews if c.crew_id == crew_id)


def _choice(crew: dict, choice: CrewChoice) -> dict:
    return {
        "crew_id": crew["crew_id"], "name": crew["name"], "eta": choice.eta,
        "travel_min": round(choice.travel_s / 60, 1), "queue_jobs": crew["queue_jobs"],
        "queue_min": round(choice.queue_s / 60, 1), "straight_m": round(choice.straight_m),
        "position": crew["position"], "position_old": crew["position_old"],
        "lon": crew["lon"], "lat": crew["lat"],
    }  # fmt: skip
