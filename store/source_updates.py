"""Named queries of the updates C3 owes the sources of its work orders' requests
(issue #18): queued with the change, read when due, marked sent or failed."""

from __future__ import annotations

from datetime import datetime

import duckdb

COLUMNS = ("update_id", "connector", "request_id", "order_id", "status", "description",
           "updated_at", "queued_at", "attempts", "next_attempt_at", "sent_at", "remote_id",
           "last_error")  # fmt: skip


def queue(cur: duckdb.DuckDBPyConnection, updates: list[dict]) -> None:
    for update in updates:
        cur.execute(
            f"INSERT INTO source_updates ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(COLUMNS))})",
            [update.get(c) for c in COLUMNS],
        )


def due(cur: duckdb.DuckDBPyConnection, now: datetime, limit: int = 200) -> list[dict]:
    """Unsent updates whose next attempt has come, oldest change first, but none behind
    an earlier update of the same request still waiting for its own next attempt (a
    request's updates reach its source in the order they happened)."""
    rows = cur.execute(
        f"""SELECT {', '.join(COLUMNS)} FROM source_updates u
            WHERE sent_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= $now
              AND NOT EXISTS (
                SELECT 1 FROM source_updates e
                WHERE e.connector = u.connector AND e.request_id = u.request_id
                  AND e.sent_at IS NULL AND e.given_up_at IS NULL AND e.next_attempt_at > $now
                  AND (e.updated_at < u.updated_at
                       OR (e.updated_at = u.updated_at AND e.update_id < u.update_id)))
            ORDER BY updated_at, update_id LIMIT $limit""",
        {"now": now, "limit": limit},
    ).fetchall()
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def mark_sent(cur: duckdb.DuckDBPyConnection, update_id: int, at: datetime,
              remote_id: str | None) -> None:  # fmt: skip
    cur.execute("UPDATE source_updates SET sent_at = ?, remote_id = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE update_id = ?", [at, remote_id, update_id])  # fmt: skip


def mark_failed(cur: duckdb.DuckDBPyConnection, update_id: int, error: str,
                next_at: datetime) -> None:  # fmt: skip
    cur.execute("UPDATE source_updates SET attempts = attempts + 1, last_error = ?, "
                "next_attempt_at = ? WHERE update_id = ?", [error, next_at, update_id])  # fmt: skip


def mark_given_up(cur: duckdb.DuckDBPyConnection, update_id: int, error: str,
                  at: datetime) -> None:  # fmt: skip
    """The source refused the update as wrong: never sent again."""
    cur.execute("UPDATE source_updates SET attempts = attempts + 1, last_error = ?, "
                "given_up_at = ? WHERE update_id = ?", [error, at, update_id])  # fmt: skip


def of_order(cur: duckdb.DuckDBPyConnection, order_id: int) -> list[dict]:
    rows = cur.execute(f"SELECT {', '.join(COLUMNS)} FROM source_updates WHERE order_id = ? "
                       "ORDER BY updated_at, update_id", [order_id]).fetchall()  # fmt: skip
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def backlog(cur: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Per connector, the updates its source has not taken: {waiting (still tried),
    oldest (the oldest waiting change's time), last_error, refused (given up), last_refusal}."""
    rows = cur.execute(
        """SELECT connector,
                  count(*) FILTER (WHERE given_up_at IS NULL),
                  min(updated_at) FILTER (WHERE given_up_at IS NULL),
                  arg_max(last_error, next_attempt_at) FILTER (WHERE given_up_at IS NULL),
                  count(*) FILTER (WHERE given_up_at IS NOT NULL),
                  arg_max(last_error, given_up_at) FILTER (WHERE given_up_at IS NOT NULL)
           FROM source_updates WHERE sent_at IS NULL GROUP BY connector"""
    ).fetchall()
    keys = ("waiting", "oldest", "last_error", "refused", "last_refusal")
    return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}
