"""Named queries behind the collection windows: the traffic history the profiles come
from, recent fill levels, collections, and where the containers are."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd


def collection_inputs(
    cur: duckdb.DuckDBPyConnection, now: datetime, fill_hours: float = 12
) -> dict[str, pd.DataFrame]:
    """`traffic` (segment_id, observed_at, travel_time_s), `fills` of the last
    `fill_hours` (container_id, observed_at, fill_level), `collections` (container_id,
    collected_at) and `containers` (container_id, zone_id, lon, lat), up to `now`."""
    return {
        "traffic": cur.execute(
            "SELECT segment_id, observed_at, travel_time_s FROM traffic_readings "
            "WHERE observed_at <= ?",
            [now],
        ).df(),
        "fills": cur.execute(
            "SELECT container_id, observed_at, fill_level FROM waste_readings "
            "WHERE observed_at > ? AND observed_at <= ?",
            [now - timedelta(hours=fill_hours), now],
        ).df(),
        "collections": cur.execute(
            "SELECT container_id, collected_at FROM waste_collections WHERE collected_at <= ?",
            [now],
        ).df(),
        "containers": cur.execute(
            "SELECT container_id, zone_id, lon, lat FROM waste_containers "
            "WHERE lon IS NOT NULL AND zone_id IS NOT NULL"
        ).df(),
    }
