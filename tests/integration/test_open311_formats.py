"""Open311 as real servers speak it: page/page_size, extensions=true (JSON and XML) and
datetimes without an offset, against a local server the test starts."""

import json
from datetime import timedelta

import pytest

from sim.http import BackgroundServer
from tests.helpers import rows
from tests.helpers.feeds import NOW, Open311Feed, assert_ledger_adds_up, complaint, run_open311

PAGED = {"paged": True, "page_size": 500}


def many(n):
    return [complaint(f"r-{i:04}", NOW - timedelta(minutes=5 * i)) for i in range(1, n + 1)]


def test_a_paging_server_delivers_every_record_across_pages(store):
    feed = Open311Feed(many(1200), max_page_size=500)
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW, **PAGED)
    assert run.status == "ok", run.error
    assert run.inserted == 1200
    asked = [(args["page"], args["page_size"]) for _, args in feed.calls]
    assert asked == [("1", "500"), ("2", "500"), ("3", "500")]  # paged, not split
    assert_ledger_adds_up(store)


def test_a_server_that_clamps_page_size_silently_still_delivers_every_record(store):
    feed = Open311Feed(many(300), max_page_size=1000, clamp=100)  # asked 1,000, serves 100
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW, paged=True, page_size=1000)
    assert run.status == "ok", run.error
    assert run.inserted == 300
    assert [args["page"] for _, args in feed.calls] == ["1", "2", "3", "4"]  # to an empty page
    assert_ledger_adds_up(store)


def test_a_page_size_over_the_servers_max_fails_with_its_reason(store):
    feed = Open311Feed(many(3), max_page_size=500)
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW, paged=True, page_size=1000)
    assert run.status == "failed"
    assert "400: page_size must be at most 500" in run.error
    assert rows(store, "SELECT count(*) FROM service_requests") == [(0,)]
    assert_ledger_adds_up(store)


def test_a_server_that_ignores_page_fails_instead_of_looping(store):
    feed = Open311Feed(many(1200), max_page_size=500, ignore_page=True)
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW, **PAGED)
    assert run.status == "failed" and "page ignored" in run.error
    assert len(feed.calls) == 2
    assert rows(store, "SELECT count(*) FROM service_requests") == [(0,)]
    assert_ledger_adds_up(store)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_extension_notes_and_attributes_land_in_extras(store, fmt):
    at = NOW - timedelta(hours=3)
    notes = [
        {"datetime": (at + timedelta(hours=1)).isoformat(), "summary": "Crew sent", "type": "note"},
        {"datetime": (at + timedelta(hours=2)).isoformat(), "summary": "Filled", "type": "closed"},
    ]
    feed = Open311Feed(
        [
            complaint("two-notes", at, notes=notes, extended_attributes={"channel": "phone"}),
            complaint("one-note", at, notes=notes[:1]),
        ]
    )
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW, extensions=True, format=fmt)
    assert run.status == "ok" and run.inserted == 2, run.error
    assert all(args["extensions"] == "true" for _, args in feed.calls)
    extras = {
        rid: json.loads(text)
        for rid, text in rows(store, "SELECT request_id, extras FROM service_requests")
    }
    assert [n["summary"] for n in extras["two-notes"]["notes"]] == ["Crew sent", "Filled"]
    assert extras["two-notes"]["notes"][1]["type"] == "closed"
    assert extras["two-notes"]["extended_attributes"] == {"channel": "phone"}
    assert [n["summary"] for n in extras["one-note"]["notes"]] == ["Crew sent"]  # still a list
    (warnings,) = rows(store, "SELECT warnings FROM ingest_runs")[0]
    assert warnings is None  # notes and attributes are what extensions=true adds: not drift
    assert_ledger_adds_up(store)


def test_times_without_offset_are_read_in_city_time_and_warned(store):
    record = complaint("local", NOW, requested_datetime="2026-11-24T11:00:00")
    feed = Open311Feed([record])
    with BackgroundServer(feed.app) as server:
        run = run_open311(server.url, store, NOW)
    assert run.status == "ok", run.error
    requested = rows(store, "SELECT requested_at FROM service_requests")[0][0]
    assert requested == NOW - timedelta(hours=1)  # 11:00 in Helsinki is 09:00 UTC in November
    (warnings,) = rows(store, "SELECT warnings FROM ingest_runs")[0]
    assert "requested_datetime without UTC offset; read as Europe/Helsinki local time" in warnings
    assert_ledger_adds_up(store)
