"""The demo city with seeded faults, for the cross-domain signals' tests (issue 19): two
weeks of its readings in a real DuckDB file, its complaints read by the Open311
connector over HTTP, all at FIXED_NOW."""

from __future__ import annotations

from datetime import timedelta

from sim.demo_history import backfill_demo
from sim.http import BackgroundServer
from sim.model import DemoCity
from sim.server import create_sim_app
from store import Store
from store.city import load_city_model
from tests.helpers import FIXED_NOW, SEED, TZ, days_back_to_fixed_now
from tests.helpers.feeds import run_open311

NOW = FIXED_NOW
FAULTS_SINCE = NOW - timedelta(days=4)


def built(city, tmp_path, faults) -> Store:
    """A store of the demo city with `faults` (None: a city without any) up to NOW."""
    demo = DemoCity(city, SEED, 120, TZ, faults=faults)
    store = Store(tmp_path / "c3.duckdb")
    load_city_model(store, city)
    backfill_demo(store, demo, days=16, step_minutes=15, now=NOW)
    app = create_sim_app(demo, "Helsinki", clock=lambda: NOW.timestamp())
    with BackgroundServer(app) as server:
        run = run_open311(server.url, store, NOW, backfill_days=days_back_to_fixed_now(16))
        assert run.status == "ok", run.error
    return store
