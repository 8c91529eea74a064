"""Collection plans for a city from its store (issue #5). `read_inputs` and
`travel_time_profiles` read the history (store.collection), each local date typed by
analytics.profiles; `plan_windows` turns it into travel times and fill forecasts, places
containers and depot on the road graph and ranks every zone's windows
(analytics.collection). `CollectionPlanner` is the scheduler's job: when new traffic or
waste data have arrived it recomputes the plan and stores the windows, each zone's reason
and the routes of its best windows; the screen reads them (`named_plan_windows`), and routes
any other window once, on demand."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.collection import nearest_nodes, routable, zone_windows
from analytics.collection_routes import NO_READING, NOT_DUE, Stop, route_window
from analytics.fill_forecast import fill_forecasts
from analytics.profiles import SLOT_MINUTES, TravelTimes, day_types, day_types_between
from analytics.reasons import explain
from analytics.windows import RoadNet, Window
from config import CollectionSettings, Settings
from geo.city import CityModel
from store import Store
from store.collection import (
    collection_inputs,
    data_up_to,
    has_window,
    latest_plan,
    local_date_span,
    plan_current_at,
    plan_windows_frame,
    profile_medians,
    profile_window,
    save_routes,
    stored_routes,
    write_plan,
)
from store.ledger import data_versions

log = logging.getLogger(__name__)
CONGESTED = 1.5  # a street is named as congested at this multiple of its free-flow time


@dataclass
class CollectionPlan:
    windows: dict[str, list[Window]]  # per zone, best first
    net: RoadNet
    travel: TravelTimes
    depot: object  # graph node
    depot_lonlat: list[float]  # where its street starts, for the map
    containers: pd.DataFrame  # container_id, zone_id, zone_kind, capacity_l, lon, lat, node
    forecasts: pd.DataFrame  # per container_id: fill, rate_per_h, threshold_at, full_at
    now: datetime
    horizon: datetime


def read_inputs(store: Store, now: datetime, tz: str) -> dict[str, pd.DataFrame]:
    """What a plan is made of, read up to `now` (store.collection.collection_inputs)."""
    kinds = day_types_between(*profile_window(now), tz)
    with store.reading() as cur:
        return collection_inputs(cur, now, tz, kinds, SLOT_MINUTES)


def travel_time_profiles(
    cur,
    source: str,
    tz: str,
    holidays: frozenset[date] = frozenset(),
    params: dict | None = None,
) -> pd.DataFrame:
    """Median travel time (s) per segment, day type and slot of the readings in `source`
    (store.collection.profile_medians), each local date typed by analytics.profiles."""
    span = local_date_span(cur, source, tz, params)  # None: no readings, no dates to type
    kinds = day_types(*span, holidays) if span else pd.DataFrame(columns=["local_date", "day_type"])
    return profile_medians(cur, source, tz, kinds, SLOT_MINUTES, params)


def quarter_hours(now: datetime, hours: int) -> list[datetime]:
    """The quarter-hour starts of the next `hours`, from the first one after `now`."""
    first = RoadNet.slot_start(now) + timedelta(minutes=15)
    return [first + timedelta(minutes=15 * q) for q in range(hours * 4)]


def allowed_hours(settings: CollectionSettings, tz: str) -> Callable[[str, str, datetime], bool]:
    """Whether a round may start at a moment in a zone (id, kind), by the quiet hours."""
    zone = ZoneInfo(tz)

    def allowed(zone_id: str, zone_kind: str | None, start: datetime) -> bool:
        local = start.astimezone(zone)
        minute = local.hour * 60 + local.minute
        return not any(q.covers(zone_id, zone_kind, minute) for q in settings.quiet_hours)

    return allowed


def plan_windows(
    inputs: dict[str, pd.DataFrame],
    city: CityModel,
    now: datetime,
    starts: list[datetime],
    overflow_penalty_min: float,
    tz: str,
    threshold: float = 0.8,
    depot_lonlat: list[float] | None = None,
    allowed: Callable[[str, str, datetime], bool] | None = None,
    service_s: float = 0.0,
) -> CollectionPlan:
    """Every zone's windows among `starts`. The depot is the routable street nearest
    `depot_lonlat`, or the city's centre."""
    segs = city.segments
    freeflow_s = segs["length_m"] / (segs["freeflow_kmh"] / 3.6)
    observed = inputs["observed"]
    travel = TravelTimes(
        inputs["profiles"],
        dict(zip(segs["segment_id"], freeflow_s, strict=True)),
        tz,
        now=now,
        observed_s=dict(zip(observed["segment_id"], observed["travel_time_s"], strict=True)),
    )
    net = RoadNet(city.graph, travel)
    stops_on = routable(segs, city.graph)
    containers = inputs["containers"].copy()
    containers["node"] = nearest_nodes(
        containers["lon"].to_numpy(), containers["lat"].to_numpy(), stops_on
    )
    if depot_lonlat is None:
        centre = segs.geometry.union_all().centroid
        depot_lonlat = [centre.x, centre.y]
    depot = nearest_nodes(np.array([depot_lonlat[0]]), np.array([depot_lonlat[1]]), stops_on)[0]
    street = segs[segs["from_node"] == depot].geometry.iloc[0]
    depot_at = [round(street.coords[0][0], 6), round(street.coords[0][1], 6)]
    forecasts = fill_forecasts(inputs["fills"], inputs["collections"], now, threshold)
    kinds = dict(zip(containers["zone_id"], containers["zone_kind"], strict=True))
    per_zone = None if allowed is None else (lambda z: lambda s: allowed(z, kinds.get(z), s))
    ranked = zone_windows(
        net, depot, containers, forecasts, starts, overflow_penalty_min, per_zone,
        local=len(net.nodes) > 5000,  # zone-local searches pay off only in a big city
        service_s=service_s,
    )  # fmt: skip
    return CollectionPlan(
        ranked, net, travel, depot, depot_at, containers, forecasts, now, max(starts)
    )


def congested_streets(plan: CollectionPlan, segments: pd.DataFrame, zone_id: str):
    """For a zone: the names of its two most delayed streets at a moment, if congested."""
    own = segments[segments["zone_id"] == zone_id]
    positions = plan.travel.indexer(list(own["segment_id"]))
    freeflow = (own["length_m"] / (own["freeflow_kmh"] / 3.6)).to_numpy()

    def at(when: datetime) -> list[str]:
        seconds = plan.travel.many(positions, when)
        jammed = own.assign(extra=seconds - freeflow)[seconds >= CONGESTED * freeflow]
        return list(jammed.groupby("name")["extra"].sum().nlargest(2).index)

    return at


def zone_stops(plan: CollectionPlan, zone_id: str, start: datetime) -> tuple[list[Stop], list]:
    """The stops of a zone's round (containers due within the horizon, per street corner,
    with the waste expected in them at `start`) and the containers it skips."""
    zone = plan.containers[plan.containers["zone_id"] == zone_id].join(
        plan.forecasts, on="container_id"
    )
    due = zone["threshold_at"].notna() & (zone["threshold_at"] <= plan.horizon)
    hours = (start - plan.now).total_seconds() / 3600
    fill = (zone["fill"].fillna(0) + zone["rate_per_h"].fillna(0) * hours).clip(upper=1.0)
    zone = zone.assign(litres=fill * zone["capacity_l"].fillna(0))
    stops = [
        Stop(node, list(g["container_id"]), float(g["litres"].sum()),
             float(g["lon"].mean()), float(g["lat"].mean()))
        for node, g in zone[due].groupby("node", sort=True)
    ]  # fmt: skip
    skipped = [
        {"container_id": r.container_id, "lon": r.lon, "lat": r.lat,
         "reason": NO_READING if pd.isna(r.fill) else NOT_DUE,
         "fill": None if pd.isna(r.fill) else round(float(r.fill), 2)}
        for r in zone[~due].itertuples()
    ]  # fmt: skip
    return stops, skipped


def plan_tables(
    plan: CollectionPlan, segments: pd.DataFrame, tz: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plan as stored: every window with its rank, and per zone the containers due
    and the reason its best window wins."""
    rows, zones = [], []
    for zone_id, ranked in plan.windows.items():
        rows += [
            (zone_id, w.start, w.minutes, w.overflowing, w.allowed, w.cost, rank)
            for rank, w in enumerate(ranked, start=1)
        ]
        reason = explain(ranked, congested_streets(plan, segments, zone_id), tz)
        due = sum(len(s.containers) for s in zone_stops(plan, zone_id, ranked[0].start)[0])
        zones.append((zone_id, due, reason))
    columns = ["zone_id", "start_at", "minutes", "overflowing", "allowed", "cost", "rank"]
    return (
        pd.DataFrame(rows, columns=columns),
        pd.DataFrame(zones, columns=["zone_id", "stops", "reason"]),
    )


def best_of(windows: pd.DataFrame, at: datetime, hours: int) -> pd.DataFrame:
    """Per zone, the best allowed window starting within `hours` after `at`."""
    soon = windows[
        windows["allowed"]
        & (windows["start_at"] > pd.Timestamp(at))
        & (windows["start_at"] <= pd.Timestamp(at) + pd.Timedelta(hours=hours))
    ]
    best = soon.sort_values(["zone_name", "rank"]).drop_duplicates("zone_id")
    columns = ["zone_id", "zone_name", "start_at", "minutes", "overflowing", "stops", "reason"]
    return best[columns].reset_index(drop=True)


def named_plan_windows(store: Store, plan_id: int) -> pd.DataFrame:
    """A plan's windows (store.collection.plan_windows_frame), with zone names made unique
    (two zones of one name get their ids): the matrix's rows are names."""
    with store.reading() as cur:
        frame = plan_windows_frame(cur, plan_id)
    zones = frame.drop_duplicates("zone_id")
    shared = set(zones.loc[zones["zone_name"].duplicated(keep=False), "zone_id"])
    return frame.assign(
        zone_name=[
            f"{n} ({z})" if z in shared else n
            for n, z in zip(frame["zone_name"], frame["zone_id"], strict=True)
        ]
    )


def zone_plan_windows(store: Store, plan_id: int, zone_id: str) -> pd.DataFrame:
    """One zone's windows of a plan (`named_plan_windows`), indexed by start."""
    frame = named_plan_windows(store, plan_id)
    return frame[frame["zone_id"] == zone_id].set_index("start_at")


class CollectionPlanner:
    """The scheduler's collection job, and the routes the screen asks for."""

    def __init__(self, store: Store, city: CityModel, settings: Settings):
        self.store, self.city, self.settings = store, city, settings
        self.config = settings.collection
        self._plan: tuple[int, CollectionPlan] | None = None  # the newest, in memory
        self._lock = threading.Lock()  # guards the plan in memory and its road-graph caches
        self._computing = threading.Lock()
        self._streets = None

    def _versions(self) -> str:
        with self.store.reading() as cur:
            versions = data_versions(cur)
        return f"{versions.get('traffic', 0)}:{versions.get('waste', 0)}"

    def run(self, now: datetime | None = None) -> int | None:
        """Recompute when traffic or waste data changed since the newest plan (the
        scheduler calls this); returns the new plan_id, or None when nothing changed.
        The first run in a process always computes: routing a window on demand needs
        the plan in memory, and a plan whose first start has passed is replaced."""
        with self.store.reading() as cur:
            newest = latest_plan(cur)
        now = now or datetime.now(UTC)
        unchanged = newest is not None and newest["versions"] == self._versions()
        # with no new data (a feed outage) the plan still moves on: its first start passes
        current = unchanged and pd.Timestamp(newest["first_start"]) > pd.Timestamp(now)
        if current and self._plan is not None:
            return None
        return self.recompute(now)

    def recompute(self, now: datetime | None = None) -> int:
        """Rank every zone's windows from the data up to `now`, explain each zone's best,
        route its best windows, and store it all as one plan."""
        with self._computing:  # one recompute at a time; screens keep reading meanwhile
            clock = time.monotonic()
            now = now or datetime.now(UTC)
            versions = self._versions()
            tz = self.settings.timezone
            c = self.config
            inputs = read_inputs(self.store, now, tz)
            plan = plan_windows(
                inputs, self.city, now, quarter_hours(now, c.horizon_h), c.overflow_penalty_min,
                tz, c.threshold, c.depot, allowed_hours(c, tz), c.service_s,
            )  # fmt: skip
            ranked_s = time.monotonic() - clock
            windows, zones = plan_tables(plan, self.city.segments, tz)
            routes = [
                (zone_id, w.start, self._route(plan, zone_id, w.start))
                for zone_id, ranked in plan.windows.items()
                for w in [w for w in ranked if w.allowed][: c.precomputed_routes]
            ]
            with self.store.reading() as cur:
                up_to = data_up_to(cur, now)
            record = {
                "computed_at": datetime.now(UTC),
                "data_up_to": up_to,
                "first_start": min(w.start for r in plan.windows.values() for w in r)
                if plan.windows
                else quarter_hours(now, 1)[0],
                "horizon_h": c.horizon_h,
                "versions": versions,
                "seconds": ranked_s,
                "settings": c.model_dump_json(),
            }
            with self.store.transaction() as cur:
                plan_id = write_plan(cur, record, windows, zones, routes)
            with self._lock:
                self._plan = (plan_id, plan)
            log.info(
                "collection plan %s: %d zones x %d starts ranked in %.1f s, %d routes, %.1f s",
                plan_id, len(plan.windows), c.horizon_h * 4, ranked_s, len(routes),
                time.monotonic() - clock,
            )  # fmt: skip
            return plan_id

    def best_windows(self, at: datetime, hours: int = 24) -> pd.DataFrame:
        """Each zone's best allowed window of the `hours` after `at` (zone_id, zone_name,
        start_at, minutes, overflowing, stops, reason): the stored plan that was current
        at `at`, or, for a moment no stored plan covers, ranked now from the history up
        to `at` (not stored: it is not the scheduler's plan)."""
        with self.store.reading() as cur:
            plan_id = plan_current_at(cur, at)
            if plan_id is not None:
                return best_of(plan_windows_frame(cur, plan_id), at, hours)
        tz, c = self.settings.timezone, self.config
        plan = plan_windows(
            read_inputs(self.store, at, tz), self.city, at, quarter_hours(at, hours),
            c.overflow_penalty_min, tz, c.threshold, c.depot, allowed_hours(c, tz), c.service_s,
        )  # fmt: skip
        windows, zones = plan_tables(plan, self.city.segments, tz)
        names = dict(zip(self.city.zones["zone_id"], self.city.zones["name"], strict=True))
        frame = windows.merge(zones, on="zone_id").assign(
            zone_name=lambda f: f["zone_id"].map(names).fillna(f["zone_id"])
        )
        return best_of(frame, at, hours)

    def routes(self, plan_id: int, zone_id: str, start: datetime) -> dict | None:
        """A window's routes: stored with the plan, or computed now and stored (only for
        the newest plan, which is held in memory). None for an older plan's window."""
        with self.store.reading() as cur:
            found = stored_routes(cur, plan_id, zone_id, start)
            planned = has_window(cur, plan_id, zone_id, start)
        if found is not None:
            return json.loads(found)
        if not planned:
            return None
        with self._lock:
            if self._plan is None or self._plan[0] != plan_id:
                return None
            routes = self._route(self._plan[1], zone_id, start)
        with self.store.transaction() as cur:
            save_routes(cur, plan_id, zone_id, start, routes)
        return json.loads(routes)

    def _route(self, plan: CollectionPlan, zone_id: str, start: datetime) -> str:
        stops, skipped = zone_stops(plan, zone_id, start)
        c = self.config
        found = route_window(
            plan.net, plan.depot, stops, start, c.vehicles, c.vehicle_capacity_l, c.service_s,
            self.streets(), c.route_time_limit_s,
        )  # fmt: skip
        found["skipped"] = skipped
        found["depot"] = plan.depot_lonlat
        return json.dumps(found)

    def travel_times(self) -> TravelTimes | None:
        """The newest plan's expected travel times (profiles with the congestion of its
        time blended in), where this process holds a plan: what dispatch reuses."""
        with self._lock:
            return None if self._plan is None else self._plan[1].travel

    def streets(self) -> dict[str, tuple[list, float]]:
        """segment_id -> ([lon, lat] points, metres), for drawing routes."""
        if self._streets is None:
            segs = self.city.segments
            self._streets = {
                seg: ([[round(x, 6), round(y, 6)] for x, y in geom.coords], float(length))
                for seg, geom, length in zip(
                    segs["segment_id"], segs.geometry.values, segs["length_m"], strict=True
                )
            }
        return self._streets
