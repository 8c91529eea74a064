"""Feed values that are wrong in ways that once landed silently: fill levels in percent
read as fractions, and places with latitude and longitude swapped or out at sea."""

import json
from datetime import timedelta

import pytest

from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from tests.helpers import TZ, rows
from tests.helpers.feeds import (
    NOW,
    Open311Feed,
    ScriptedFeed,
    assert_ledger_adds_up,
    complaint,
    container,
    run_open311,
    waste_settings,
)


def run_bins(feed, store, now, **settings):
    """One run of a fresh "bins" connector (as after a restart) on the broker `feed`."""
    with BackgroundServer(feed.app) as server:
        connector = build_connector(waste_settings(server.url, **settings), TZ)
        return run_connector(connector, store, now=now)


def fill_levels(store):
    return rows(
        store,
        "SELECT container_id, fill_level FROM waste_readings ORDER BY observed_at, container_id",
    )


def reasons(store):
    """(entity id, reason) of each quarantined record, in the order they came."""
    held = rows(store, "SELECT raw, reason FROM quarantine ORDER BY received_at, seq")
    return [(json.loads(raw)["id"], reason) for raw, reason in held]


# -- fill levels ---------------------------------------------------------------------------
def test_a_percent_bin_that_sends_1_is_not_stored_as_full_when_the_scale_is_undeclared(store):
    first = NOW - timedelta(minutes=30)
    feed = ScriptedFeed(
        [
            container(1, fillingLevel=72, dateModified=first.isoformat()),
            container(2, fillingLevel=0.4, dateModified=first.isoformat()),
        ]
    )
    run_bins(feed, store, NOW - timedelta(minutes=29))
    # later (the connector built anew: the store remembers what bin-1 sent): 1 %
    feed.entities = [container(1, fillingLevel=1), container(2, fillingLevel=0.5)]
    later = run_bins(feed, store, NOW)
    assert later.status == "ok", later.error
    assert fill_levels(store) == [("bin-2", 0.4), ("bin-2", 0.5)]  # bin-1 never 100 % full
    assert reasons(store) == [
        ("bin-1", "fillingLevel 72 outside 0-1, so not a fraction: if this feed sends "
                  'percentages, declare fill_scale = "percent" (or "fraction")'),
        ("bin-1", "fillingLevel 1 on an unknown scale: this container has sent values above 1 "
                  '(percentages?); declare fill_scale = "percent" or "fraction"'),
    ]  # fmt: skip
    assert_ledger_adds_up(store)


def test_a_declared_percent_scale_is_divided_by_100_and_over_100_is_quarantined(store):
    feed = ScriptedFeed([container(1, fillingLevel=72), container(3, fillingLevel=140)])
    first = run_bins(feed, store, NOW - timedelta(minutes=1), fill_scale="percent")
    assert (first.status, first.inserted, first.quarantined) == ("ok", 1, 1), first.error
    assert reasons(store) == [("bin-3", "fillingLevel 140 outside 0-100 (fill_scale is percent)")]
    feed.entities = [container(1, fillingLevel=1, dateModified="2026-11-24T10:00:00Z")]
    run_bins(feed, store, NOW, fill_scale="percent")
    assert fill_levels(store) == [("bin-1", 0.72), ("bin-1", 0.01)]
    assert_ledger_adds_up(store)


# -- places --------------------------------------------------------------------------------
def test_a_swapped_point_is_stored_swapped_back_and_one_at_sea_is_quarantined(store):
    at = NOW - timedelta(hours=1)
    feed = Open311Feed(
        [
            complaint("right", at, lat=60.1699, long=24.9384),
            complaint("swapped", at, lat=24.9384, long=60.1699),  # lands in Russia as given
            complaint("at-sea", at, lat=59.9, long=24.9),  # the Gulf of Finland, either way
        ]
    )
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW)
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 3, 2, 1), run.error
    stored = rows(store, "SELECT request_id, lon, lat, zone_id FROM service_requests ORDER BY 1")
    assert [r[:3] for r in stored] == [("right", 24.9384, 60.1699), ("swapped", 24.9384, 60.1699)]
    assert stored[0][3] is not None and stored[1][3] == stored[0][3]  # in the same zone
    assert run.warnings == ["1 record with latitude and longitude swapped: stored swapped back"]
    assert rows(store, "SELECT warnings FROM ingest_runs") == [(run.warnings[0],)]
    ((reason, raw),) = rows(store, "SELECT reason, raw FROM quarantine")
    assert json.loads(raw)["service_request_id"] == "at-sea"
    assert reason.startswith("lon=24.9 lat=59.9 is ") and "km outside the city" in reason
    assert_ledger_adds_up(store)


@pytest.mark.parametrize("margin_km", [5.0, 50.0])
def test_a_waste_container_outside_the_city_is_quarantined_beyond_the_margin(store, margin_km):
    feed = ScriptedFeed(
        [
            container(1, location={"type": "Point", "coordinates": [60.17, 24.94]}),
            container(2, location={"type": "Point", "coordinates": [24.9, 59.9]}),  # at sea
        ]
    )
    run = run_bins(feed, store, NOW, city_margin_km=margin_km)
    assert run.status == "ok", run.error
    landed = rows(store, "SELECT container_id, lon, lat FROM waste_containers ORDER BY 1")
    expected = [("bin-1", 24.94, 60.17)] + ([("bin-2", 24.9, 59.9)] if margin_km > 30 else [])
    assert landed == expected
    assert run.warnings == ["1 record with latitude and longitude swapped: stored swapped back"]
    assert_ledger_adds_up(store)
