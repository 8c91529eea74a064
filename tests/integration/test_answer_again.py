"""A request whose read failed because DuckDB invalidated its database (a lake's fault
under load) is answered once more, on the reopened database, instead of a 500; not one
that had begun a write (it may have committed), and not any other error of DuckDB
(api/reopen.py)."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pytest
from flask import Flask

from api.reopen import answer_again_after_a_reopen
from services.context import attach_services
from store import Store
from store.ledger import bump_version

INVALIDATING = (duckdb.FatalException("FATAL Error: Failed to get global stats"),
                duckdb.InternalException("Attempted to access index 0 within vector of size 0"))


@pytest.fixture()
def store():
    db = Store(":memory:")
    yield db
    db.close()


def server_failing_once_with(store, error: Exception, writes: bool = False):
    server, calls = Flask(__name__), []
    attach_services(server, SimpleNamespace(store=store))

    @server.get("/api/frame")
    def frame():
        calls.append(1)
        if len(calls) == 1:
            if writes:
                with store.transaction() as cur:
                    bump_version(cur, "waste")
            raise error
        return {"values": [1, 2]}

    answer_again_after_a_reopen(server)
    return server, calls


@pytest.mark.parametrize("error", INVALIDATING, ids=["fatal", "internal"])
def test_an_invalidated_database_gets_the_request_answered_once_more(store, error):
    server, calls = server_failing_once_with(store, error)
    answer = server.test_client().get("/api/frame")
    assert answer.status_code == 200 and answer.json == {"values": [1, 2]}
    assert len(calls) == 2


def test_a_request_that_wrote_or_another_error_is_not_tried_again(store):
    server, calls = server_failing_once_with(store, INVALIDATING[0], writes=True)
    assert server.test_client().get("/api/frame").status_code == 500
    assert len(calls) == 1
    server, calls = server_failing_once_with(store, duckdb.CatalogException("no table"))
    assert server.test_client().get("/api/frame").status_code == 500
    assert len(calls) == 1
