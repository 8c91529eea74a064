"""Named queries behind what C3 publishes of complaints (issue 20): the merged requests as
C3's Open311 server and a resident's status page show them, with the complaint loop's
state where a work order covers them, and the events of their public timeline.

A request is published under its source's own id when it came through the city's
primary complaints source, else as `<source>-<id>`, so ids stay unique and stable. The
published status is closed when the source closed it or C3 validated its fix. The
complainant's words, address, zipcode and photo are never selected here."""

from __future__ import annotations

from datetime import datetime

import duckdb

# the request as published: no description, address (the street is derived from it in
# services.public_requests and the address never leaves), zipcode or media_url
_PUBLISHED = """
    WITH firsts AS (
        SELECT order_id, arg_min(CASE WHEN source = $primary THEN request_id
                                      ELSE source || '-' || request_id END,
                                 linked_at) AS original_id
        FROM work_order_requests WHERE evidence IS NULL GROUP BY order_id),
    published AS (
        SELECT CASE WHEN r.source = $primary THEN r.request_id
                    ELSE r.source || '-' || r.request_id END AS service_request_id,
               r.source, r.request_id,
               CASE WHEN r.status = 'closed' OR o.state = 'validated' THEN 'closed'
                    ELSE 'open' END AS status,
               r.status AS source_status, r.status_notes, r.service_code, r.service_name,
               r.agency_responsible, r.requested_at,
               greatest(r.updated_at, o.updated_at, r.requested_at) AS updated_at,
               coalesce(o.due_at, r.expected_at) AS expected_at,
               r.address, r.lon, r.lat, r.zone_id,
               l.order_id, l.linked_at, l.evidence IS NOT NULL AS duplicate,
               o.state AS order_state, o.closed_at AS validated_at, f.original_id
        FROM service_requests r
        LEFT JOIN work_order_requests l USING (source, request_id)
        LEFT JOIN work_orders o ON o.order_id = l.order_id
        LEFT JOIN firsts f ON f.order_id = l.order_id)
    SELECT * FROM published"""


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    keys = [d[0] for d in cur.description]
    return [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]


def published_requests(
    cur: duckdb.DuckDBPyConnection,
    primary: str,
    *,
    ids: list[str] | None = None,
    codes: list[str] | None = None,
    statuses: list[str] | None = None,
    requested: tuple[datetime, datetime] | None = None,
    updated: tuple[datetime | None, datetime | None] | None = None,
    limit: int = 1000,
) -> list[dict]:
    """Requests as published, at most `limit`: those of `ids` (every other filter is
    ignored then, as the spec says), else filed in the `requested` span or (`updated`,
    either end open) last updated in it, of the `codes` and `statuses` given. Ordered by
    the time filtered on, then id, so a client paging by `updated_after` loses none."""
    by_update = ids is None and updated is not None
    start, end = (updated if by_update else requested) or (None, None)
    cur.execute(
        f"""{_PUBLISHED}
            WHERE ($ids IS NULL OR list_contains($ids, service_request_id))
              AND ($ids IS NOT NULL OR (
                   ($codes IS NULL OR list_contains($codes, service_code))
                   AND ($statuses IS NULL OR list_contains($statuses, status))
                   AND ($start IS NULL OR {'updated_at' if by_update else 'requested_at'} >= $start)
                   AND ($end IS NULL OR {'updated_at' if by_update else 'requested_at'} <= $end)))
            ORDER BY {'updated_at' if by_update else 'requested_at'}, service_request_id
            LIMIT $limit""",
        {"primary": primary, "ids": ids, "codes": codes, "statuses": statuses,
         "start": start, "end": end, "limit": limit},
    )  # fmt: skip
    return _dicts(cur)


def service_types(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every service type requests were filed under: code, name and the agency that
    answers most of them."""
    cur.execute(
        """SELECT service_code, arg_max(service_name, requested_at) AS service_name,
                  mode(agency_responsible) AS agency_responsible
           FROM service_requests WHERE service_code IS NOT NULL
           GROUP BY service_code ORDER BY service_code"""
    )
    return _dicts(cur)


def source_events(cur: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]]) -> list[dict]:
    """The status changes the sources reported for the requests `keys`, oldest first."""
    if not keys:
        return []
    cur.execute(
        """SELECT e.source, e.request_id, e.status, e.changed_at
           FROM service_request_events e
           JOIN (SELECT unnest(?) AS source, unnest(?) AS request_id) k USING (source, request_id)
           ORDER BY e.changed_at, e.status DESC""",
        [[k[0] for k in keys], [k[1] for k in keys]],
    )
    return _dicts(cur)


def order_events(cur: duckdb.DuckDBPyConnection, order_ids: list[int]) -> list[dict]:
    """The work-order events of `order_ids`, oldest first: what happened, when, and the
    photo taken (never who or their note: those stay inside C3)."""
    if not order_ids:
        return []
    cur.execute(
        """SELECT order_id, event_id, happened_at, action, from_state, to_state, photo
           FROM work_order_events WHERE list_contains(?, order_id)
           ORDER BY order_id, event_id""",
        [list(order_ids)],
    )
    return _dicts(cur)
