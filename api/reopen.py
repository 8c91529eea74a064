"""A request whose store read failed because DuckDB invalidated its database under it is
answered once more, on the database the store has reopened meanwhile. Under many users
a lake's DuckDB now and then raised an internal error while reading a table's
statistics from the catalog (docs/architecture.md, "a lake many users read"), which
invalidates the whole database: every request reading at that moment failed with a 500,
though the store reopens the database at its next read. A request that had begun a write
is not tried again (it may have committed: a sign-in, a pairing, an audit line)."""

from __future__ import annotations

import logging

import duckdb
from flask import Flask, request

from services.context import current_services
from store.failures import invalidates

log = logging.getLogger(__name__)


def answer_again_after_a_reopen(server: Flask) -> None:
    """Wrap `server`'s dispatch: a request that failed so is dispatched once more."""
    dispatch = server.dispatch_request

    def dispatch_request():
        store = current_services().store
        writes = store.writes_in_this_thread()
        try:
            return dispatch()
        except duckdb.Error as exc:
            if not invalidates(exc) or store.writes_in_this_thread() != writes:
                raise
            log.warning("%s %s: the store's database was invalidated under it (%s); "
                        "answering once more on the reopened one", request.method,
                        request.path, str(exc).splitlines()[0])  # fmt: skip
            return dispatch()

    server.dispatch_request = dispatch_request
