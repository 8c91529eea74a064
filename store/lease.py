"""Which `c3 worker` is the active one: a lease the workers of one lake contend for. The
holder runs the jobs (connectors, collection planner, reports); the others stand by and
ask again every interval.

The lease is a PostgreSQL session advisory lock in the lake's catalog database, held on
a connection of its own. PostgreSQL releases it the moment that connection ends: a
killed process's socket closes at once, and a machine that vanished is noticed after
the TCP keepalives set here (about 10 s). A standby that asks every `interval_s`
therefore takes over within two intervals of the holder's death, and no two workers
ever hold it together. A holder whose connection broke knows it at its next check and
stops its jobs; what one of them had already started for a tick is not started again
by the next holder (`store.jobs.claim_tick`).
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)

LEASE_KEY = 0x63330002  # pg_try_advisory_lock's key for "the active C3 worker"
# the server notices a vanished holder after idle + interval x count seconds
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 4, "keepalives_interval": 2,
              "keepalives_count": 3}  # fmt: skip


class Lease:
    """The active worker's lease on the lake whose catalog is the PostgreSQL at `dsn`."""

    def __init__(self, dsn: str, key: int = LEASE_KEY):
        self._dsn, self._key = dsn, key
        self._con: psycopg.Connection | None = None
        self.held = False

    def hold(self) -> bool:
        """Take the lease if it is free, or check that it is still ours; whether this
        process holds it now. Never raises: a database it cannot reach means not held."""
        try:
            if self._con is None or self._con.closed or self._con.broken:
                self._con, self.held = self._connect(), False
            if self.held:
                self._con.execute("SELECT 1")  # the connection lives: the lock with it
            else:
                found = self._con.execute("SELECT pg_try_advisory_lock(%s)", [self._key])
                self.held = bool(found.fetchone()[0])
        except psycopg.Error as exc:
            if self.held:
                log.warning("the worker lease is lost: %s", exc)
            self.release()
        return self.held

    def _connect(self) -> psycopg.Connection:
        con = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5, **KEEPALIVES)
        for setting, value in (("tcp_keepalives_idle", 4), ("tcp_keepalives_interval", 2),
                               ("tcp_keepalives_count", 3)):  # fmt: skip
            con.execute(f"SET {setting} = {value}")  # the server's side of the same
        return con

    def release(self) -> None:
        """Give the lease up (closing its connection releases the lock)."""
        self.held = False
        if self._con is not None:
            try:
                self._con.close()
            except psycopg.Error:
                pass
            self._con = None
