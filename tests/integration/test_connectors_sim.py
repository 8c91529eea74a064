"""Connectors against the running simulator over real HTTP."""

from datetime import timedelta

import pytest

from connectors.runner import build_connector, run_connector
from store.ledger import get_watermark
from tests.helpers import FIXED_NOW, TZ, demo_feeds


def counts(store, sql):
    with store.reading() as cur:
        return cur.execute(sql).fetchone()[0]


@pytest.mark.parametrize("feed", ["waste", "traffic", "complaints"])
def test_second_run_of_the_same_window_inserts_nothing(store, sim_fixed, feed):
    settings = next(f for f in demo_feeds(sim_fixed.url) if f.name == feed)
    connector = build_connector(settings, TZ)
    first = run_connector(connector, store, now=FIXED_NOW)
    second = run_connector(connector, store, now=FIXED_NOW)
    assert first.status == second.status == "ok", (first.error, second.error)
    assert first.inserted > 0 and first.quarantined == 0
    assert second.inserted == 0 and second.updated == 0
    assert second.unchanged == second.fetched
    for run in (first, second):  # the ledger balances
        assert run.fetched == run.inserted + run.updated + run.unchanged + run.quarantined
    table = {
        "waste": "waste_readings",
        "traffic": "traffic_readings",
        "complaints": "service_requests",
    }[feed]
    assert counts(store, f"SELECT count(*) FROM {table}") == first.inserted  # no duplicates


def test_simulated_entities_all_land(store, sim_fixed, demo_city):
    for settings in demo_feeds(sim_fixed.url):
        run_connector(build_connector(settings, TZ), store, now=FIXED_NOW)
    assert counts(store, "SELECT count(*) FROM waste_containers") == len(demo_city.containers)
    assert counts(store, "SELECT count(*) FROM traffic_readings") == len(demo_city.segments)
    expected = demo_city.requests_as_of(
        int(FIXED_NOW.timestamp()), int((FIXED_NOW - timedelta(days=14)).timestamp())
    )
    assert counts(store, "SELECT count(*) FROM service_requests") == len(expected)
    assert counts(store, "SELECT count(*) FROM waste_containers WHERE zone_id IS NULL") == 0
    # every request has its 'open' event, closed ones a 'closed' event too
    closed = int((expected["status"] == "closed").sum())
    assert counts(store, "SELECT count(*) FROM service_request_events") == len(expected) + closed


def test_open311_splits_windows_over_the_1000_cap(store, sim_fixed, demo_city):
    settings = next(
        f for f in demo_feeds(sim_fixed.url, backfill_days=40) if f.name == "complaints"
    )
    run = run_connector(build_connector(settings, TZ), store, now=FIXED_NOW)
    expected = demo_city.requests_as_of(
        int(FIXED_NOW.timestamp()), int((FIXED_NOW - timedelta(days=40)).timestamp())
    )
    assert len(expected) > 1000  # more than one capped query can return
    assert run.status == "ok", run.error
    assert counts(store, "SELECT count(*) FROM service_requests") == len(expected)
    assert run.fetched >= len(expected)  # overlapping pieces may repeat a boundary record


def test_watermark_is_the_newest_update_the_feed_served(store, sim_fixed, demo_city):
    settings = next(f for f in demo_feeds(sim_fixed.url) if f.name == "complaints")
    run_connector(build_connector(settings, TZ), store, now=FIXED_NOW)
    now_s = int(FIXED_NOW.timestamp())
    served = demo_city.requests_as_of(now_s, now_s - 14 * 86400)
    with store.reading() as cur:
        watermark = get_watermark(cur, "complaints")
    assert watermark.timestamp() == served["updated_s"].max()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_agencys_notes_arrive_with_extensions(store, sim_fixed, fmt):
    import json

    settings = next(f for f in demo_feeds(sim_fixed.url) if f.name == "complaints")
    settings = settings.model_copy(update={"extensions": True, "format": fmt})
    run = run_connector(build_connector(settings, TZ), store, now=FIXED_NOW)
    assert run.status == "ok" and run.warnings == [], (run.error, run.warnings)
    with store.reading() as cur:
        stored = cur.execute(
            "SELECT status, extras FROM service_requests WHERE extras IS NOT NULL"
        ).fetchall()
    assert len(stored) == run.inserted  # every request carries its notes
    for status, extras in stored:
        notes = json.loads(extras)["notes"]
        notes = notes if isinstance(notes, list) else [notes]  # XML: one <note> is a dict
        assert notes[0]["summary"].startswith("Received by")
        assert (notes[-1]["type"] == "closed") == (status == "closed")
