"""Collection windows (issue #5, analysis 3): for a zone and a start time, how long its
round takes — depot → the containers that need service by then → depot — with travel
times that depend on when each street is driven, how many containers overflow before
the truck reaches them, and the cost a waste manager reads: minutes of driving plus a
stated penalty per overflowing container."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import networkx as nx

# travel time (s) of a segment entered at a moment
TravelTime = Callable[[str, datetime], float]


def fastest_arrivals(
    graph: nx.DiGraph, source, depart: datetime, travel_time: TravelTime
) -> dict[object, datetime]:
    """Earliest arrival at every node leaving `source` at `depart`: Dijkstra on arrival
    times, each edge timed when it is entered (FIFO travel times)."""
    best = {source: depart}
    queue = [(depart, 0, source)]
    counter = 1
    while queue:
        at, _, node = heapq.heappop(queue)
        if at > best.get(node, at):
            continue
        for nxt, edge in graph[node].items():
            arrive = at + timedelta(seconds=travel_time(edge["segment_id"], at))
            if nxt not in best or arrive < best[nxt]:
                best[nxt] = arrive
                heapq.heappush(queue, (arrive, counter, nxt))
                counter += 1
    return best


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
    graph: nx.DiGraph,
    depot,
    stops: list,
    start: datetime,
    travel_time: TravelTime,
    full_at: dict | None = None,
    service_s: float = 0.0,
) -> Round:
    """Visit every stop, always driving next to the one reached soonest at the time of
    departure (time-dependent nearest neighbour), then return to the depot. A stop whose
    `full_at` comes before the truck does counts as overflowing."""
    here, clock, left = depot, start, list(dict.fromkeys(stops))
    order, arrivals = [], []
    while left:
        reach = fastest_arrivals(graph, here, clock, travel_time)
        reachable = [s for s in left if s in reach]
        if not reachable:
            raise ValueError(f"stops not reachable from {here}: {left}")
        nxt = min(reachable, key=lambda s: (reach[s], str(s)))
        order.append(nxt)
        arrivals.append(reach[nxt])
        clock = reach[nxt] + timedelta(seconds=service_s)
        here = nxt
        left.remove(nxt)
    end = fastest_arrivals(graph, here, clock, travel_time)[depot]
    late = [
        s for s, arrived in zip(order, arrivals, strict=True)
        if full_at and full_at.get(s) is not None and full_at[s] < arrived
    ]  # fmt: skip
    return Round(start, order, arrivals, end, late)


@dataclass(frozen=True)
class Window:
    start: datetime
    minutes: float
    overflowing: int
    allowed: bool
    cost: float


def rank_windows(
    graph: nx.DiGraph,
    depot,
    starts: list[datetime],
    due: dict,
    full_at: dict,
    travel_time: TravelTime,
    overflow_penalty_min: float,
    allowed: Callable[[datetime], bool] = lambda _: True,
) -> list[Window]:
    """Every candidate start, best first. The round serves the stops due by its start
    (`due`: stop -> when it needs service); cost = driving minutes + the penalty for each
    container full before the truck reaches it. Starts outside the allowed hours rank last."""
    found = []
    for start in starts:
        stops = [s for s, when in due.items() if when is not None and when <= start]
        plan = plan_round(graph, depot, stops, start, travel_time, full_at)
        cost = plan.minutes + overflow_penalty_min * len(plan.overflowing)
        found.append(Window(start, plan.minutes, len(plan.overflowing), allowed(start), cost))
    return sorted(found, key=lambda w: (not w.allowed, w.cost, w.start))
