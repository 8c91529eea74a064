"""Moving an embedded store into a lake (`c3 store copy --to ducklake`): every table of
the DuckDB file, row for row, into a lake whose tables are empty, in one transaction
(the lake holds all of it or none). The lake keeps its own identity (`store_meta`) and
its own migration ledger; what the file holds of the rest is copied."""

from __future__ import annotations

from pathlib import Path

from store.db import Store
from store.lake import CATALOG

SOURCE = "c3_source"  # the file, attached read-only beside the lake
NOT_COPIED = ("schema_migrations", "store_meta")  # the lake's own


class LakeNotEmpty(Exception):
    """The lake already holds rows: copying into it would mix two stores."""


def tables_of(store: Store) -> list[str]:
    """The lake's (or file's) base tables, by name."""
    with store.reading() as cur:
        return [r[0] for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "ORDER BY 1").fetchall()]  # fmt: skip


def copy_file_into_lake(file: Path, lake: Store) -> dict[str, int]:
    """Copy every table of the DuckDB `file` into the empty `lake`; rows per table. The
    columns copied are those both have (by name), so a file at an older migration
    copies too. Raises LakeNotEmpty if any of the lake's tables holds a row."""
    tables = [t for t in tables_of(lake) if t not in NOT_COPIED]
    with lake.reading() as cur:
        held = {t: cur.execute(f"SELECT count(*) FROM {CATALOG}.{t}").fetchone()[0]
                for t in tables}  # fmt: skip
        full = {t: n for t, n in held.items() if n}
        if full:
            raise LakeNotEmpty(", ".join(f"{t} ({n} rows)" for t, n in sorted(full.items())))
        path = str(file).replace("'", "''")
        cur.execute(f"ATTACH '{path}' AS {SOURCE} (READ_ONLY)")
    try:
        return lake.write(lambda w: _copy(w, tables))
    finally:
        with lake.reading() as cur:
            cur.execute(f"DETACH {SOURCE}")


def _copy(cur, tables: list[str]) -> dict[str, int]:
    def columns(database: str, table: str) -> list[str]:
        return [r[0] for r in cur.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
            "AND table_name = ? ORDER BY column_index", [database, table]).fetchall()]  # fmt: skip

    source_tables = {r[0] for r in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [SOURCE]).fetchall()}
    copied = {}
    for table in tables:
        if table not in source_tables:
            continue
        shared = [c for c in columns(CATALOG, table) if c in set(columns(SOURCE, table))]
        names = ", ".join(f'"{c}"' for c in shared)
        copied[table] = cur.execute(
            f"INSERT INTO {CATALOG}.{table} ({names}) SELECT {names} FROM {SOURCE}.{table}"
        ).fetchone()[0]
    return copied
