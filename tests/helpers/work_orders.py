"""Work orders of the complaint loop written straight into a store, for tests that need
one in a given state (validated, or overdue) without walking it through every step."""

from __future__ import annotations

from datetime import datetime, timedelta

from store.ledger import bump_version


def add_order(store, source: str, request_id: str, state: str, due: datetime,
              closed: datetime | None = None) -> int:  # fmt: skip
    """A work order in `state`, due at `due` (closed, i.e. validated, at `closed`),
    covering the request (`source`, `request_id`) alone; its id."""
    opened = min(due, closed or due) - timedelta(hours=1)
    with store.transaction() as cur:
        order_id = cur.execute("SELECT coalesce(max(order_id), 0) + 1 "
                               "FROM work_orders").fetchone()[0]  # fmt: skip
        cur.execute(
            "INSERT INTO work_orders (order_id, state, requested_at, due_at, created_at, "
            "created_by, closed_at, reopened, updated_at) VALUES (?, ?, ?, ?, ?, 'olga', ?, 0, ?)",
            [order_id, state, opened, due, opened, closed, closed or opened],
        )  # fmt: skip
        cur.execute("INSERT INTO work_order_requests (source, request_id, order_id, linked_at, "
                    "linked_by) VALUES (?, ?, ?, ?, 'olga')",
                    [source, request_id, order_id, opened])  # fmt: skip
        bump_version(cur, "orders")
    return order_id
