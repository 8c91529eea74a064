"""Named queries of sign-in and roles (issue #16): local accounts, paired wall displays and
the audit trail. Hashing, roles and rules are the services' (`services.access`,
`services.accounts`); this module only reads and writes the rows."""

from __future__ import annotations

from datetime import datetime

import duckdb

from store.ids import new_id
from store.ledger import bump_version

# The data version a change of an account, a wall's grant or a sign-in's end bumps: web
# workers keep the sessions they found valid until it moves (services.accounts).
ACCOUNTS = "accounts"

USER_COLUMNS = "name, role, departments, zones, personal_data, password_hash, disabled"


def user(cur: duckdb.DuckDBPyConnection, name: str) -> dict | None:
    row = cur.execute(f"SELECT {USER_COLUMNS} FROM users WHERE name = ?", [name]).fetchone()
    return None if row is None else dict(zip(USER_COLUMNS.split(", "), row, strict=True))


def users(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = cur.execute(
        "SELECT name, role, departments, zones, personal_data, disabled, created_at "
        "FROM users ORDER BY name"
    ).fetchall()
    keys = ("name", "role", "departments", "zones", "personal_data", "disabled", "created_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def user_count(cur: duckdb.DuckDBPyConnection) -> int:
    return cur.execute("SELECT count(*) FROM users WHERE NOT disabled").fetchone()[0]


def zone_ids(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The city's zone ids, in order (what a department's account may be scoped to)."""
    return [r[0] for r in cur.execute("SELECT zone_id FROM zones ORDER BY zone_id").fetchall()]


def add_user(cur: duckdb.DuckDBPyConnection, account: dict) -> None:
    """Insert an account (name, role, departments, zones, personal_data, password_hash)."""
    cur.execute(
        "INSERT INTO users (name, role, departments, zones, personal_data, password_hash) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [account["name"], account["role"], account["departments"], account["zones"],
         account["personal_data"], account["password_hash"]],
    )  # fmt: skip
    bump_version(cur, ACCOUNTS)


def set_password(cur: duckdb.DuckDBPyConnection, name: str, password_hash: str) -> bool:
    found = cur.execute(
        "UPDATE users SET password_hash = ? WHERE name = ?", [password_hash, name]
    ).fetchone()[0]
    bump_version(cur, ACCOUNTS)
    return found > 0


def remove_user(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    bump_version(cur, ACCOUNTS)
    return cur.execute("DELETE FROM users WHERE name = ?", [name]).fetchone()[0] > 0


def add_device(cur: duckdb.DuckDBPyConnection, device: dict) -> None:
    """A named wall display awaiting its pairing (device_id, name, pairing_token_hash,
    pairing_expires_at, created_by)."""
    cur.execute(
        "INSERT INTO devices (device_id, name, pairing_token_hash, pairing_expires_at, "
        "created_by) VALUES (?, ?, ?, ?, ?)",
        [device["device_id"], device["name"], device["pairing_token_hash"],
         device["pairing_expires_at"], device["created_by"]],
    )  # fmt: skip


def pair_device(cur: duckdb.DuckDBPyConnection, token_hash: str, now: datetime) -> dict | None:
    """Use a pairing link once: the device it pairs (id, name), or None when the link is
    unknown, used, expired or its device revoked."""
    usable = "pairing_token_hash = ? AND pairing_expires_at > ? AND revoked_at IS NULL"
    row = cur.execute(f"SELECT device_id, name FROM devices WHERE {usable}",
                      [token_hash, now]).fetchone()  # fmt: skip
    if row is None:
        return None
    used = cur.execute(  # the link's one use: this one, if nothing took it in between
        f"UPDATE devices SET pairing_token_hash = NULL, paired_at = ?, last_seen_at = ? "
        f"WHERE device_id = ? AND {usable}",
        [now, now, row[0], token_hash, now],
    ).fetchone()[0]
    return {"device_id": row[0], "name": row[1]} if used else None


def device(cur: duckdb.DuckDBPyConnection, device_id: str) -> dict | None:
    row = cur.execute(
        "SELECT device_id, name, revoked_at FROM devices WHERE device_id = ?", [device_id]
    ).fetchone()
    return None if row is None else {"device_id": row[0], "name": row[1], "revoked_at": row[2]}


def devices(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    keys = ("device_id", "name", "created_at", "created_by", "paired_at", "last_seen_at",
            "revoked_at", "pairing_expires_at")  # fmt: skip
    rows = cur.execute(f"SELECT {', '.join(keys)} FROM devices ORDER BY created_at").fetchall()
    return [dict(zip(keys, row, strict=True)) for row in rows]


def rename_device(cur: duckdb.DuckDBPyConnection, device_id: str, name: str) -> bool:
    return cur.execute("UPDATE devices SET name = ? WHERE device_id = ?",
                       [name, device_id]).fetchone()[0] > 0  # fmt: skip


def revoke_device(cur: duckdb.DuckDBPyConnection, device_id: str, now: datetime) -> bool:
    bump_version(cur, ACCOUNTS)
    return cur.execute(
        "UPDATE devices SET revoked_at = ?, pairing_token_hash = NULL WHERE device_id = ? "
        "AND revoked_at IS NULL", [now, device_id]).fetchone()[0] > 0  # fmt: skip


def seen_device(cur: duckdb.DuckDBPyConnection, device_id: str, now: datetime) -> None:
    cur.execute("UPDATE devices SET last_seen_at = ? WHERE device_id = ?", [now, device_id])


def write_audit(cur: duckdb.DuckDBPyConnection, entry: dict) -> None:
    """One audit entry: logged_at, who, role, action, what, rows, detail."""
    cur.execute(
        "INSERT INTO audit_log (seq, logged_at, who, role, action, what, rows, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [new_id(), entry["logged_at"], entry["who"], entry["role"], entry["action"],
         entry.get("what"), entry.get("rows"), entry.get("detail")],
    )  # fmt: skip


def audit_entries(cur: duckdb.DuckDBPyConnection, limit: int = 1000) -> list[dict]:
    keys = ("seq", "logged_at", "who", "role", "action", "what", "rows", "detail")
    rows = cur.execute(
        f"SELECT {', '.join(keys)} FROM audit_log ORDER BY seq DESC LIMIT ?", [limit]
    ).fetchall()
    return [dict(zip(keys, row, strict=True)) for row in rows]


def start_session(cur: duckdb.DuckDBPyConnection, sid: str, who: str, via: str,
                  now: datetime) -> None:  # fmt: skip
    cur.execute("INSERT INTO sessions (sid, who, via, started_at) VALUES (?, ?, ?, ?)",
                [sid, who, via, now])  # fmt: skip


def end_session(cur: duckdb.DuckDBPyConnection, sid: str, now: datetime) -> None:
    bump_version(cur, ACCOUNTS)
    cur.execute("UPDATE sessions SET ended_at = ? WHERE sid = ? AND ended_at IS NULL", [now, sid])


def session_open(cur: duckdb.DuckDBPyConnection, sid: str) -> bool:
    row = cur.execute("SELECT ended_at IS NULL FROM sessions WHERE sid = ?", [sid]).fetchone()
    return bool(row and row[0])
