"""Open311 servers that misbehave: refusals, faults on a second page, failures in a row,
split windows, stale and late records, schema drift; the run fails cleanly or recovers,
and nothing is lost.

Every server here is a local one the test starts and whose answers it scripts
(tests/helpers/feeds.py); every run's ledger must add up."""

import json
from datetime import timedelta

import pytest
from flask import Response

from connectors.http import make_session
from sim.http import BackgroundServer
from tests.helpers import rows
from tests.helpers.feeds import (
    NOW,
    Open311Feed,
    assert_ledger_adds_up,
    complaint,
    drop_connection,
    html_error_page,
    refused,
    run_open311,
    stored_requests,
    too_slow,
    truncated_json,
    watermark,
)


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
