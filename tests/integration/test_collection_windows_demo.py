"""Collection windows on the demo city, whose rush hours the simulator defines (weekdays
around 08:00 and 16:45 local): the best windows avoid them, and without congestion the
windows hardly differ."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from services.collection import plan_windows, read_inputs
from sim.demo_history import backfill_demo
from sim.model import DemoCity
from store import Store
from store.city import load_city_model
from tests.helpers import SEED

TZ = "Europe/Helsinki"
NOW = datetime(2026, 11, 17, 3, 0, tzinfo=UTC)  # Tuesday 05:00 local
PENALTY_MIN = 20
FLAT_MARGIN = 0.05  # without congestion, a zone's windows differ by under 5 % in duration


def local_start(hour: float) -> datetime:
    day = (NOW + timedelta(days=1)).astimezone(ZoneInfo(TZ)).replace(hour=0, minute=0)
    return (day + timedelta(hours=hour)).astimezone(UTC)


STARTS = [local_start(6 + q / 4) for q in range(16 * 4)]  # tomorrow 06:00-21:45, 15 min


def in_rush(start: datetime) -> bool:
    local = start.astimezone(ZoneInfo(TZ))
    hour = local.hour + local.minute / 60
    return 7.25 <= hour < 9.25 or 15.75 <= hour < 18.25


def windows(tmp_path, city, demo: DemoCity) -> dict:
    store = Store(tmp_path / "c3.duckdb")
    load_city_model(store, city)
    backfill_demo(store, demo, days=8, step_minutes=15, now=NOW)
    inputs = read_inputs(store, NOW, TZ)
    return plan_windows(inputs, city, NOW, STARTS, PENALTY_MIN, TZ).windows


@pytest.fixture(scope="module")
def congested(tmp_path_factory, city, demo_city):
    return windows(tmp_path_factory.mktemp("congested"), city, demo_city)


def test_the_best_window_of_every_zone_avoids_the_rush_hours(congested):
    assert len(congested) >= 5
    for zone, ranked in congested.items():
        assert not in_rush(ranked[0].start), (zone, ranked[0])
        rush = [w.minutes for w in ranked if in_rush(w.start)]
        late_morning = [
            w.minutes for w in ranked if 10 <= w.start.astimezone(ZoneInfo(TZ)).hour < 12
        ]
        assert np.mean(rush) > 1.05 * np.mean(late_morning), zone


def test_without_congestion_the_windows_hardly_differ(tmp_path, city, congested):
    flat = windows(tmp_path, city, DemoCity(city, SEED, 120, TZ, congestion=False))

    def spread(ranked):
        minutes = [w.minutes for w in ranked]
        return (max(minutes) - min(minutes)) / np.mean(minutes)

    for zone in flat:
        assert spread(flat[zone]) < FLAT_MARGIN < spread(congested[zone]), zone
