"""Time to backfill 14 days of the demo city into a fresh DuckDB file.

Budget (issue #2): under 60 s on the 2-core machine. Baseline in the same run: the
simulator producing the same history without storing it, so the ratio is the store's cost.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import load_settings  # noqa: E402
from geo.city import load_city  # noqa: E402
from sim import backfill  # noqa: E402
from sim.demo_history import backfill_demo  # noqa: E402
from sim.model import DemoCity  # noqa: E402
from store import Store  # noqa: E402
from store.city import load_city_model  # noqa: E402

BUDGET_S = 60


def main() -> None:
    settings = load_settings()
    started = time.perf_counter()
    city = load_city(settings.city_extract, settings.city_name)
    demo = DemoCity(city, settings.sim_seed, settings.sim_containers, settings.timezone)
    city_s = time.perf_counter() - started
    now = datetime.now(UTC)
    days, step = settings.sim_backfill_days, settings.sim_step_minutes

    started = time.perf_counter()
    end_s = int(now.timestamp())
    times = backfill.history_times(end_s - days * 86400, end_s, step * 60)
    generated = sum(b.num_rows for b in backfill.traffic_batches(demo, times))
    generated += sum(b.num_rows for b in backfill.waste_batches(demo, times))
    generate_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        load_city_model(store, city)
        started = time.perf_counter()
        summary = backfill_demo(store, demo, days, step, now=now)
        backfill_s = time.perf_counter() - started
        again = backfill_demo(store, demo, days, step, now=now)
        store.close()

    rows = summary.traffic_rows + summary.waste_rows
    print(
        f"demo city backfill: {days} days every {step} min, {len(city.segments):,} segments, "
        f"{len(demo.containers):,} containers"
    )
    print(f"  city model from the OSM extract: {city_s:.1f} s")
    print(
        f"  backfill into DuckDB:  {backfill_s:6.1f} s for {rows:,} readings "
        f"(budget < {BUDGET_S} s: {'OK' if backfill_s < BUDGET_S else 'OVER BUDGET'})"
    )
    print(f"  re-run (idempotent):   {again.seconds:6.1f} s")
    print(
        f"  baseline, simulator only ({generated:,} readings): {generate_s:.1f} s; "
        f"storing costs {backfill_s / generate_s:.1f}x the generation time"
    )


if __name__ == "__main__":
    main()
