"""Feeds that misbehave: the run fails cleanly or recovers, and nothing is lost."""

import time
from datetime import UTC, datetime

import pytest
from flask import Flask, Response, jsonify, request

from config import ConnectorSettings
from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from store.ledger import get_watermark
from tests.conftest import TZ

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def container(i, **change):
    entity = {
        "id": f"bin-{i}",
        "type": "WasteContainer",
        "location": {"type": "Point", "coordinates": [24.94, 60.17]},
        "fillingLevel": 0.5,
        "dateModified": "2026-11-24T09:59:00Z",
    }
    entity.update(change)
    return entity


class ScriptedFeed:
    """An NGSI-v2 broker whose answers a test scripts, one per request."""

    def __init__(self, entities, script=()):
        self.entities, self.script, self.calls = entities, list(script), 0
        self.app = Flask("scripted")
        self.app.add_url_rule("/v2/entities", view_func=self.entities_view)

    def entities_view(self):
        self.calls += 1
        if self.script:
            return self.script.pop(0)()
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        response = jsonify(self.entities[offset : offset + limit])
        response.headers["Fiware-Total-Count"] = str(len(self.entities))
        return response


def waste_settings(url, **kw):
    return ConnectorSettings(
        name="bins",
        kind="ngsi-v2",
        url=url,
        entity_type="WasteContainer",
        retries=kw.pop("retries", 4),
        timeout_s=kw.pop("timeout_s", 2.0),
        **kw,
    )


def rows(store, sql):
    with store.reading() as cur:
        return cur.execute(sql).fetchall()


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


def test_unreachable_feed_is_a_failed_run_not_an_exception(store):
    settings = waste_settings("http://127.0.0.1:9", retries=0, timeout_s=0.5)
    run = run_connector(build_connector(settings, TZ), store, now=NOW)
    assert run.status == "failed"
    assert "Connection" in run.error


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
    assert "timed out" in run.error.lower() or "timeout" in run.error.lower()
    assert time.monotonic() - started < 2  # gave up at the timeout, did not wait for the feed


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
    assert run.fetched == run.inserted + run.updated + run.unchanged + run.quarantined


def test_the_same_bad_record_every_poll_is_kept_once_and_counted(store):
    feed = ScriptedFeed([container(1), container(2, fillingLevel=7)])
    with BackgroundServer(feed.app) as server:
        connector = build_connector(waste_settings(server.url), TZ)
        for minute in range(3):
            run_connector(connector, store, now=NOW.replace(minute=minute))
    assert rows(store, "SELECT seen_count FROM quarantine") == [(3,)]


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


def test_retry_after_is_honoured_up_to_a_cap():
    from urllib3.response import HTTPResponse

    from connectors.http import MAX_RETRY_AFTER_S, JitteredRetry

    retry = JitteredRetry(total=3)
    assert retry.get_retry_after(HTTPResponse(headers={"Retry-After": "3"})) == 3
    assert (
        retry.get_retry_after(HTTPResponse(headers={"Retry-After": "86400"})) == MAX_RETRY_AFTER_S
    )
