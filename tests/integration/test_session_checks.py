"""The sign-in check of every request, as several web workers make it on one store (issue
17): a session found valid is not read again until an account changes, and a sign-out,
an account removed or a wall revoked on one worker ends the session on every other one
as soon as the change notice arrives through a real Redis, or at once without Redis."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from flask.sessions import SecureCookieSession

from services.access import Principal
from services.accounts import SessionChecks, add_account, new_account
from services.session import KEY, sign_in, sign_out
from store import access as rows
from store import notices
from store.notices import VersionBoard

PASSWORD = "correct horse battery"


def wait_for(condition, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.02)


def signed_in(store, name: str, role: str = "operator") -> tuple[Principal, SecureCookieSession]:
    add_account(store, new_account(name, role, PASSWORD))
    principal = Principal(name=name, role=role, via="local",
                          expires_at=datetime.now(UTC) + timedelta(hours=8))  # fmt: skip
    session = SecureCookieSession()
    sign_in(session, principal, store)
    return replace(principal, session_id=session[KEY]["sid"]), session


class CountingStore:
    """The store, counting the reads made through it (what a check costs)."""

    def __init__(self, store):
        self.store, self.reads = store, 0

    def reading(self):
        self.reads += 1
        return self.store.reading()


def test_a_sign_out_on_one_worker_ends_the_session_on_the_others(store, redis_url):
    prefix = f"c3test:{secrets.token_hex(4)}"
    board_a, board_b = (VersionBoard(store, redis_url, prefix) for _ in range(2))
    checks_a, counted = SessionChecks(), CountingStore(store)
    try:
        wait_for(lambda: board_a.subscribed and board_b.subscribed)
        ada, session = signed_in(store, "ada")
        grace, _ = signed_in(store, "grace")
        now = datetime.now(UTC)
        assert checks_a.still_valid(counted, board_a, ada, now)
        assert checks_a.still_valid(counted, board_a, grace, now)
        reads = counted.reads
        for _ in range(100):  # a wall's requests: its session is not read again
            assert checks_a.still_valid(counted, board_a, ada, now)
        assert counted.reads == reads

        sign_out(session, store)  # on worker B, which then tells the others
        board_b.publish()
        wait_for(lambda: not checks_a.still_valid(counted, board_a, ada, now))
        assert checks_a.still_valid(counted, board_a, grace, now)  # another's goes on

        with store.transaction() as cur:  # an admin removes grace (on B)
            rows.remove_user(cur, "grace")
        board_b.publish()
        wait_for(lambda: not checks_a.still_valid(counted, board_a, grace, now))
    finally:
        board_a.close()
        board_b.close()


def test_without_redis_every_check_reads_the_store_and_sees_a_sign_out_at_once(store):
    board = VersionBoard(store, None, "c3test")
    checks = SessionChecks()
    ada, session = signed_in(store, "ada")
    now = datetime.now(UTC)
    assert checks.still_valid(store, board, ada, now)
    sign_out(session, store)  # on another worker: no notice is sent anywhere
    assert not checks.still_valid(store, board, ada, now)


def test_a_changed_grant_or_an_expired_session_is_not_taken_from_the_memory(store):
    board = VersionBoard(store, None, "c3test")
    checks = SessionChecks()
    ada, _ = signed_in(store, "ada")
    now = datetime.now(UTC)
    assert checks.still_valid(store, board, ada, now)
    assert not checks.still_valid(store, board, replace(ada, role="admin"), now)  # not hers
    assert not checks.still_valid(store, board, ada, ada.expires_at + timedelta(seconds=1))


def test_a_lost_notice_costs_one_versions_read_per_worker_not_one_per_session(
    store, redis_url, monkeypatch
):
    prefix = f"c3test:{secrets.token_hex(4)}"
    board = VersionBoard(store, redis_url, prefix)
    checks, counted = SessionChecks(), CountingStore(store)
    try:
        wait_for(lambda: board.subscribed)
        desks = [signed_in(store, f"desk{i}") for i in range(20)]
        board.publish()  # the accounts added, as the worker adding them tells everyone
        now = datetime.now(UTC)
        for principal, _ in desks:
            assert checks.still_valid(counted, board, principal, now)
        monkeypatch.setattr(notices, "MAX_AGE_S", 0.3)  # the board reads the store this often
        real_clock = time.monotonic
        monkeypatch.setattr(time, "monotonic", lambda: real_clock() + 3600)  # an hour on
        versions_read, sessions_read = board.store_reads, counted.reads
        for _ in range(3):  # nothing changed meanwhile: every desk asks again
            for principal, _ in desks:
                assert checks.still_valid(counted, board, principal, now)
        assert board.store_reads > versions_read  # the versions were read again...
        assert counted.reads == sessions_read  # ...and none of the 20 sessions
        sign_out(desks[0][1], store)  # on another worker, whose notice never arrives
        wait_for(lambda: not checks.still_valid(counted, board, desks[0][0], now), 5.0)
        assert checks.still_valid(counted, board, desks[1][0], now)
    finally:
        board.close()
