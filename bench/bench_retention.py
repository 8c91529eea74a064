"""A simulated year of readings, with and without retention (issue 17): does the store's
size level off?

Each simulated day adds a day of readings from 300 road segments every minute (the demo's
rate: its feeds are polled each minute) and 300 bins every hour, to two DuckDB files: one
where the hourly retention pass runs (the defaults: raw readings kept 35 days, then
15-minute buckets to day 90, hourly ones to day 365, daily ones after; each zone's
hours) and, as the baseline in the same run, one that keeps everything.
Prints, every 30 days, each file's rows and size; then the size ratio at the year's end,
each store's growth over its last 30 days, and the retention pass's time.

    python bench/bench_retention.py [--days 365]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402
from services.retention import run_retention  # noqa: E402
from store import Store  # noqa: E402

SEGMENTS, BINS = 300, 300
DAY = """
INSERT INTO traffic_readings (segment_id, observed_at, speed_kmh, travel_time_s,
                              congestion_ratio, congested, source)
SELECT 'seg-' || s, $day + to_minutes(i), 30 + hash(s, i, $n) % 20,
       3600 / (30 + hash(s, i, $n) % 20), 1 + (hash(i, s) % 10) / 10, hash(i, s) % 10 > 6,
       'bench'
FROM range($segments) a(s), range(1440) b(i);
INSERT INTO waste_readings (container_id, observed_at, fill_level, temperature_c, status,
                            source)
SELECT 'bin-' || c, $day + to_hours(h), ((h + c) % 24) / 24, 4.0, 'ok', 'bench'
FROM range($bins) a(c), range(24) b(h);
"""
TABLES = ("traffic_readings", "waste_readings", "traffic_rollups", "waste_rollups",
          "zone_rollups")


def add_day(store: Store, day: datetime, n: int) -> None:
    def write(cur):
        for statement in filter(str.strip, DAY.split(";")):
            params = {"day": day, "n": n, "segments": SEGMENTS, "bins": BINS}
            cur.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})

    store.write(write)


def size_of(store: Store, path: Path) -> tuple[dict[str, int], int]:
    """Rows per table, and the file's bytes once checkpointed."""
    with store.reading() as cur:
        rows = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        cur.execute("CHECKPOINT")
    return rows, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    days = parser.parse_args().days
    with tempfile.TemporaryDirectory(prefix="c3-bench-retention-") as tmp:
        paths = {"retention": Path(tmp, "kept.duckdb"), "baseline": Path(tmp, "all.duckdb")}
        stores = {name: Store(path) for name, path in paths.items()}
        settings = Settings(data_dir=Path(tmp))
        start = datetime(2025, 1, 1, tzinfo=UTC)
        passes, sizes = [], {name: [] for name in stores}
        print(f"{'day':>4}  {'store':<10}{'raw rows':>12}{'rollup rows':>13}{'MB':>9}")
        for n in range(days):
            day = start + timedelta(days=n)
            for store in stores.values():
                add_day(store, day, n)
            clock = time.perf_counter()
            run_retention(stores["retention"], settings, now=day + timedelta(days=1))
            passes.append(time.perf_counter() - clock)
            if (n + 1) % 30 == 0 or n + 1 == days:
                for name, store in stores.items():
                    rows, size = size_of(store, paths[name])
                    sizes[name].append(size)
                    raw = rows["traffic_readings"] + rows["waste_readings"]
                    rolled = sum(rows[t] for t in TABLES[2:])
                    print(f"{n + 1:>4}  {name:<10}{raw:>12,}{rolled:>13,}{size / 1e6:>9.1f}")
        for store in stores.values():
            store.close()
    kept, everything = sizes["retention"], sizes["baseline"]
    print(f"\nafter {days} days: {kept[-1] / 1e6:.1f} MB with retention, "
          f"{everything[-1] / 1e6:.1f} MB keeping everything "
          f"({everything[-1] / kept[-1]:.1f}x smaller)")  # fmt: skip
    monthly = days // 30  # the samples of whole 30-day periods
    if monthly >= 3:
        grew = [(sizes[name][monthly - 1] - sizes[name][monthly - 2]) / 1e6
                for name in ("retention", "baseline")]  # fmt: skip
        print(f"growth over days {30 * monthly - 29}-{30 * monthly}: {grew[0]:+.1f} MB with "
              f"retention, {grew[1]:+.1f} MB keeping everything ({grew[1] / grew[0]:.1f}x)")
    print(f"retention pass: median {statistics.median(passes) * 1000:.0f} ms, "
          f"max {max(passes) * 1000:.0f} ms (one simulated day each)")  # fmt: skip


if __name__ == "__main__":
    main()
