"""Versioned schema migrations: numbered SQL files applied once, in order, in a transaction."""

from __future__ import annotations

import time
from importlib import resources

import duckdb

from store.lake import lake_sql

LAKE_ATTEMPTS = 10  # a lake's migration colliding with another process's, tried again


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text()))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection, lake: bool = False) -> int:
    """Apply the migrations the database has not seen; return the schema version. On a
    lake, in its form (`store.lake.lake_sql`); there, another process may be migrating
    at the same moment (its transactions are whole: a migration is seen applied or not at
    all), so a migration that collides with one is tried again after it."""
    for attempt in range(LAKE_ATTEMPTS if lake else 1):
        try:
            return _apply(con, lake)
        except duckdb.Error:
            if attempt == LAKE_ATTEMPTS - 1 or not lake:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _apply(con: duckdb.DuckDBPyConnection, lake: bool) -> int:
    form = lake_sql if lake else str
    con.execute(form(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())"
    ))
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    pending = [m for m in _migration_files() if m[0] not in applied]
    for number, name, sql in pending:
        con.execute("BEGIN")
        try:
            con.execute(form(sql))
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    if pending and not lake:
        # into the file at once: DuckDB cannot replay from its WAL an ALTER of a table with a
        # nextval() default (ingest_runs), so a process killed before its next checkpoint
        # would leave a file that no longer opens
        con.execute("CHECKPOINT")
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
