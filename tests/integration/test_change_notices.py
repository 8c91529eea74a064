"""Change notices (issue 17): a commit's new data versions reach every web worker's board
through a real Redis, so the walls' once-a-second polls read memory and not the store;
without Redis, or with Redis gone, the board reads the store and is never behind it."""

from __future__ import annotations

import json
import secrets
import time
from types import SimpleNamespace

from services.layers import wall_tokens
from store.ledger import bump_version
from store.notices import VersionBoard


def wait_for(condition, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.02)


def test_a_commit_reaches_every_web_workers_board_through_redis(store, redis_url):
    prefix = f"c3test:{secrets.token_hex(4)}"
    web_a, web_b, writer = (VersionBoard(store, redis_url, prefix) for _ in range(3))
    try:
        wait_for(lambda: web_a.subscribed and web_b.subscribed)
        reads = web_a.store_reads
        for _ in range(200):  # the walls' polls
            web_a.current()
        assert web_a.store_reads == reads  # from memory
        with store.transaction() as cur:
            bump_version(cur, "waste")
        assert web_a.current().get("waste") is None  # until the writer tells
        writer.publish()
        wait_for(lambda: web_a.current().get("waste") == 1 == web_b.current().get("waste"))
        assert web_a.store_reads == reads
    finally:
        for board in (web_a, web_b, writer):
            board.close()


def test_without_redis_the_board_reads_the_store_and_is_never_behind(store):
    for url in (None, "redis://127.0.0.1:9/0"):  # none configured; one that does not answer
        board = VersionBoard(store, url, "c3test")
        try:
            before = board.current().get("waste", 0)
            with store.transaction() as cur:
                bump_version(cur, "waste")
            assert board.current()["waste"] == before + 1
            board.publish()  # nowhere to send it: no error
        finally:
            board.close()


def test_a_late_notice_never_takes_a_board_back(store, redis_url):
    prefix = f"c3test:{secrets.token_hex(4)}"
    web, late = VersionBoard(store, redis_url, prefix), VersionBoard(store, redis_url, prefix)
    try:
        wait_for(lambda: web.subscribed)
        with store.transaction() as cur:
            bump_version(cur, "waste")
        before = late._read()  # a writer reads the versions, then is slow to send them
        with store.transaction() as cur:
            bump_version(cur, "waste")
        late.publish()
        wait_for(lambda: web.current().get("waste") == 2)
        late._redis.publish(late.channel, json.dumps(before))  # its old notice arrives last
        late._redis.publish(late.channel, json.dumps({"marker": 1}))  # then one to wait for
        wait_for(lambda: web.current().get("marker") == 1)
        assert web.current()["waste"] == 2
    finally:
        web.close()
        late.close()


def test_the_walls_poll_moves_only_the_token_of_the_domain_that_changed(store):
    """/api/wall/tokens: a wall asks for a domain's tile exactly when its token moves."""
    svc = SimpleNamespace(store=store, versions=None)
    now_s = 1_800_000_000.0  # at a minute's start: the time buckets hold for 15 s
    before = wall_tokens(svc, now_s)
    with store.transaction() as cur:
        bump_version(cur, "traffic")
    after = wall_tokens(svc, now_s + 1)
    assert after["traffic"] != before["traffic"]
    assert after["waste"] == before["waste"] and after["complaints"] == before["complaints"]
    assert after["feeds"] != before["feeds"]  # the feeds tile shows every domain's age
    # overdue complaints and 'since midnight' age without new data: a minute later
    assert wall_tokens(svc, now_s + 60)["complaints"] != after["complaints"]
