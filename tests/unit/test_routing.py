"""Collection routes against brute force on small instances (≤ 8 stops)."""

import itertools
from itertools import combinations, permutations

import numpy as np
import pytest

from analytics.routing import solve_routes


def instance(stops: int, seed: int) -> np.ndarray:
    """Travel times (s) between random points on a 3 km square, asymmetric like one-way
    streets: depot at index 0."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 3000, (stops + 1, 2))
    base = np.linalg.norm(xy[:, None] - xy[None, :], axis=2) / 8.0  # 8 m/s
    return np.rint(base * rng.uniform(1.0, 1.3, base.shape) * (1 - np.eye(stops + 1)))


def best_tour(m: np.ndarray, stops: tuple) -> float:
    if not stops:
        return 0.0
    return min(
        m[0, p[0]] + sum(m[a, b] for a, b in itertools.pairwise(p)) + m[p[-1], 0]
        for p in permutations(stops)
    )


@pytest.mark.parametrize("seed", range(4))
def test_one_truck_drives_the_brute_force_optimum(seed):
    m = instance(8, seed)
    routes = solve_routes(m, [0] + [1] * 8, vehicles=1, capacity=100)
    assert sorted(routes[0].stops) == list(range(1, 9))
    assert sum(r.seconds for r in routes) == best_tour(m, tuple(range(1, 9)))


@pytest.mark.parametrize("seed", range(3))
def test_two_trucks_that_must_share_the_work_drive_the_optimum(seed):
    m = instance(7, 10 + seed)
    demands = [0, 3, 2, 4, 1, 3, 2, 3]  # 18 in all; a truck carries 10
    best = min(
        best_tour(m, a) + best_tour(m, tuple(s for s in range(1, 8) if s not in a))
        for k in range(8)
        for a in combinations(range(1, 8), k)
        if sum(demands[i] for i in a) <= 10 and 18 - sum(demands[i] for i in a) <= 10
    )
    routes = solve_routes(m, demands, vehicles=2, capacity=10)
    assert sorted(s for r in routes for s in r.stops) == list(range(1, 8))
    assert all(r.load <= 10 for r in routes)
    assert sum(r.seconds for r in routes) == best
    first = routes[0]
    assert first.arrivals_s[0] == m[0, first.stops[0]]  # arrival times follow the matrix


def test_too_little_capacity_is_a_clear_error():
    with pytest.raises(ValueError, match="no routes"):
        solve_routes(instance(3, 1), [0, 5, 5, 5], vehicles=1, capacity=10, time_limit_s=0.2)
