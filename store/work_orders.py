"""Named queries of the complaint loop (issue #18): work orders, the source requests each
covers, their append-only events, the triage queue and the requests near a new one.
The rules (who may, which moves, due times) are the services'; this module reads and
writes rows. Every change bumps the `orders` data version, which screens poll."""

from __future__ import annotations

import math
from datetime import datetime

import duckdb
import pandas as pd

from store.ledger import bump_version

ORDERS = "orders"
QUEUE_LIMIT = 2000  # the oldest this many are listed; the screen says when there are more
ORDER_COLUMNS = (
    "order_id", "state", "service_code", "department", "zone_id", "lon", "lat", "address",
    "requested_at", "due_at", "crew_id", "created_at", "created_by", "first_response_at",
    "done_at", "closed_at", "reopened", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("event_id", "order_id", "happened_at", "who", "role", "action", "from_state",
                 "to_state", "crew_id", "note", "photo")  # fmt: skip
# what a request shows in the loop; the complainant's words and address only with
# personal data (services.work_orders decides)
REQUEST_COLUMNS = """r.source, r.request_id, r.status, r.service_code, r.service_name,
    r.agency_responsible AS department, r.zone_id, r.lon, r.lat, r.requested_at,
    r.updated_at, r.expected_at, r.description, r.address, r.media_url, l.order_id"""


def _dicts(cur: duckdb.DuckDBPyConnection, keys) -> list[dict]:
    return [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]


def requests_by_key(cur: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]]) -> list[dict]:
    """The requests named by (source, request_id), each with the order it is linked to."""
    if not keys:
        return []
    cur.execute(
        f"""SELECT {REQUEST_COLUMNS} FROM service_requests r
            JOIN (SELECT unnest(?) AS source, unnest(?) AS request_id) k USING (source, request_id)
            LEFT JOIN work_order_requests l USING (source, request_id)""",
        [[k[0] for k in keys], [k[1] for k in keys]],
    )
    return _dicts(cur, _request_keys(cur))


def _request_keys(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [d[0] for d in cur.description]


def insert_order(cur: duckdb.DuckDBPyConnection, order: dict) -> None:
    cur.execute(
        f"INSERT INTO work_orders ({', '.join(ORDER_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(ORDER_COLUMNS))})",
        [order.get(c) for c in ORDER_COLUMNS],
    )
    bump_version(cur, ORDERS)


def update_order(cur: duckdb.DuckDBPyConnection, order_id: int, changes: dict) -> None:
    """Set the order's current state and times (the event says how it got there)."""
    columns = [c for c in changes if c in ORDER_COLUMNS and c != "order_id"]
    cur.execute(
        f"UPDATE work_orders SET {', '.join(f'{c} = ?' for c in columns)} WHERE order_id = ?",
        [changes[c] for c in columns] + [order_id],
    )
    bump_version(cur, ORDERS)


def append_event(cur: duckdb.DuckDBPyConnection, event: dict) -> None:
    cur.execute(
        f"INSERT INTO work_order_events ({', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
        [event.get(c) for c in EVENT_COLUMNS],
    )


def link_request(cur: duckdb.DuckDBPyConnection, order_id: int, key: tuple[str, str],
                 at: datetime, who: str, evidence: str | None) -> None:  # fmt: skip
    cur.execute(
        "INSERT INTO work_order_requests (source, request_id, order_id, linked_at, linked_by, "
        "evidence) VALUES (?, ?, ?, ?, ?, ?)",
        [key[0], key[1], order_id, at, who, evidence],
    )
    bump_version(cur, ORDERS)


def release_requests(cur: duckdb.DuckDBPyConnection, order_id: int) -> None:
    """A cancelled order's requests are covered by no order any more (each may be opened
    or linked again); the order's events keep which they were."""
    cur.execute("DELETE FROM work_order_requests WHERE order_id = ?", [order_id])
    bump_version(cur, ORDERS)


def order(cur: duckdb.DuckDBPyConnection, order_id: int) -> dict | None:
    cur.execute(f"SELECT {', '.join(ORDER_COLUMNS)} FROM work_orders WHERE order_id = ?",
                [order_id])  # fmt: skip
    found = _dicts(cur, ORDER_COLUMNS)
    return found[0] if found else None


def orders(cur: duckdb.DuckDBPyConnection, states=None, crew_id: str | None = None) -> list[dict]:
    """Orders in `states` (all when None), of one crew when given, the oldest due first."""
    cur.execute(
        f"""SELECT {', '.join(ORDER_COLUMNS)} FROM work_orders
            WHERE ($states IS NULL OR list_contains($states, state))
              AND ($crew IS NULL OR crew_id = $crew)
            ORDER BY due_at, order_id""",
        {"states": list(states) if states is not None else None, "crew": crew_id},
    )
    return _dicts(cur, ORDER_COLUMNS)


def events(cur: duckdb.DuckDBPyConnection, order_id: int) -> list[dict]:
    cur.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM work_order_events "
                f"WHERE order_id = ? ORDER BY event_id", [order_id])  # fmt: skip
    return _dicts(cur, EVENT_COLUMNS)


def order_requests(cur: duckdb.DuckDBPyConnection, order_id: int) -> list[dict]:
    """The requests an order covers, first linked first, with why each was linked."""
    cur.execute(
        f"""SELECT {REQUEST_COLUMNS}, l.linked_at, l.linked_by, l.evidence
            FROM work_order_requests l JOIN service_requests r USING (source, request_id)
            WHERE l.order_id = ? ORDER BY l.evidence IS NOT NULL, l.linked_at, r.request_id""",
        [order_id],
    )
    return _dicts(cur, _request_keys(cur))


def reopened_at_source(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """Validated orders whose first request (the one the queue shows it by; a linked
    duplicate does not reopen it) the source closed after the fix and has open again (a
    resident said it is not fixed): {order_id, source, request_id, reopened_at} (the
    source's update time, else its closing's). Closed after the crew's `done`, not after
    the validation: the source's clock is not C3's."""
    rows = cur.execute(
        """SELECT o.order_id, r.source, r.request_id,
                  coalesce(r.updated_at, (SELECT max(e.changed_at) FROM service_request_events e
                      WHERE e.source = r.source AND e.request_id = r.request_id))
           FROM work_orders o
           JOIN work_order_requests l ON l.order_id = o.order_id AND l.evidence IS NULL
           JOIN service_requests r USING (source, request_id)
           WHERE o.state = 'validated' AND r.status = 'open'
             AND EXISTS (SELECT 1 FROM service_request_events e
                         WHERE e.source = r.source AND e.request_id = r.request_id
                           AND e.status = 'closed'
                           AND e.changed_at >= coalesce(o.done_at, o.closed_at))
           QUALIFY row_number() OVER (PARTITION BY o.order_id ORDER BY r.request_id) = 1
           ORDER BY o.order_id"""
    ).fetchall()
    keys = ("order_id", "source", "request_id", "reopened_at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def triage_queue(cur: duckdb.DuckDBPyConnection, filters: dict, now: datetime,
                 limit: int = QUEUE_LIMIT) -> pd.DataFrame:  # fmt: skip
    """Open requests waiting for triage, the oldest first: those no order covers, and
    the first request of an order with no crew yet (new, or triaged; its duplicates
    linked). Filters `service_code`, `zone_id`, `department` (lists; empty = all),
    `min_age_h`."""
    return cur.execute(
        f"""SELECT {REQUEST_COLUMNS} FROM service_requests r
            LEFT JOIN work_order_requests l USING (source, request_id)
            LEFT JOIN work_orders o ON o.order_id = l.order_id
            WHERE r.status = 'open'
              AND (l.order_id IS NULL
                   OR (o.state IN ('new', 'triaged') AND l.evidence IS NULL))
              AND (len($codes) = 0 OR list_contains($codes, r.service_code))
              AND (len($zones) = 0 OR list_contains($zones, r.zone_id))
              AND (len($depts) = 0 OR list_contains($depts, r.agency_responsible))
              AND r.requested_at <= $now - to_seconds(CAST($age * 3600 AS BIGINT))
            ORDER BY r.requested_at, r.request_id LIMIT $limit""",
        {"codes": filters.get("service_code") or [], "zones": filters.get("zone_id") or [],
         "depts": filters.get("department") or [], "age": float(filters.get("min_age_h") or 0),
         "now": now, "limit": limit},
    ).df()  # fmt: skip


def requests_near(cur: duckdb.DuckDBPyConnection, lon: float, lat: float, metres: float,
                  start: datetime, end: datetime, codes: list[str]) -> pd.DataFrame:  # fmt: skip
    """Requests of `codes` filed between `start` and `end` inside a box `metres` around a
    point (a box a little wider than the circle: analytics.duplicates measures exactly)."""
    deg_lat = metres / 111_000 * 1.05
    deg_lon = deg_lat / max(0.05, math.cos(math.radians(lat)))
    return cur.execute(
        f"""SELECT {REQUEST_COLUMNS} FROM service_requests r
            LEFT JOIN work_order_requests l USING (source, request_id)
            WHERE list_contains($codes, r.service_code)
              AND r.requested_at BETWEEN $start AND $end
              AND r.lon BETWEEN $lon - $dlon AND $lon + $dlon
              AND r.lat BETWEEN $lat - $dlat AND $lat + $dlat""",
        {"codes": codes, "start": start, "end": end, "lon": lon, "lat": lat,
         "dlon": deg_lon, "dlat": deg_lat},
    ).df()  # fmt: skip


def triage_choices(cur: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """What the triage queue's filters offer: service types [code, name], departments,
    zones [id, name], as the requests and the city have them."""
    return {
        "service_code": [list(r) for r in cur.execute(
            "SELECT service_code, any_value(service_name) FROM service_requests "
            "WHERE service_code IS NOT NULL GROUP BY 1 ORDER BY 2").fetchall()],
        "department": [r[0] for r in cur.execute(
            "SELECT DISTINCT agency_responsible FROM service_requests "
            "WHERE agency_responsible IS NOT NULL ORDER BY 1").fetchall()],
        "zone_id": [list(r) for r in cur.execute(
            "SELECT zone_id, coalesce(name, zone_id) FROM zones ORDER BY 2").fetchall()],
    }  # fmt: skip
