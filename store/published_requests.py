"""Named queries behind what C3 publishes of complaints (issue 20): the merged requests as
C3's Open311 server and a resident's status page show them, with the complaint loop's
state where a work order covers them, and the events of their public timeline.

A request is published under its source's own id when it came through the city's
primary complaints source, else as `<source>:<id>`, so ids stay unique and stable. The
published status is closed when the source closed it or C3 validated its fix. The
complainant's words, address, zipcode and photo are never selected here: where a request
is, is the name of the street nearest its point in the city model (what a resident typed
may hold a name or a house number in any form), and the point to four decimals (~10 m)."""

from __future__ import annotations

from datetime import datetime

import duckdb

DLON, DLAT = 0.004, 0.002  # where the nearest street is looked for: ~220 m around, at 60° N
# the request as published: no description, address, zipcode or media_url
_PUBLISHED = """
    WITH firsts AS (
        SELECT order_id, arg_min(CASE WHEN source = $primary THEN request_id
                                      ELSE source || ':' || request_id END,
                                 linked_at) AS original_id
        FROM work_order_requests WHERE evidence IS NULL GROUP BY order_id),
    published AS (
        SELECT CASE WHEN r.source = $primary THEN r.request_id
                    ELSE r.source || ':' || r.request_id END AS service_request_id,
               r.source, r.request_id,
               CASE WHEN r.status = 'closed' OR o.state = 'validated' THEN 'closed'
                    ELSE 'open' END AS status,
               r.status AS source_status, r.status_notes, r.service_code, r.service_name,
               r.agency_responsible, r.requested_at, r.updated_at AS source_updated_at,
               greatest(r.updated_at, o.updated_at, r.requested_at) AS updated_at,
               coalesce(o.due_at, r.expected_at) AS expected_at,
               r.lon, r.lat, r.zone_id,
               l.order_id, l.linked_at, l.evidence IS NOT NULL AS duplicate,
               o.state AS order_state, o.closed_at AS validated_at, f.original_id
        FROM service_requests r
        LEFT JOIN work_order_requests l USING (source, request_id)
        LEFT JOIN work_orders o ON o.order_id = l.order_id
        LEFT JOIN firsts f ON f.order_id = l.order_id)"""
# the requests chosen, each with its nearest street (looked for only for those), its point
# rounded to four decimals
_WITH_STREET = f"""
    SELECT c.* EXCLUDE (lon, lat), round(c.lon, 4) AS lon, round(c.lat, 4) AS lat, n.street
    FROM chosen c LEFT JOIN LATERAL (
        SELECT s.name AS street FROM road_segments s
        WHERE s.name IS NOT NULL AND s.name <> '' AND c.lon IS NOT NULL
          AND s.geom && ST_MakeEnvelope(c.lon - {DLON}, c.lat - {DLAT},
                                        c.lon + {DLON}, c.lat + {DLAT})
        ORDER BY ST_Distance(s.geom, ST_Point(c.lon, c.lat)), s.name LIMIT 1) n ON true"""


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
    requested: tuple[datetime | None, datetime | None] | None = None,
    updated: tuple[datetime | None, datetime | None] | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict]:
    """Requests as published, at most `limit` from `offset`: those of `ids` (every other
    filter is ignored then, as the spec says), else filed in the `requested` span and
    last updated in the `updated` one (either end of each open), of the `codes` and
    `statuses` given. With an `updated` span, the oldest update first (then id), so a
    client paging by `updated_after` loses none; else the newest filed first."""
    requested, updated = requested or (None, None), updated or (None, None)
    order = ("updated_at, service_request_id" if updated != (None, None)
             else "requested_at DESC, service_request_id")  # fmt: skip
    cur.execute(
        f"""{_PUBLISHED}, chosen AS (SELECT * FROM published p
            WHERE ($ids IS NULL OR list_contains($ids, p.service_request_id))
              AND ($ids IS NOT NULL OR (
                   ($codes IS NULL OR list_contains($codes, p.service_code))
                   AND ($statuses IS NULL OR list_contains($statuses, p.status))
                   AND ($filed_from IS NULL OR p.requested_at >= $filed_from)
                   AND ($filed_to IS NULL OR p.requested_at <= $filed_to)
                   AND ($updated_from IS NULL OR p.updated_at >= $updated_from)
                   AND ($updated_to IS NULL OR p.updated_at <= $updated_to)))
            ORDER BY {order}
            LIMIT $limit OFFSET $offset)
            {_WITH_STREET} ORDER BY {order}""",
        {"primary": primary, "ids": ids, "codes": codes, "statuses": statuses,
         "filed_from": requested[0], "filed_to": requested[1], "updated_from": updated[0],
         "updated_to": updated[1], "limit": limit, "offset": offset},
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
