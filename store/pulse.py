"""Named queries behind the public city pulse (`/pulse`, issue 20) that the wall's own
(`store.wall`) do not answer: each zone's containers, and its complaints filed and
closed since the city's midnight. Counts only: no text, no address, no id leaves here."""

from __future__ import annotations

from datetime import datetime

import duckdb

from store.explore import REQUEST_SPANS


def containers_by_zone(cur: duckdb.DuckDBPyConnection) -> dict[str | None, int]:
    """zone_id -> how many containers the city has there (reporting or not)."""
    found = cur.execute("SELECT zone_id, count(*) FROM waste_containers GROUP BY ALL")
    return dict(found.fetchall())


def complaints_today_by_zone(
    cur: duckdb.DuckDBPyConnection, day_start: datetime, now: datetime
) -> dict[str | None, tuple[int, int]]:
    """zone_id -> (filed, closed) between the city's midnight `day_start` and `now`."""
    found = cur.execute(
        f"""
        SELECT zone_id,
               count(*) FILTER (requested_at >= $day_start AND requested_at <= $now),
               count(*) FILTER (closed_at >= $day_start AND closed_at <= $now)
        FROM ({REQUEST_SPANS}) GROUP BY ALL
        """,
        {"day_start": day_start, "now": now},
    ).fetchall()
    return {zone: (int(filed), int(closed)) for zone, filed, closed in found}
