"""Bulk loads into a freshly built store (synthetic cities): plain appends, row counts,
the file's own notes in `store_meta`.

An append skips the upsert's key check: use it only on rows known to be new (a table
being filled for the first time, in one pass). Rows land in the order given, so readings
appended in time order keep DuckDB's zone maps tight for time-range queries.
"""

from __future__ import annotations

import itertools

import duckdb
import pyarrow as pa

from store.schema import TABLES

_names = itertools.count()
ROW_GROUP = 122_880  # DuckDB's rows per row group


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def append(cur: duckdb.DuckDBPyConnection, table: str, batch: pa.Table) -> int:
    """Insert every row of `batch` into `table` as it is (no key check); return the count."""
    if batch.num_rows == 0:
        return 0
    spec = TABLES[table]
    view = f"_c3_append_{next(_names)}"
    # pieces of a row group each, so that DuckDB scans and compresses them in parallel
    # (in the given order: insertion order is preserved)
    batch = pa.Table.from_batches(batch.to_batches(max_chunksize=ROW_GROUP))
    cols = [c for c in batch.column_names if c not in spec.geometry]
    select = [_q(c) for c in cols] + list(spec.geometry.values())
    targets = ", ".join(_q(c) for c in [*cols, *spec.geometry])
    cur.register(view, batch)
    try:
        cur.execute(f"INSERT INTO {table} ({targets}) SELECT {', '.join(select)} FROM {view}")
    finally:
        cur.unregister(view)
    return batch.num_rows


def row_counts(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in each of C3's tables (the schema's base tables, migrations' own excluded)."""
    names = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name <> 'schema_migrations' ORDER BY table_name"
        ).fetchall()
    ]
    return {name: cur.execute(f"SELECT count(*) FROM {_q(name)}").fetchone()[0] for name in names}


def get_meta(cur: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = cur.execute("SELECT value FROM store_meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    cur.execute(
        "MERGE INTO store_meta t USING (SELECT ? AS key, ? AS value) s USING (key) "
        "WHEN MATCHED THEN UPDATE SET value = s.value "
        "WHEN NOT MATCHED THEN INSERT VALUES (s.key, s.value)",
        [key, value],
    )


def checkpoint(cur: duckdb.DuckDBPyConnection) -> None:
    """Write everything into the database file itself (no write-ahead log left beside it)."""
    cur.execute("CHECKPOINT")
