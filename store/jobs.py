"""Runs of the scheduler's jobs by tick: a worker claims a job's tick before running it,
and a tick claimed already (by the worker that held the lease before) is not run again.
A job's claims older than a day go as it makes new ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from store.db import Store

KEEP = timedelta(days=1)


def tick_of(now: datetime, interval_s: float) -> datetime:
    """The start of the interval of `interval_s` seconds (counted from the epoch) that
    `now` falls in."""
    seconds = now.timestamp()
    return datetime.fromtimestamp(seconds - seconds % interval_s, UTC)


def claim_tick(store: Store, job: str, tick: datetime, worker: str,
               now: datetime | None = None) -> bool:  # fmt: skip
    """Claim `job`'s run of `tick` for `worker`; False when it was claimed already."""
    now = now or datetime.now(UTC)

    def claim(cur: duckdb.DuckDBPyConnection) -> bool:
        taken = cur.execute(
            "MERGE INTO job_ticks t USING (SELECT ? AS job, ?::TIMESTAMPTZ AS tick) s "
            "USING (job, tick) WHEN NOT MATCHED THEN INSERT VALUES (s.job, s.tick, ?, ?)",
            [job, tick, worker, now],
        ).fetchone()[0]
        if taken:  # the job's claims of a day ago go as its new ones come
            cur.execute("DELETE FROM job_ticks WHERE job = ? AND claimed_at < ?", [job, now - KEEP])
        return taken > 0

    return store.write(claim)


def claims(cur: duckdb.DuckDBPyConnection, job: str | None = None) -> list[tuple]:
    """(job, tick, worker) of the claims, oldest tick first."""
    return cur.execute(
        "SELECT job, tick, worker FROM job_ticks WHERE ? IS NULL OR job = ? ORDER BY tick, job",
        [job, job],
    ).fetchall()
