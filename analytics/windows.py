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

# travel time (s) of a segment entered at a moment
TravelTime = Callable[[str, datetime], float]
SLOT = timedelta(minutes=15)


class RoadNet:
    """The road graph as arrays, and the fastest times between places for a 15-minute
    slot: every street timed as it is driven in that slot (scipy's Dijkstra, in C)."""

    def __init__(self, graph: nx.DiGraph, travel_time: TravelTime):
        self.nodes = list(graph.nodes)
        self.index = {node: i for i, node in enumerate(self.nodes)}
        edges = list(graph.edges(data="segment_id"))
        self._u = np.array([self.index[u] for u, _, _ in edges])
        self._v = np.array([self.index[v] for _, v, _ in edges])
        self._segments = [seg for _, _, seg in edges]
        self._travel_time = travel_time
        self._cache: dict[tuple, np.ndarray] = {}
        self._graphs: dict[datetime, csr_matrix] = {}

    @staticmethod
    def slot_start(when: datetime) -> datetime:
        return when - (when - datetime.min.replace(tzinfo=when.tzinfo)) % SLOT

    def seconds(self, places: tuple, when: datetime) -> np.ndarray:
        """Fastest times (s) between `places` (graph nodes) leaving during the slot of
        `when`: row i, column j is from places[i] to places[j]."""
        slot = self.slot_start(when)
        key = (places, slot)
        if key not in self._cache:
            if slot not in self._graphs:
                weights = np.array([self._travel_time(seg, slot) for seg in self._segments])
                n = len(self.nodes)
                self._graphs[slot] = csr_matrix((weights, (self._u, self._v)), shape=(n, n))
            rows = [self.index[p] for p in places]
            times = dijkstra(self._graphs[slot], directed=True, indices=rows)
            self._cache[key] = times[:, rows]
        return self._cache[key]


@dataclass
class Round:
    start: datetime
    order: list  # stops (graph nodes) in visiting order
    arrivals: list[datetime]
    end: datetime  # back at the depot
    overflowing: list = field(default_factory=list)  # stops full before the truck came

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def plan_round(
    net: RoadNet,
    depot,
    stops: list,
    start: datetime,
    full_at: dict | None = None,
    service_s: float = 0.0,
) -> Round:
    """Visit every stop, always driving next to the one reached soonest at the time of
    departure (time-dependent nearest neighbour), then return to the depot. A stop whose
    `full_at` comes before the truck does counts as overflowing."""
    stops = list(dict.fromkeys(stops))
    places = (depot, *stops)
    here, clock, left = 0, start, list(range(1, len(places)))
    order, arrivals = [], []
    while left:
        row = net.seconds(places, clock)[here]
        nxt = min(left, key=lambda i: (row[i], str(places[i])))
        if not np.isfinite(row[nxt]):
            raise ValueError(f"stops not reachable from {places[here]}: {places[nxt]}")
        clock = clock + timedelta(seconds=float(row[nxt]))
        order.append(places[nxt])
        arrivals.append(clock)
        clock += timedelta(seconds=service_s)
        here = nxt
        left.remove(nxt)
    back = float(net.seconds(places, clock)[here, 0])
    late = [
        s for s, arrived in zip(order, arrivals, strict=True)
        if full_at and full_at.get(s) is not None and full_at[s] < arrived
    ]  # fmt: skip
    return Round(start, order, arrivals, clock + timedelta(seconds=back), late)


@dataclass(frozen=True)
class Window:
    start: datetime
    minutes: float
    overflowing: int
    allowed: bool
    cost: float


def rank_windows(
    net: RoadNet,
    depot,
    starts: list[datetime],
    due: dict,
    full_at: dict,
    overflow_penalty_min: float,
    allowed: Callable[[datetime], bool] = lambda _: True,
) -> list[Window]:
    """Every candidate start, best first. The round serves the stops due by its start
    (`due`: stop -> when it needs service); cost = driving minutes + the penalty for each
    container full before the truck reaches it. Starts outside the allowed hours rank last."""
    found = []
    for start in starts:
        stops = [s for s, when in due.items() if when is not None and when <= start]
        plan = plan_round(net, depot, stops, start, full_at)
        cost = plan.minutes + overflow_penalty_min * len(plan.overflowing)
        found.append(Window(start, plan.minutes, len(plan.overflowing), allowed(start), cost))
    return sorted(found, key=lambda w: (not w.allowed, w.cost, w.start))
