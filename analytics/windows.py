"""Collection windows (issue #5, analysis 3): for a zone and a start time, how long its
round takes — depot → the containers that need service by then → depot — with travel
times that depend on when each street is driven, how many containers overflow before
the truck reaches them, and the cost a waste manager reads: minutes of driving plus a
stated penalty per overflowing container."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from analytics.profiles import TravelTimes

# travel time (s) of a segment entered at a moment
TravelTime = Callable[[str, datetime], float]
SLOT = timedelta(minutes=15)


class RoadNet:
    """The road graph as arrays, and the fastest times between places for a 15-minute
    slot: every street timed as it is driven in that slot (scipy's Dijkstra, in C)."""

    def __init__(self, graph: nx.DiGraph, travel_time: TravelTime | TravelTimes):
        """`travel_time`: TravelTimes (fast: one array lookup per slot) or any function."""
        self.nodes = list(graph.nodes)
        self.index = {node: i for i, node in enumerate(self.nodes)}
        edges = list(graph.edges(data="segment_id"))
        self._u = np.array([self.index[u] for u, _, _ in edges])
        self._v = np.array([self.index[v] for _, v, _ in edges])
        self.edge_segment = {(u, v): seg for u, v, seg in edges}
        self.edge_position = {(u, v): i for i, (u, v, _) in enumerate(edges)}
        segments = [seg for _, _, seg in edges]
        if isinstance(travel_time, TravelTimes):
            positions = travel_time.indexer(segments)
            self._weights = lambda when: travel_time.many(positions, when)
        else:
            self._weights = lambda when: np.array([travel_time(seg, when) for seg in segments])
        self._cache: dict[tuple, np.ndarray] = {}
        self._graphs: dict[datetime, csr_matrix] = {}
        self._edge_seconds: dict[datetime, np.ndarray] = {}
        self._neighbours: dict | None = None  # built on the first `around`

    @staticmethod
    def slot_start(when: datetime) -> datetime:
        return when - (when - datetime.min.replace(tzinfo=when.tzinfo)) % SLOT

    def edge_seconds(self, slot: datetime) -> np.ndarray:
        """Travel time of every edge (in graph order) entered in `slot`."""
        if slot not in self._edge_seconds:
            self._edge_seconds[slot] = self._weights(slot)
        return self._edge_seconds[slot]

    def graph_at(self, slot: datetime) -> csr_matrix:
        """The road graph weighted by travel times entered in `slot`."""
        if slot not in self._graphs:
            n = len(self.nodes)
            weights = self.edge_seconds(slot)
            self._graphs[slot] = csr_matrix((weights, (self._u, self._v)), shape=(n, n))
        return self._graphs[slot]

    def seconds(self, places: tuple, when: datetime) -> np.ndarray:
        """Fastest times (s) between `places` (graph nodes) leaving during the slot of
        `when`: row i, column j is from places[i] to places[j]."""
        slot = self.slot_start(when)
        key = (places, slot)
        if key not in self._cache:
            rows = [self.index[p] for p in places]
            times = dijkstra(self.graph_at(slot), directed=True, indices=rows)
            self._cache[key] = times[:, rows]
        return self._cache[key]

    def from_place(self, place, slot: datetime) -> np.ndarray:
        """Fastest times (s) from `place` to every node, leaving in `slot`."""
        key = ("from", place, slot)
        if key not in self._cache:
            self._cache[key] = dijkstra(self.graph_at(slot), indices=self.index[place])
        return self._cache[key]

    def to_place(self, place, slot: datetime) -> np.ndarray:
        """Fastest times (s) from every node to `place`, leaving in `slot`."""
        key = ("to", place, slot)
        if key not in self._cache:
            reverse = self.graph_at(slot).T.tocsr()
            self._cache[key] = dijkstra(reverse, indices=self.index[place])
        return self._cache[key]

    def path(self, a, b, when: datetime) -> list:
        """The fastest chain of nodes from `a` to `b` leaving in the slot of `when`."""
        _, previous = dijkstra(
            self.graph_at(self.slot_start(when)),
            indices=self.index[a],
            return_predecessors=True,
        )
        chain, here = [], self.index[b]
        while here >= 0 and here != self.index[a]:
            chain.append(here)
            here = previous[here]
        if here < 0:
            raise ValueError(f"{b} is not reachable from {a}")
        return [a] + [self.nodes[i] for i in reversed(chain)]

    def around(self, nodes, hops: int = 3) -> LocalNet:
        """A view of the roads within `hops` streets of `nodes` (a zone), where searches
        between places inside it stay inside it: what makes a big city's zones fast."""
        undirected = self._undirected()
        region = set(nodes)
        frontier = set(nodes)
        for _ in range(hops):
            frontier = {n for f in frontier for n in undirected[f]} - region
            region |= frontier
        return LocalNet(self, region)

    def _undirected(self) -> dict:
        if self._neighbours is None:
            self._neighbours = {n: set() for n in self.nodes}
            for u, v in zip(self._u, self._v, strict=True):
                self._neighbours[self.nodes[u]].add(self.nodes[v])
                self._neighbours[self.nodes[v]].add(self.nodes[u])
        return self._neighbours


class LocalNet:
    """Fastest times between places as RoadNet.seconds gives them, searched within a
    region of the graph. Places outside the region (the depot), and pairs the region
    cannot connect, are searched over the whole graph, so every time is finite and
    never longer than the region's."""

    def __init__(self, net: RoadNet, region: set):
        self.net = net
        self.index = {node: i for i, node in enumerate(sorted(region, key=net.index.get))}
        positions = np.array([net.index[n] for n in self.index])
        self._local = np.full(len(net.nodes), -1)
        self._local[positions] = np.arange(len(positions))
        inside = (self._local[net._u] >= 0) & (self._local[net._v] >= 0)
        self._edges = np.flatnonzero(inside)
        self._lu, self._lv = self._local[net._u[inside]], self._local[net._v[inside]]
        self._cache: dict[tuple, np.ndarray] = {}

    def seconds(self, places: tuple, when: datetime) -> np.ndarray:
        slot = self.net.slot_start(when)
        key = (places, slot)
        if key in self._cache:
            return self._cache[key]
        n = len(self.index)
        weights = self.net.edge_seconds(slot)[self._edges]
        local = csr_matrix((weights, (self._lu, self._lv)), shape=(n, n))
        inside = [i for i, p in enumerate(places) if p in self.index]
        times = np.full((len(places), len(places)), np.inf)
        if inside:
            cols = [self.index[places[i]] for i in inside]
            found = dijkstra(local, directed=True, indices=cols)[:, cols]
            times[np.ix_(inside, inside)] = found
        everywhere = [self.net.index[p] for p in places]
        for j, place in enumerate(places):
            if place not in self.index:
                times[:, j] = self.net.to_place(place, slot)[everywhere]
        for i, place in enumerate(places):
            if place not in self.index or not np.isfinite(times[i]).all():
                times[i] = self.net.from_place(place, slot)[everywhere]
        np.fill_diagonal(times, 0.0)
        self._cache[key] = times
        return times


@dataclass
class Round:
    start: datetime
    order: list  # stops (graph nodes) in visiting order
    arrivals: list[datetime]
    end: datetime  # back at the depot
    overflowing: list = field(default_factory=list)  # stops full before the truck came
    overflowing_containers: int = 0  # containers at those stops that were full

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def plan_round(
    net: RoadNet,
    depot,
    stops: list,
    start: datetime,
    full_at: dict | None = None,
    service_s: float | dict = 0.0,
) -> Round:
    """Visit every stop, always driving next to the one reached soonest at the time of
    departure (time-dependent nearest neighbour), then return to the depot. A stop whose
    `full_at` (a time, or a list: one per container there) comes before the truck does
    counts as overflowing. The truck stands
    `service_s` at each stop (or `service_s[stop]`)."""
    stops = list(dict.fromkeys(stops))
    places = (depot, *stops)
    first_slot = RoadNet.slot_start(start)
    offset_s = (start - first_slot).total_seconds()
    slot_s = SLOT.total_seconds()
    matrices: dict[int, np.ndarray] = {}

    def times_at(t: float) -> np.ndarray:  # t: seconds since the start
        k = int((offset_s + t) // slot_s)
        if k not in matrices:
            matrices[k] = net.seconds(places, first_slot + k * SLOT)
        return matrices[k]

    unvisited = np.ones(len(places), dtype=bool)
    unvisited[0] = False
    here, t, order, arrivals = 0, 0.0, [], []
    for _ in stops:
        row = np.where(unvisited, times_at(t)[here], np.inf)
        nxt = int(np.argmin(row))
        if not np.isfinite(row[nxt]):
            raise ValueError(f"stops not reachable from {places[here]}")
        t += float(row[nxt])
        order.append(places[nxt])
        arrivals.append(start + timedelta(seconds=t))
        t += service_s.get(places[nxt], 0.0) if isinstance(service_s, dict) else service_s
        here = nxt
        unvisited[nxt] = False
    t += float(times_at(t)[here, 0])
    late, late_containers = [], 0
    for stop, arrived in zip(order, arrivals, strict=True):
        full = (full_at or {}).get(stop)
        times = full if isinstance(full, list) else [full]
        over = sum(1 for when in times if when is not None and when < arrived)
        if over:
            late.append(stop)
            late_containers += over
    return Round(start, order, arrivals, start + timedelta(seconds=t), late, late_containers)


@dataclass(frozen=True)
class Window:
    start: datetime
    minutes: float
    overflowing: int
    allowed: bool
    cost: float
    order: tuple = ()  # the round's stops (graph nodes) in visiting order, depot excluded


def rank_windows(
    net: RoadNet,
    depot,
    starts: list[datetime],
    due: dict,
    full_at: dict,
    overflow_penalty_min: float,
    allowed: Callable[[datetime], bool] = lambda _: True,
    service_s: float | dict = 0.0,
) -> list[Window]:
    """Every candidate start, best first. The round serves the stops due by its start
    (`due`: stop -> when it needs service); cost = driving minutes + the penalty for each
    container full before the truck reaches it. Rounds that start or run outside the allowed
    hours rank last."""
    found = []
    for start in starts:
        stops = [s for s, when in due.items() if when is not None and when <= start]
        plan = plan_round(net, depot, stops, start, full_at, service_s)
        overflowing = plan.overflowing_containers
        cost = plan.minutes + overflow_penalty_min * overflowing
        # the whole round, [start, end), must keep to the allowed hours (checked every 5 min)
        step = timedelta(minutes=5)
        during = [start + k * step for k in range(int((plan.end - start) / step) + 1)]
        last = plan.end - timedelta(seconds=1)
        ok = all(allowed(t) for t in during if t <= last) and allowed(max(start, last))
        found.append(Window(start, plan.minutes, overflowing, ok, cost, tuple(plan.order)))
    return sorted(found, key=lambda w: (not w.allowed, w.cost, w.start))
