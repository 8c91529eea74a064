"""Open311 servers with quirks: one that needs extra query parameters (`query_params`,
sent with every query, never one C3 sets itself), and one that ignores
service_request_id, whose known open requests are re-read by date window instead.

Every server here is a local one over real HTTP (tests/helpers/feeds.py); every run's
ledger must add up."""

from datetime import timedelta

import pytest
from flask import request
from werkzeug.datastructures import ImmutableMultiDict

from config import ConnectorSettings
from connectors.open311 import IDS_IGNORED
from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from tests.helpers import TZ
from tests.helpers.feeds import (
    NOW,
    Open311Feed,
    assert_ledger_adds_up,
    complaint,
    stored_requests,
)

EXTRA = {"agency": "DPW", "root": "service_requests"}


class IdBlindFeed(Open311Feed):
    """An Open311 server that ignores service_request_id: a query by ids is answered as if
    it had no filter (the first of everything it holds, up to its cap)."""

    def __init__(self, records, **kw):
        super().__init__(records, **kw)
        self.id_queries = 0

    def requests_view(self, fmt):
        if "service_request_id" in request.args:
            self.id_queries += 1
            kept = [(k, v) for k, v in request.args.items(multi=True) if k != "service_request_id"]
            request.args = ImmutableMultiDict(kept)
        return super().requests_view(fmt)


def connector(url, **settings):
    """A complaints connector on the Open311 server at `url`; kept across runs, as the
    scheduler keeps it for the process's lifetime."""
    return build_connector(
        ConnectorSettings(
            name="complaints",
            kind="open311",
            url=f"{url}/open311/v2",
            retries=1,
            timeout_s=5.0,
            **settings,
        ),
        TZ,
    )


def ignored_ids_warnings(run):
    return [w for w in run.warnings if w.startswith(IDS_IGNORED)]


# -- query_params -------------------------------------------------------------------------
@pytest.mark.parametrize("paged", [False, True], ids=["windowed", "paged"])
def test_extra_query_params_go_with_every_kind_of_query(store, paged):
    old = [complaint(f"old-{i}", NOW - timedelta(days=3, hours=i)) for i in range(3)]
    served = [*old, complaint("new", NOW - timedelta(minutes=5))]
    feed = Open311Feed(served, max_page_size=500 if paged else None)
    paging = {"paged": True, "page_size": 2} if paged else {}
    with BackgroundServer(feed.app) as server:
        complaints = connector(server.url, query_params=EXTRA, **paging)
        first = run_connector(complaints, store, now=NOW)
        second = run_connector(complaints, store, now=NOW + timedelta(hours=1))
    assert first.status == second.status == "ok", (first.error, second.error)
    queries = [args for _, args in feed.calls]
    assert all(args.items() >= EXTRA.items() for args in queries)
    assert any("start_date" in args for args in queries)
    assert any("service_request_id" in args for args in queries)  # the old ones, by id
    assert all("page" in args for args in queries) == paged
    # a server that honours service_request_id is read by id, and not warned about
    assert not ignored_ids_warnings(second)
    assert second.fetched == 4 and second.unchanged == 4
    assert_ledger_adds_up(store)


@pytest.mark.parametrize(
    ("key", "instead"),
    [
        ("start_date", "use backfill_days and lookback_minutes"),
        ("updated_after", "use updated_after = true"),
        ("service_request_id", "C3 asks for the requests it holds open by id"),
        ("page_size", "use paged = true and page_size"),
        ("api_key", "use api_key_env"),
        ("jurisdiction_id", "use jurisdiction_id"),
        ("Status", "C3 reads every status, to see requests close"),
    ],
)
def test_a_key_c3_sets_itself_is_a_config_error(key, instead):
    with pytest.raises(ValueError, match="query_params") as caught:
        ConnectorSettings(name="city311", kind="open311", url="http://x", query_params={key: "1"})
    message = str(caught.value)
    assert f"connector 'city311': query_params cannot set {key!r}, which C3 sets" in message
    assert f"itself; {instead}" in message


def test_other_keys_are_sent_as_they_are():
    settings = ConnectorSettings(name="c", kind="open311", url="http://x", query_params=EXTRA)
    assert settings.query_params == EXTRA


# -- a server that ignores service_request_id ---------------------------------------------
def blind_server_records():
    """1,000 closed requests from two months ago (what the server answers a query by ids
    with), 750 open ones filed over the fortnight before yesterday (15 queries of 50 ids),
    and 10 filed in the last ten minutes."""
    unrelated = [
        complaint(f"u-{i}", NOW - timedelta(days=60, minutes=-i), status="closed")
        for i in range(1000)
    ]
    filed = NOW - timedelta(days=14, hours=-1)
    known = [complaint(f"o-{i}", filed + timedelta(minutes=24 * i)) for i in range(750)]
    recent = [complaint(f"r-{i}", NOW - timedelta(minutes=i)) for i in range(10)]
    return unrelated, known, recent


def close(feed, request_id, when):
    record = next(r for r in feed.records if r["service_request_id"] == request_id)
    record.update(status="closed", updated_datetime=when.isoformat())


@pytest.mark.parametrize(
    ("paging", "other"),
    [({}, "1,000"), ({"paged": True, "page_size": 500}, "500")],
    ids=["windowed", "paged"],
)
def test_a_server_ignoring_ids_is_warned_once_and_read_by_window(store, paging, other):
    unrelated, known, recent = blind_server_records()
    feed = IdBlindFeed([*unrelated, *known, *recent], max_page_size=paging.get("page_size"))
    with BackgroundServer(feed.app) as server:
        complaints = connector(server.url, query_params=EXTRA, **paging)
        backfill = run_connector(complaints, store, now=NOW)
        assert backfill.status == "ok" and backfill.inserted == 760, backfill.error
        close(feed, "o-0", NOW + timedelta(seconds=30))
        close(feed, "o-700", NOW + timedelta(seconds=30))
        found = run_connector(complaints, store, now=NOW + timedelta(minutes=1))
        asked_by_id = feed.id_queries
        idle = run_connector(complaints, store, now=NOW + timedelta(minutes=2))

    assert found.status == idle.status == "ok", (found.error, idle.error)
    # the first answer by ids gives the server away: no more id queries, this poll or after
    assert asked_by_id == 1 and feed.id_queries == 1
    assert ignored_ids_warnings(found) == [
        f"{IDS_IGNORED} (asked 50 ids, got {other} other requests): "
        "known open requests are re-read by date window instead"
    ]
    assert not ignored_ids_warnings(idle)  # warned once, not every poll
    # the window's 10 and the 750 known open requests' filing windows, not 10 + 15 x 1,000;
    # the ignored answer is dropped, not counted
    assert found.fetched == len(recent) + len(known)
    assert idle.fetched <= len(recent) + len(known)
    assert found.updated == 2 and idle.updated == 0
    stored = stored_requests(store)
    assert stored["o-0"] == stored["o-700"] == "closed"
    assert not any(rid.startswith("u-") for rid in stored)
    assert all(args.items() >= EXTRA.items() for _, args in feed.calls)
    assert_ledger_adds_up(store)


def test_a_new_process_finds_out_again(store):
    unrelated, known, recent = blind_server_records()
    feed = IdBlindFeed([*unrelated, *known[:60], *recent])
    with BackgroundServer(feed.app) as server:
        run_connector(connector(server.url), store, now=NOW)
        runs = [
            run_connector(connector(server.url), store, now=NOW + timedelta(minutes=m))
            for m in (1, 2)
        ]
    assert [len(ignored_ids_warnings(r)) for r in runs] == [1, 1]
    assert [r.fetched for r in runs] == [70, 70]
    assert feed.id_queries == 2
    assert_ledger_adds_up(store)
