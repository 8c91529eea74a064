"""Idempotent upserts of Arrow batches on natural keys, with counts for the ingest ledger.

A batch is staged once against the target: rows whose key is new are inserted, rows
whose values differ are updated, the rest are unchanged. Duplicate keys inside one
batch collapse to one row (the others count as unchanged), so
inserted + updated + unchanged always equals the batch's row count.

Which version wins: for a table whose spec names a `newest` column (a request's
updated_at), the row with the greatest value (nulls lowest, ties to the last one), and a
row older than the stored one is left unapplied (counted unchanged), so a feed re-sending
an old version never undoes a newer one. A row without that value cannot be known to be
older, so it applies (a feed that leaves updated_datetime out still closes requests).
Otherwise the last occurrence wins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from store.schema import TABLES

_names = itertools.count()


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upsert(cur: duckdb.DuckDBPyConnection, table: str, batch: pa.Table) -> UpsertCounts:
    """Upsert `batch` into `table` on its natural key; call inside a transaction."""
    if batch.num_rows == 0:
        return UpsertCounts()
    spec = TABLES[table]
    n = next(_names)
    src, stage = f"_c3_batch_{n}", f"_c3_stage_{n}"
    cols = [c for c in batch.column_names if c not in spec.geometry]
    newest = _q(spec.newest) if spec.newest in cols else None
    out_cols = cols + list(spec.geometry)
    values = [c for c in out_cols if c not in spec.key]
    select = [f"s.{_q(c)}" for c in cols] + [
        f"{expr} AS {_q(g)}" for g, expr in spec.geometry.items()
    ]

    cur.register(src, batch)
    try:
        key_list = ", ".join(map(_q, spec.key))
        has_dups = cur.execute(
            f"SELECT count(*) <> (SELECT count(*) FROM (SELECT DISTINCT {key_list} FROM {src})) "
            f"FROM {src}"
        ).fetchone()[0]
        if has_dups:
            ordered = batch.append_column("_c3_ord", pa.array(range(batch.num_rows), pa.int64()))
            cur.unregister(src)
            cur.register(src, ordered)
            order = f"{newest} DESC NULLS LAST, _c3_ord DESC" if newest else "_c3_ord DESC"
            source = (
                f"(SELECT * FROM {src} QUALIFY row_number() OVER "
                f"(PARTITION BY {key_list} ORDER BY {order}) = 1)"
            )
        else:
            source = src
        join = " AND ".join(f"t.{_q(k)} = n.{_q(k)}" for k in spec.key)
        differs = (
            " OR ".join(
                f"ST_AsWKB(n.{_q(v)}) IS DISTINCT FROM ST_AsWKB(t.{_q(v)})"
                if v in spec.geometry
                else f"n.{_q(v)} IS DISTINCT FROM t.{_q(v)}"
                for v in values
            )
            or "false"
        )
        stale = (
            # NULL either side: not known to be older, so the row applies
            f"coalesce(n.{newest} < t.{newest}, false)"
            if newest
            else "false"
        )
        first_key = _q(spec.key[0])
        cur.execute(
            f"CREATE TEMP TABLE {stage} AS "
            f"SELECT n.*, t.{first_key} IS NULL AS _c3_new, "
            f"(t.{first_key} IS NOT NULL AND NOT ({stale}) AND ({differs})) AS _c3_changed "
            f"FROM (SELECT {', '.join(select)} FROM {source} s) n "
            f"LEFT JOIN {table} t ON {join}"
        )
        inserted, updated = cur.execute(
            f"SELECT count(*) FILTER (_c3_new), count(*) FILTER (_c3_changed) FROM {stage}"
        ).fetchone()
        col_list = ", ".join(map(_q, out_cols))
        if inserted:
            cur.execute(
                f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {stage} WHERE _c3_new"
            )
        if updated and values:
            sets = ", ".join(f"{_q(v)} = s.{_q(v)}" for v in values)
            match = " AND ".join(f"{table}.{_q(k)} = s.{_q(k)}" for k in spec.key)
            cur.execute(f"UPDATE {table} SET {sets} FROM {stage} s WHERE s._c3_changed AND {match}")
        cur.execute(f"DROP TABLE {stage}")
    finally:
        cur.unregister(src)
    return UpsertCounts(inserted, updated, batch.num_rows - inserted - updated)
