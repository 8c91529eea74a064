"""Which zone each point feature lies in, kept up to date as features arrive or move."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from store.schema import TABLES

ZONED_TABLES = ("waste_containers", "service_requests")


def assign_zones(cur: duckdb.DuckDBPyConnection, table: str, batch: pa.Table) -> None:
    """Set zone_id of the rows of `table` named in `batch` (None when outside every zone)."""
    key = TABLES[table].key
    cur.register("_c3_zone_keys", batch.select(list(key)))
    try:
        on_keys = " AND ".join(f"t.{k} = k.{k}" for k in key)
        to_target = " AND ".join(f"{table}.{k} = m.{k}" for k in key)
        cur.execute(
            f"""
            UPDATE {table} SET zone_id = m.zone_id
            FROM (
                SELECT {", ".join(f"t.{k}" for k in key)}, min(z.zone_id) AS zone_id
                FROM {table} t
                JOIN _c3_zone_keys k ON {on_keys}
                LEFT JOIN zones z ON ST_Contains(z.geom, ST_Point(t.lon, t.lat))
                GROUP BY ALL
            ) m
            WHERE {to_target} AND {table}.zone_id IS DISTINCT FROM m.zone_id
            """
        )
    finally:
        cur.unregister("_c3_zone_keys")
