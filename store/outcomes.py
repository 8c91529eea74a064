"""The reads behind the weekly outcomes (issue 19): the containers that overflowed in a
span (read full, 100 %, at least once), with their zone and the first time; and the
weeks' totals the worker keeps for the wall (`week_outcomes`), under data version
`outcomes`."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from store.ledger import bump_version

OUTCOMES = "outcomes"  # the data version a new week's totals move


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


WEEK_COLUMNS = ("week_end", "computed_at", "days", "rounds", "fixed_start", "recommended_min",
                "fixed_min", "recommended_km", "fixed_km", "co2_kg_per_km", "overflowed",
                "overflowed_before", "resolved", "median_h", "median_h_before", "on_time",
                "on_time_before")  # fmt: skip


def has_week(cur: duckdb.DuckDBPyConnection, week_end: datetime) -> bool:
    return cur.execute("SELECT count(*) FROM week_outcomes WHERE week_end = ?",
                       [week_end]).fetchone()[0] > 0  # fmt: skip


def save_week(cur: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Keep one week's totals (WEEK_COLUMNS), replacing that week's earlier ones."""
    names = ", ".join(WEEK_COLUMNS)
    values = ", ".join(f"? AS {c}" for c in WEEK_COLUMNS)
    updates = ", ".join(f"{c} = s.{c}" for c in WEEK_COLUMNS[1:])
    inserted = ", ".join(f"s.{c}" for c in WEEK_COLUMNS)
    cur.execute(
        f"MERGE INTO week_outcomes t USING (SELECT {values}) s USING (week_end) "
        f"WHEN MATCHED THEN UPDATE SET {updates} "
        f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({inserted})",
        [row[c] for c in WEEK_COLUMNS],
    )
    bump_version(cur, OUTCOMES)


def latest_week(cur: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest week's totals, or None before the first is computed."""
    found = cur.execute(f"SELECT {', '.join(WEEK_COLUMNS)} FROM week_outcomes "
                        "ORDER BY week_end DESC LIMIT 1").fetchone()  # fmt: skip
    return None if found is None else dict(zip(WEEK_COLUMNS, found, strict=True))
