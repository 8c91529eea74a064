"""The reads behind "where to look first" (issue 19): the containers that can be
inspected, with their zone and where they are (the segments: store.signals), and how
much of a week each container read full."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd


def containers(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return cur.execute(
        """SELECT container_id, zone_id, address, lon, lat FROM waste_containers
           WHERE lon IS NOT NULL AND lat IS NOT NULL ORDER BY container_id""").df()  # fmt: skip


def full_share(cur: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
               level: float) -> pd.DataFrame:  # fmt: skip
    """Each container's share (0-1) of its readings in [since, until) at `level` or above,
    and how many readings that is of."""
    return cur.execute(
        """SELECT container_id, avg(CAST(fill_level >= $level AS DOUBLE)) AS full_share,
                  count(*) AS readings
           FROM waste_readings
           WHERE observed_at >= $since AND observed_at < $until AND fill_level IS NOT NULL
           GROUP BY 1""", {"since": since, "until": until, "level": level}).df()  # fmt: skip


def first_reading(cur: duckdb.DuckDBPyConnection) -> datetime | None:
    return cur.execute("SELECT min(observed_at) FROM waste_readings").fetchone()[0]
