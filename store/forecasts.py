"""The reads behind the forecasts (issue 19): each segment's hourly congestion (travel
time over free flow) with its slot of the week in city time."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd


def hourly_congestion(cur: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
                      tz: str) -> pd.DataFrame:  # fmt: skip
    """One row per segment and UTC hour in [since, until): the mean congestion ratio (of
    the readings, or of the rollups where retention has rolled them up), and the hour's
    slot: its local hour, plus 24 on a weekend day (0-47)."""
    return cur.execute(
        """SELECT segment_id, time_bucket(INTERVAL 1 HOUR, observed_at) AS hour,
                  avg(congestion_ratio) AS ratio,
                  any_value(hour(timezone($tz, time_bucket(INTERVAL 1 HOUR, observed_at)))
                    + 24 * CAST(isodow(timezone($tz, time_bucket(INTERVAL 1 HOUR,
                                                                  observed_at))) >= 6 AS INTEGER))
                    AS slot
           FROM traffic_history
           WHERE observed_at >= $since AND observed_at < $until AND congestion_ratio > 0
           GROUP BY 1, 2 ORDER BY 1, 2""",
        {"since": since, "until": until, "tz": tz}).df()  # fmt: skip


def segment_names(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(cur.execute("SELECT segment_id, coalesce(name, segment_id) FROM road_segments")
                .fetchall())  # fmt: skip


def history_start(now: datetime, days: int) -> datetime:
    return (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def complaint_counts(cur: duckdb.DuckDBPyConnection, now: datetime, days: int) -> pd.DataFrame:
    """Requests per zone, service code and 24-hour window before `now` (window 0 the last
    24 h), over `days` windows: rows of (zone_id, service_code, service_name, window, n)
    with zone and code '' where a request has none."""
    return cur.execute(
        """SELECT coalesce(zone_id, '') AS zone_id, coalesce(service_code, '') AS service_code,
                  any_value(service_name) AS service_name,
                  CAST(floor(epoch($now - requested_at) / 86400) AS INTEGER) AS window,
                  count(*) AS n
           FROM service_requests
           WHERE requested_at >= $now - to_days(CAST($days AS INTEGER)) AND requested_at < $now
           GROUP BY 1, 2, 4""",
        {"now": now, "days": days}).df()  # fmt: skip

