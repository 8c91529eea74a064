"""NGSI-v2 brokers that misbehave: the run fails cleanly or recovers, and nothing is lost.

Every broker here is a local server the test starts and whose answers it scripts
(tests/helpers/feeds.py); every run's ledger must add up. Open311 servers that misbehave
are in test_open311_faults.py."""

import time

import pytest
from flask import Response, jsonify

from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from store.ledger import get_watermark
from tests.helpers import TZ, rows
from tests.helpers.feeds import NOW, ScriptedFeed, assert_ledger_adds_up, container, waste_settings


def test_bad_records_go_to_quarantine_and_the_rest_lands(store):
    entities = [container(i) for i in range(10)]
    entities[3] = container(3, fillingLevel=1.5)
    entities[6] = container(6, location=None)
    entities[8] = container(8, dateModified="not a date")
    feed = ScriptedFeed(entities)
    with BackgroundServer(feed.app) as server:
        run = run_connector(
            build_connector(waste_settings(server.url, page_size=4), TZ), store, now=NOW
        )
    assert run.status == "ok"
    assert (run.fetched, run.inserted, run.quarantined) == (10, 7, 3)
    assert feed.calls == 3  # pages of 4, 4, 2
    reasons = sorted(r[0] for r in rows(store, "SELECT reason FROM quarantine"))
    assert any("outside 0-1" in r for r in reasons)
    assert any("missing location" in r for r in reasons)
    assert any("unparseable" in r for r in reasons)
    raw = rows(store, "SELECT raw FROM quarantine WHERE reason LIKE '%outside%'")[0][0]
    assert '"bin-3"' in raw  # the raw record is kept
    assert_ledger_adds_up(store)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            lambda: Response("<html><body>Maintenance</body></html>", mimetype="text/html"),
            "not JSON",
        ),
        (
            lambda: Response('[{"id": "bin-1", "type": "Wast', mimetype="application/json"),
            "JSONDecodeError",
        ),
        (lambda: Response("boom", status=500), "500"),
        (lambda: jsonify({"error": "BadRequest"}), "expected a list"),
    ],
)
def test_a_broken_feed_fails_the_run_and_keeps_the_watermark(store, answer, error):
    good = ScriptedFeed([container(1)])
    with BackgroundServer(good.app) as server:
        ok = run_connector(build_connector(waste_settings(server.url), TZ), store, now=NOW)
    assert ok.status == "ok"
    with store.reading() as cur:
        before = get_watermark(cur, "bins")
    bad = ScriptedFeed([], script=[answer] * 5)
    with BackgroundServer(bad.app) as server:
        run = run_connector(
            build_connector(waste_settings(server.url, retries=1), TZ),
            store,
            now=NOW.replace(hour=11),
        )
    assert run.status == "failed"
    assert error in run.error
    with store.reading() as cur:
        assert get_watermark(cur, "bins") == before
    failed = rows(store, "SELECT status, error FROM ingest_runs ORDER BY run_id DESC LIMIT 1")[0]
    assert failed[0] == "failed" and error in failed[1]
    assert_ledger_adds_up(store)


def test_rate_limited_feed_is_waited_for_and_everything_arrives(store):
    def too_many():
        return Response("slow down", status=429, headers={"Retry-After": "1"})

    feed = ScriptedFeed([container(i) for i in range(5)], script=[too_many, too_many])
    with BackgroundServer(feed.app) as server:
        started = time.monotonic()
        run = run_connector(build_connector(waste_settings(server.url), TZ), store, now=NOW)
        waited = time.monotonic() - started
    assert run.status == "ok" and run.inserted == 5
    assert waited >= 2.0  # honoured Retry-After twice
    assert feed.calls == 3
    assert_ledger_adds_up(store)


def test_unreachable_feed_is_a_failed_run_not_an_exception(store):
    settings = waste_settings("http://127.0.0.1:9", retries=0, timeout_s=0.5)
    run = run_connector(build_connector(settings, TZ), store, now=NOW)
    assert run.status == "failed"
    assert run.error.startswith("cannot reach 127.0.0.1:9 · ConnectionError")
    assert_ledger_adds_up(store)


def test_a_slow_feed_times_out_as_a_failed_run(store):
    def slow():
        time.sleep(2)
        return jsonify([container(1)])

    feed = ScriptedFeed([], script=[slow] * 3)
    with BackgroundServer(feed.app) as server:
        settings = waste_settings(server.url, retries=0, timeout_s=0.5)
        started = time.monotonic()
        run = run_connector(build_connector(settings, TZ), store, now=NOW)
    assert run.status == "failed"
    assert run.error.startswith("no answer in time from 127.0.0.1:")
    assert "timed out" in run.error.lower()
    assert time.monotonic() - started < 2  # gave up at the timeout, did not wait for the feed
    assert_ledger_adds_up(store)


def test_records_of_unexpected_shapes_are_quarantined_and_the_rest_lands(store):
    entities = [container(i) for i in range(6)]
    entities[1] = container(1, status=["ok"])
    entities[2] = dict(container(2), id=12345)
    entities[3] = container(3, storedWasteKind={"kind": "mixed"})
    entities[4] = container(4, address=["Kaivokatu", 8])
    feed = ScriptedFeed(entities)
    with BackgroundServer(feed.app) as server:
        run = run_connector(build_connector(waste_settings(server.url), TZ), store, now=NOW)
    assert run.status == "ok", run.error
    assert (run.inserted, run.quarantined) == (2, 4)
    assert_ledger_adds_up(store)


def test_the_same_bad_record_every_poll_is_kept_once_and_counted(store):
    feed = ScriptedFeed([container(1), container(2, fillingLevel=7)])
    with BackgroundServer(feed.app) as server:
        connector = build_connector(waste_settings(server.url), TZ)
        for minute in range(3):
            run_connector(connector, store, now=NOW.replace(minute=minute))
    assert rows(store, "SELECT seen_count FROM quarantine") == [(3,)]
    assert_ledger_adds_up(store)


def test_a_broker_that_ignores_offset_fails_instead_of_looping(store):
    def same_page():
        response = jsonify([container(1), container(2)])
        return response  # no Fiware-Total-Count, always the same full page

    feed = ScriptedFeed([], script=[same_page] * 10)
    with BackgroundServer(feed.app) as server:
        run = run_connector(
            build_connector(waste_settings(server.url, page_size=2), TZ), store, now=NOW
        )
    assert run.status == "failed" and "offset ignored" in run.error
    assert feed.calls == 2
    assert_ledger_adds_up(store)


def test_retry_after_is_honoured_up_to_a_cap_with_jitter_on_top():
    from urllib3.response import HTTPResponse

    from connectors.http import MAX_RETRY_AFTER_S, RETRY_AFTER_JITTER_S, JitteredRetry

    retry = JitteredRetry(total=3)
    waits = [retry.get_retry_after(HTTPResponse(headers={"Retry-After": "3"})) for _ in range(50)]
    assert all(3 <= w <= 3 + RETRY_AFTER_JITTER_S for w in waits)
    assert len(set(waits)) > 1  # connectors told the same wait do not all come back at once
    capped = retry.get_retry_after(HTTPResponse(headers={"Retry-After": "86400"}))
    assert MAX_RETRY_AFTER_S <= capped <= MAX_RETRY_AFTER_S + RETRY_AFTER_JITTER_S
    assert retry.get_retry_after(HTTPResponse(headers={})) is None
