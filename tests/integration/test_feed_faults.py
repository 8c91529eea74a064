"""Feeds that misbehave: the run fails cleanly or recovers, and nothing is lost.

Every feed here is a local server the test starts (an NGSI broker or an Open311 server
whose answers a test scripts); every run's ledger must add up.
"""

import json
import operator
import socket
import time
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, Response, jsonify, request

from config import ConnectorSettings
from connectors.http import make_session
from connectors.runner import build_connector, run_connector
from sim.formats import open311_errors_xml
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


def rows(store, sql, params=None):
    with store.reading() as cur:
        return cur.execute(sql, params).fetchall()


def watermark(store, connector):
    with store.reading() as cur:
        return get_watermark(cur, connector)


def assert_ledger_adds_up(store):
    """Every stored run: fetched = inserted + updated + unchanged + quarantined; a failed
    run applied nothing (what it fetched before failing is not counted as landed)."""
    runs = rows(
        store,
        "SELECT status, fetched, inserted, updated, unchanged, quarantined FROM ingest_runs",
    )
    assert runs
    for status, fetched, inserted, updated, unchanged, quarantined in runs:
        if status == "ok":
            assert fetched == inserted + updated + unchanged + quarantined
        else:
            assert inserted == updated == unchanged == 0


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


# -- Open311 ------------------------------------------------------------------------------
EXTENSION_FIELDS = ("attributes", "extended_attributes", "notes")


def complaint(request_id, requested, updated=None, **fields):
    """One request as an Open311 server sends it."""
    record = {
        "service_request_id": request_id,
        "status": "open",
        "service_code": "RD-POT",
        "service_name": "Pothole",
        "requested_datetime": requested.isoformat(),
        "updated_datetime": (updated or requested).isoformat(),
        "lat": 60.17,
        "long": 24.94,
    }
    record.update(fields)
    return record


class Open311Feed:
    """An Open311 server over `records`: the spec's date filters (inclusive), at most `cap`
    requests an answer, the page/page_size extension when `max_page_size` is set, the
    extension fields only with extensions=true, and answers a test scripts per call
    (None answers normally); `clamp` cuts page_size silently, as some servers do. Keeps
    every call's time and arguments."""

    def __init__(
        self, records, script=(), cap=1000, max_page_size=None, ignore_page=False, clamp=None
    ):
        self.records, self.script, self.clamp = list(records), list(script), clamp
        self.cap, self.max_page_size, self.ignore_page = cap, max_page_size, ignore_page
        self.calls: list[tuple[float, dict]] = []
        self.app = Flask("open311")
        self.app.config["PROPAGATE_EXCEPTIONS"] = True  # drop_connection must reach werkzeug
        self.app.add_url_rule("/open311/v2/requests.<fmt>", view_func=self.requests_view)

    def requests_view(self, fmt):
        self.calls.append((time.monotonic(), request.args.to_dict()))
        if self.script and (answer := self.script.pop(0)) is not None:
            return answer()
        chosen = [r for r in self.records if _matches(r, request.args)]
        if request.args.get("extensions") != "true":
            chosen = [{k: v for k, v in r.items() if k not in EXTENSION_FIELDS} for r in chosen]
        if self.max_page_size:
            size = min(int(request.args.get("page_size", 50)), self.clamp or 10**9)
            if size > self.max_page_size:
                return open311_error(fmt, 400, f"page_size must be at most {self.max_page_size}")
            page = 1 if self.ignore_page else int(request.args.get("page", 1))
            chosen = chosen[(page - 1) * size : page * size]
        chosen = chosen[: self.cap]
        if fmt == "xml":
            return Response(requests_xml(chosen), mimetype="text/xml")
        return jsonify(chosen)


def _when(value):
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(TZ))


def _matches(record, args):
    if ids := args.get("service_request_id"):
        return record.get("service_request_id") in ids.split(",")
    requested = _when(record.get("requested_datetime"))
    updated = _when(record.get("updated_datetime")) or requested
    bounds = (
        ("start_date", requested, operator.ge),
        ("end_date", requested, operator.le),
        ("updated_after", updated, operator.ge),
        ("updated_before", updated, operator.le),
    )
    return all(
        name not in args or when is None or compare(when, _when(args[name]))
        for name, when, compare in bounds
    )


def requests_xml(records) -> bytes:
    """The spec's <service_requests>; a list becomes repeated singular elements
    (notes -> <notes><note>…</note></notes>)."""

    def fill(node, value):
        if isinstance(value, dict):
            for name, inner in value.items():
                fill(ET.SubElement(node, name), inner)
        elif isinstance(value, list):
            for item in value:
                fill(ET.SubElement(node, node.tag.removesuffix("s")), item)
        elif value is not None:
            node.text = str(value)

    root = ET.Element("service_requests")
    for record in records:
        fill(ET.SubElement(root, "request"), record)
    return ET.tostring(root, encoding="utf-8")


def open311_error(fmt, code, description):
    if fmt == "xml":
        return Response(open311_errors_xml(code, description), status=code, mimetype="text/xml")
    return jsonify([{"code": code, "description": description}]), code


def refused(status):
    return lambda: Response("busy", status=status, headers={"Retry-After": "1"})


def too_slow():
    time.sleep(1.0)  # past the connector's 0.5 s timeout
    return jsonify([])


def drop_connection():
    """The server closes the socket without answering."""
    request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("the test feed dropped the connection")


def truncated_json():
    return Response('[{"service_request_id": "9", "sta', mimetype="application/json")


def html_error_page():
    return Response("<html><body><h1>Down for maintenance</h1></body></html>", mimetype="text/html")


def run_open311(url, store, now, http=None, **settings):
    settings = ConnectorSettings(
        name="complaints",
        kind="open311",
        url=f"{url}/open311/v2",
        retries=settings.pop("retries", 1),
        timeout_s=settings.pop("timeout_s", 2.0),
        **settings,
    )
    return run_connector(build_connector(settings, TZ), store, http=http, now=now)


def stored_requests(store):
    return dict(rows(store, "SELECT request_id, status FROM service_requests"))


@pytest.mark.parametrize("status", [429, 503])
def test_open311_refusal_with_retry_after_is_waited_out(store, status):
    feed = Open311Feed(
        [complaint(str(i), NOW - timedelta(hours=i)) for i in range(1, 4)],
        script=[refused(status)],
    )
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW)
    assert run.status == "ok" and run.inserted == 3, run.error
    (refused_at, _), (next_at, _) = feed.calls
    assert next_at - refused_at >= 1.0  # at least the Retry-After the server asked for
    assert_ledger_adds_up(store)


def _second_page_fails(store, script, **settings):
    """A good first run; then new requests on two pages, the second page scripted to fail;
    then a healthy run. Returns the failed run and the feed."""
    first = [complaint("old", NOW - timedelta(hours=2))]
    feed = Open311Feed(first, max_page_size=500)
    settings = {"paged": True, "page_size": 2, **settings}
    with BackgroundServer(feed.app) as server:
        assert run_open311(server.url, store, NOW, **settings).status == "ok"
        before = watermark(store, "complaints")
        feed.records += [complaint(f"new-{i}", NOW + timedelta(minutes=10 * i)) for i in (1, 2, 3)]
        feed.script = [None, *script]  # page 1 answers, page 2 fails
        failed = run_open311(server.url, store, NOW + timedelta(hours=1), **settings)
        assert watermark(store, "complaints") == before
        assert set(stored_requests(store)) == {"old"}  # not even the first page's rows
        feed.script = []
        recovered = run_open311(server.url, store, NOW + timedelta(hours=2), **settings)
    assert recovered.status == "ok", recovered.error
    assert set(stored_requests(store)) == {"old", "new-1", "new-2", "new-3"}
    assert watermark(store, "complaints") > before
    assert_ledger_adds_up(store)
    return failed, feed


@pytest.mark.parametrize(
    ("fault", "fmt", "reason"),
    [
        (too_slow, "json", "timed out"),
        (drop_connection, "json", "Connection aborted"),
        (truncated_json, "json", "malformed JSON"),
        (html_error_page, "json", "not JSON"),
        (html_error_page, "xml", "unexpected Open311 XML root <html>"),
    ],
    ids=["timeout", "dropped-connection", "truncated-json", "html-page", "html-page-xml"],
)
def test_a_fault_on_the_second_page_fails_the_run_and_commits_nothing(store, fault, fmt, reason):
    failed, _ = _second_page_fails(store, [fault, fault], format=fmt, timeout_s=0.5)
    assert failed.status == "failed"
    assert reason in failed.error
    stored = rows(store, "SELECT error FROM ingest_runs WHERE status = 'failed'")
    assert [reason in error for (error,) in stored] == [True]


def test_five_failures_in_a_row_give_up_and_the_next_run_recovers(store):
    busy = lambda: Response("busy", status=503)  # noqa: E731
    failed, feed = _second_page_fails(
        store, [busy] * 5, retries=4, http=make_session(4, backoff_s=0.05)
    )
    assert failed.status == "failed" and "503" in failed.error
    pages = [args.get("page") for _, args in feed.calls]
    # the good run read page 1 (one request, shorter than asked) and an empty page 2 (a
    # server may clamp page_size); then one first page and five tries of the second
    assert pages[:8] == ["1", "2", "1"] + ["2"] * 5


def test_split_windows_overlap_without_duplicate_rows(store):
    records = [complaint(str(i), NOW - timedelta(hours=5 * i)) for i in range(1, 8)]
    feed = Open311Feed(records, cap=3)
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW, max_results=3)
    assert run.status == "ok", run.error
    assert len(feed.calls) > 1 and run.fetched >= 7
    assert rows(store, "SELECT count(*), count(DISTINCT request_id) FROM service_requests") == [
        (7, 7)
    ]
    assert_ledger_adds_up(store)


def test_the_newest_update_wins_in_a_batch_and_against_an_old_version_resent(store):
    filed = NOW - timedelta(minutes=30)
    opened = complaint("7", filed, filed + timedelta(minutes=1))
    closed = complaint("7", filed, filed + timedelta(minutes=20), status="closed")
    feed = Open311Feed([closed, opened])  # the newer version first in the answer
    with BackgroundServer(feed.app) as server:
        first = run_open311(server.url, store, NOW)
        feed.records = [opened]  # a later run re-sends only the older version
        second = run_open311(server.url, store, NOW + timedelta(minutes=5))
    assert stored_requests(store) == {"7": "closed"}
    assert (first.inserted, first.unchanged) == (1, 1)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 1)
    assert_ledger_adds_up(store)


def test_an_old_status_resent_is_not_the_latest_event(store):
    filed = NOW - timedelta(days=2)
    reopened = complaint("8", filed, NOW - timedelta(hours=1))
    closed_before = complaint("8", filed, NOW - timedelta(days=1), status="closed")
    feed = Open311Feed([reopened])
    with BackgroundServer(feed.app) as server:
        run_open311(server.url, store, NOW)
        feed.records = [closed_before]
        run_open311(server.url, store, NOW + timedelta(minutes=5))
    assert stored_requests(store) == {"8": "open"}
    events = rows(store, "SELECT status FROM service_request_events ORDER BY changed_at")
    assert events == [("open",)]
    assert_ledger_adds_up(store)


@pytest.mark.parametrize("updated_after", [False, True], ids=["start_date", "updated_after"])
def test_a_late_record_at_the_watermark_is_caught_next_run(store, updated_after):
    at = NOW - timedelta(hours=1)
    feed = Open311Feed([complaint("first", at)])
    settings = {"lookback_minutes": 0, "updated_after": updated_after}
    with BackgroundServer(feed.app) as server:
        run_open311(server.url, store, NOW, **settings)
        assert watermark(store, "complaints") == at
        feed.records.append(complaint("late", at))  # same time as the watermark, seen later
        run_open311(server.url, store, NOW + timedelta(minutes=10), **settings)
    assert set(stored_requests(store)) == {"first", "late"}
    assert_ledger_adds_up(store)


def test_schema_drift_keeps_new_attributes_and_quarantines_type_changes(store):
    at = NOW - timedelta(hours=1)
    records = [
        complaint("new-field", at, priority="high"),
        complaint("plain", at),
        complaint("lat-object", at, lat={"value": 60.17}),
        complaint("status-list", at, status=["open"]),
        complaint("no-location", at, lat=None, long=None),
        complaint("no-time", at, requested_datetime=None),
    ]
    feed = Open311Feed(records)
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW)
    assert run.status == "ok", run.error
    assert (run.inserted, run.quarantined) == (2, 4)
    extras = dict(rows(store, "SELECT request_id, extras FROM service_requests"))
    assert json.loads(extras["new-field"]) == {"priority": "high"}
    assert extras["plain"] is None
    (warnings,) = rows(store, "SELECT warnings FROM ingest_runs")[0]
    assert "priority" in warnings
    reasons = {
        json.loads(raw)["service_request_id"]: reason
        for reason, raw in rows(store, "SELECT reason, raw FROM quarantine")
    }
    assert "non-numeric coordinates" in reasons["lat-object"]
    assert "status is not text" in reasons["status-list"]
    assert "non-numeric coordinates: lon=None lat=None" in reasons["no-location"]
    assert "missing requested_datetime" in reasons["no-time"]
    assert_ledger_adds_up(store)
