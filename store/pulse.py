"""Named queries behind the public city pulse (`/pulse`, issue 20) that the wall's own
(`store.wall`) do not answer: each zone's containers, the requests open as C3 publishes
them (store.published_requests: closed when the source closed it or C3 validated its
fix), and each zone's complaints filed and closed since the city's midnight. Counts and
times only: no text, no address, no id leaves here."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from store.explore import REQUEST_SPANS
from store.published_requests import _PUBLISHED


def containers_by_zone(cur: duckdb.DuckDBPyConnection) -> dict[str | None, int]:
    """zone_id -> how many containers the city has there (reporting or not)."""
    found = cur.execute("SELECT zone_id, count(*) FROM waste_containers GROUP BY ALL")
    return dict(found.fetchall())


def open_requests(cur: duckdb.DuckDBPyConnection, primary: str) -> pa.Table:
    """The requests open as published: zone_id, service_code, requested_at and
    expected_at (the work order's due time where one covers it, else the source's)."""
    return cur.execute(
        f"""{_PUBLISHED}
        SELECT zone_id, service_code, requested_at, expected_at FROM published
        WHERE status = 'open' AND requested_at IS NOT NULL""",
        {"primary": primary},
    ).fetch_arrow_table()


def complaints_today_by_zone(
    cur: duckdb.DuckDBPyConnection, primary: str, day_start: datetime, now: datetime
) -> dict[str | None, tuple[int, int]]:
    """zone_id -> (filed, closed) between the city's midnight `day_start` and `now`;
    closed when the source closed it or, earlier, C3 validated its fix."""
    found = cur.execute(
        f"""{_PUBLISHED}
        SELECT zone_id,
               count(*) FILTER (requested_at >= $day_start AND requested_at <= $now),
               count(*) FILTER (closed_at >= $day_start AND closed_at <= $now)
        FROM (SELECT s.zone_id, s.requested_at,
                     least(s.closed_at, CASE WHEN p.order_state = 'validated'
                                             THEN p.validated_at END) AS closed_at
              FROM ({REQUEST_SPANS}) s JOIN published p USING (source, request_id))
        GROUP BY ALL
        """,
        {"primary": primary, "day_start": day_start, "now": now},
    ).fetchall()
    return {zone: (int(filed), int(closed)) for zone, filed, closed in found}
