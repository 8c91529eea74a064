"""Arrow upsert throughput vs row-by-row executemany, measured in the same run.

Budget (issue #2): upserting readings from Arrow at >= 1,000,000 rows/s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store import Store  # noqa: E402
from store.schema import own_data_schema  # noqa: E402
from store.upsert import upsert  # noqa: E402

SEGMENTS = 2_000
BATCH = 500_000
BATCHES = 4
BASELINE_ROWS = 20_000


def readings(first_minute: int, n: int) -> pa.Table:
    rng = np.random.default_rng(first_minute)
    idx = np.arange(n)
    minutes = first_minute + idx // SEGMENTS
    ids = np.array([f"w{i}-0" for i in range(SEGMENTS)], dtype=object)[idx % SEGMENTS]
    speed = rng.uniform(5, 50, n)
    return pa.table(
        {
            "segment_id": ids,
            "observed_at": pa.array(minutes * 60_000_000, pa.timestamp("us", tz="UTC")),
            "speed_kmh": speed,
            "travel_time_s": 100 / (speed / 3.6),
            "congestion_ratio": 30 / speed,
            "congested": speed < 15,
            "intensity": rng.integers(0, 100, n).astype(float),
            "occupancy": rng.uniform(0, 1, n),
            "source": pa.array(["bench"] * n),
        },
        schema=own_data_schema("traffic_readings"),
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        batches = [readings(i * (BATCH // SEGMENTS), BATCH) for i in range(BATCHES)]
        started = time.perf_counter()
        for batch in batches:
            with store.transaction() as cur:
                counts = upsert(cur, "traffic_readings", batch)
                assert counts.inserted == BATCH
        new_rate = BATCH * BATCHES / (time.perf_counter() - started)

        started = time.perf_counter()
        with store.transaction() as cur:
            replay = upsert(cur, "traffic_readings", batches[-1])
        replay_rate = BATCH / (time.perf_counter() - started)
        assert replay.unchanged == BATCH

        rows = readings(10**7, BASELINE_ROWS).to_pylist()
        columns = own_data_schema("traffic_readings").names
        sql = (
            f"INSERT INTO traffic_readings ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        started = time.perf_counter()
        with store.transaction() as cur:
            cur.executemany(sql, [[r[c] for c in columns] for r in rows])
        baseline_rate = BASELINE_ROWS / (time.perf_counter() - started)
        store.close()

    print("upsert of traffic readings (Arrow -> DuckDB file)")
    print(
        f"  new rows, {BATCHES} x {BATCH:,}:      {new_rate:>12,.0f} rows/s "
        f"(budget >= 1,000,000: {'OK' if new_rate >= 1e6 else 'OVER BUDGET'})"
    )
    print(f"  replay of {BATCH:,} (unchanged): {replay_rate:>12,.0f} rows/s")
    print(f"  baseline executemany, {BASELINE_ROWS:,} rows: {baseline_rate:>8,.0f} rows/s")
    print(f"  ratio Arrow upsert / executemany: {new_rate / baseline_rate:,.0f}x")


if __name__ == "__main__":
    main()
