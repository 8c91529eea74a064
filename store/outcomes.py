"""The reads behind the weekly outcomes (issue 19): the containers that overflowed in a
span (read full, 100 %, at least once), with their zone and the first time."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd


def overflowed(cur: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
               zones: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """Containers with a reading at 100 % in [since, until): container_id, zone_id,
    address, first_full_at."""
    return cur.execute(
        """SELECT r.container_id, c.zone_id, c.address, min(r.observed_at) AS first_full_at
           FROM waste_readings r JOIN waste_containers c USING (container_id)
           WHERE r.observed_at >= $since AND r.observed_at < $until AND r.fill_level >= 1.0
             AND (len($zones) = 0 OR c.zone_id IN (SELECT unnest($zones)))
           GROUP BY 1, 2, 3 ORDER BY 4""",
        {"since": since, "until": until, "zones": list(zones or [])}).df()  # fmt: skip
