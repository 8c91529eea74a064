"""Named queries of the field crews (issue #18): each crew's newest position as its
feed reported it, and the jobs in each crew's queue."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

QUEUED_STATES = ["assigned", "in_progress"]
RECENT = timedelta(days=1)  # a position older than this says nothing of where a crew is


def latest_positions(cur: duckdb.DuckDBPyConnection, now: datetime) -> dict[str, dict]:
    """{crew_id: {lon, lat, observed_at, speed_kmh, heading, status}}: each crew's newest
    position reported in the day up to `now`."""
    rows = cur.execute(
        """SELECT crew_id, arg_max(lon, observed_at), arg_max(lat, observed_at),
                  max(observed_at), arg_max(speed_kmh, observed_at),
                  arg_max(heading, observed_at), arg_max(status, observed_at)
           FROM crew_positions WHERE observed_at <= ? AND observed_at > ?
           GROUP BY crew_id""",
        [now, now - RECENT],
    ).fetchall()
    keys = ("lon", "lat", "observed_at", "speed_kmh", "heading", "status")
    return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}


def queue_lengths(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """{crew_id: jobs assigned to it or in progress}."""
    rows = cur.execute(
        "SELECT crew_id, count(*) FROM work_orders WHERE list_contains(?, state) "
        "AND crew_id IS NOT NULL GROUP BY crew_id",
        [QUEUED_STATES],
    ).fetchall()
    return dict(rows)
