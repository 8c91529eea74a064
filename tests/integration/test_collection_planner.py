"""The collection planner as the scheduler runs it: a plan is stored once per change of
the traffic or waste data, with its windows, reasons and the best windows' routes; any
other window is routed on demand and stored; quiet hours cover the whole round."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config import load_settings
from services.collection import CollectionPlanner
from sim.demo_history import backfill_demo
from store import collection
from store.ledger import bump_version
from tests.helpers import TZ

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # Tuesday 12:00 local


@pytest.fixture
def planner(store, city, demo_city):
    backfill_demo(store, demo_city, days=3, step_minutes=30, now=NOW)
    settings = load_settings(timezone=TZ)
    return CollectionPlanner(store, city, settings)


def test_a_plan_is_stored_once_per_data_change_with_routes_of_the_best_windows(planner, store):
    first = planner.run(NOW)
    assert first is not None
    assert planner.run(NOW) is None  # nothing new: nothing recomputed
    with store.reading() as cur:
        frame = collection.plan_windows_frame(cur, first)
        plan = collection.latest_plan(cur)
    assert plan["plan_id"] == first and plan["horizon_h"] == 24
    assert plan["data_up_to"] <= NOW
    per_zone = frame.groupby("zone_id")
    assert (per_zone.size() == 96).all()
    assert (per_zone["rank"].min() == 1).all()
    assert frame["reason"].str.len().gt(0).all()
    best = frame[frame["rank"] == 1].iloc[0]
    with store.reading() as cur:
        stored = json.loads(collection.stored_routes(cur, first, best.zone_id, best.start_at))
    due = int(best.stops)
    served = stored["totals"]["containers"]
    unserved = sum(len(s["containers"]) for s in stored["unserved"])
    assert served + unserved >= due  # every due stop is served or said to be left out
    assert stored["totals"]["km"] > 0 and stored["vehicles"][0]["stops"][0]["seq"] == 1

    with store.transaction() as cur:
        bump_version(cur, "traffic")
    second = planner.run(NOW + timedelta(minutes=15))
    assert second is not None and second > first  # a new plan, the newest
    with store.reading() as cur:
        assert collection.latest_plan(cur)["plan_id"] == second


def test_other_windows_are_routed_on_demand_for_the_newest_plan_only(planner, store):
    first = planner.recompute(NOW)
    with store.reading() as cur:
        frame = collection.plan_windows_frame(cur, first)
    other = frame[frame["rank"] == 40].iloc[0]
    with store.reading() as cur:
        assert collection.stored_routes(cur, first, other.zone_id, other.start_at) is None
    routes = planner.routes(first, other.zone_id, other.start_at.to_pydatetime())
    arrivals = [s["arrival"] for v in routes["vehicles"] for s in v["stops"]]
    assert all(a >= other.start_at.isoformat() for a in arrivals)
    with store.reading() as cur:
        assert collection.stored_routes(cur, first, other.zone_id, other.start_at) is not None
    planner.recompute(NOW)
    another = frame[frame["rank"] == 41].iloc[0]
    assert planner.routes(first, another.zone_id, another.start_at.to_pydatetime()) is None


def test_no_round_that_runs_into_the_quiet_hours_is_allowed(planner, store):
    plan_id = planner.recompute(NOW)
    with store.reading() as cur:
        frame = collection.plan_windows_frame(cur, plan_id)
    local = frame["start_at"].dt.tz_convert(ZoneInfo(TZ))
    ends = (frame["start_at"] + frame["minutes"].map(lambda m: timedelta(minutes=m))).dt.tz_convert(
        ZoneInfo(TZ)
    )

    def quiet(t):
        return t.hour >= 22 or t.hour < 6

    starts_quiet = local.map(quiet)
    ends_quiet = ends.map(quiet)
    assert not frame.loc[starts_quiet | ends_quiet, "allowed"].any()
    assert frame.loc[~starts_quiet & ~ends_quiet, "allowed"].any()
    # a zone's allowed windows all rank before its quiet-hour ones
    for _, zone in frame.groupby("zone_id"):
        assert zone[zone["allowed"]]["rank"].max() < zone[~zone["allowed"]]["rank"].min()


def test_a_plan_whose_first_start_has_passed_is_replaced_without_new_data(planner, store):
    first = planner.run(NOW)
    assert planner.run(NOW + timedelta(minutes=5)) is None
    later = planner.run(NOW + timedelta(hours=1))  # a feed outage: no new data, time moves
    assert later is not None and later > first
    with store.reading() as cur:
        assert collection.latest_plan(cur)["first_start"] > NOW + timedelta(hours=1)
