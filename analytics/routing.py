"""Collection routes (issue #5, analysis 4): a capacitated vehicle routing solution over
the containers to serve — vehicles, capacity and depot from the config, travel times
from the road graph at the window's time — solved with OR-Tools."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2


@dataclass
class Route:
    vehicle: int
    stops: list[int]  # indices into the matrix (0 is the depot, never listed)
    arrivals_s: list[float]  # seconds after the start at each stop
    seconds: float  # depot to depot
    load: float


def solve_routes(
    seconds: np.ndarray,
    demands: list[int],
    vehicles: int,
    capacity: int,
    time_limit_s: float = 1.0,
    service_s: float | list[float] = 0.0,
    drop_penalty_s: int | None = None,
) -> list[Route]:
    """Routes of least total driving time that serve every stop with `vehicles` trucks
    of `capacity` (in the units of `demands`; index 0 is the depot, its demand 0). Routes
    that stay at the depot are left out. With `drop_penalty_s`, a stop the trucks cannot
    take may be left out at that cost (it appears in no route); without it, ValueError
    when no solution serves every stop."""
    n = len(seconds)
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    whole = np.rint(seconds).astype(np.int64)
    # leaving a stop includes the time spent there (`service_s`: one for all, or per stop)
    service = np.broadcast_to(np.asarray(service_s, dtype=float), (n,)).copy()
    service[0] = 0.0
    whole += np.rint(service).astype(np.int64)[:, None]
    np.fill_diagonal(whole, 0)
    # matrices registered whole are evaluated in C++, not through Python callbacks
    transit = routing.RegisterTransitMatrix(whole.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    demand = routing.RegisterUnaryTransitVector([int(d) for d in demands])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [int(capacity)] * vehicles, True, "load")
    if drop_penalty_s is not None:
        for node in range(1, n):
            routing.AddDisjunction([manager.NodeToIndex(node)], int(drop_penalty_s))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise ValueError("no routes serve every stop with these vehicles and capacity")
    routes = []
    for v in range(vehicles):
        index, clock, stops, arrivals, load = routing.Start(v), 0.0, [], [], 0.0
        while not routing.IsEnd(index):
            nxt = solution.Value(routing.NextVar(index))
            clock += whole[manager.IndexToNode(index), manager.IndexToNode(nxt)]
            node = manager.IndexToNode(nxt)
            if not routing.IsEnd(nxt):
                stops.append(node)
                arrivals.append(clock)
                load += demands[node]
            index = nxt
        if stops:
            routes.append(Route(v, stops, arrivals, clock, load))
    return routes
