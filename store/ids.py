"""Ids for the rows a sequence would number (ingest runs, collection plans, the audit log,
quarantined records): a lake (DuckLake) has no sequences, and several processes write
it. An id is time-ordered (a later one is greater: within a process always, across
processes as far as their clocks agree) and unique across processes but for two made
in the same millisecond with the same 10 random bits: milliseconds since 2020 above,
the random bits below. It stays under 2^53, so a browser holds it exactly (a plan's id
travels through the collection screen), until the year 2298."""

from __future__ import annotations

import secrets
import threading
import time

EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
RANDOM_BITS = 10
_last = 0
_lock = threading.Lock()


def new_id() -> int:
    """A new id, greater than any this process made before."""
    global _last
    made = ((time.time_ns() // 1_000_000 - EPOCH_MS) << RANDOM_BITS) | secrets.randbits(
        RANDOM_BITS
    )
    with _lock:
        _last = max(made, _last + 1)
        return _last
