"""Named queries behind the wall's figures: the state of each domain now and over 24 h.

They aggregate in DuckDB and hand plain rows to `analytics.kpis`, which does the
arithmetic a person would check (forecasts, indexes, overdue).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from store.explore import REQUEST_SPANS
from store.queries import LIVE_WINDOW


def container_states(cur: duckdb.DuckDBPyConnection, now: datetime) -> pa.Table:
    """Per container: latest fill, when, and its fill rate (per hour) since its last collection
    within the last 6 h, with its address and position."""
    return cur.execute(
        f"""
        WITH emptied AS (
            SELECT container_id, max(collected_at) AS collected_at FROM waste_collections
            WHERE collected_at <= $now GROUP BY ALL),
        recent AS (
            SELECT r.container_id, r.observed_at, r.fill_level
            FROM waste_readings r LEFT JOIN emptied e USING (container_id)
            WHERE r.observed_at > $now - INTERVAL 6 HOUR AND r.observed_at <= $now
              AND r.fill_level IS NOT NULL
              AND (e.collected_at IS NULL OR r.observed_at > e.collected_at)),
        per AS (
            SELECT container_id, arg_max(fill_level, observed_at) AS fill,
                   max(observed_at) AS observed_at,
                   regr_slope(fill_level, epoch(observed_at)) * 3600 AS rate_per_h,
                   min(observed_at) FILTER (fill_level >= 0.999) AS full_since
            FROM recent GROUP BY ALL)
        SELECT p.*, c.address, c.lon, c.lat, c.zone_id
        FROM per p JOIN waste_containers c USING (container_id)
        WHERE p.observed_at > $now - {LIVE_WINDOW}
        """,
        {"now": now},
    ).fetch_arrow_table()


def segment_states(cur: duckdb.DuckDBPyConnection, now: datetime, minutes: int) -> pa.Table:
    """Per segment with a live reading: its name, free-flow and observed travel time, and
    since when it has been congested without a break (null when it is not congested)."""
    return cur.execute(
        f"""
        WITH recent AS (
            SELECT segment_id, observed_at, travel_time_s, congestion_ratio, congested
            FROM traffic_readings
            WHERE observed_at > $now - INTERVAL (greatest($minutes, 30)) MINUTE
              AND observed_at <= $now),
        latest AS (
            SELECT segment_id, max(observed_at) AS observed_at,
                   arg_max(travel_time_s, observed_at) AS travel_time_s,
                   arg_max(congestion_ratio, observed_at) AS ratio,
                   arg_max(congested, observed_at) AS congested,
                   max(observed_at) FILTER (NOT congested) AS last_free,
                   min(observed_at) AS first_seen
            FROM recent GROUP BY ALL)
        SELECT s.segment_id, s.name, s.zone_id, s.length_m,
               s.length_m / (s.freeflow_kmh / 3.6) AS freeflow_s,
               l.travel_time_s, l.ratio, l.observed_at,
               CASE WHEN l.congested THEN coalesce(
                   (SELECT min(r.observed_at) FROM recent r
                    WHERE r.segment_id = l.segment_id AND r.observed_at > l.last_free),
                   l.first_seen) END AS congested_since,
               ST_X(ST_Centroid(s.geom)) AS lon, ST_Y(ST_Centroid(s.geom)) AS lat
        FROM latest l JOIN road_segments s USING (segment_id)
        WHERE l.observed_at > $now - {LIVE_WINDOW}
        """,
        {"now": now, "minutes": minutes},
    ).fetch_arrow_table()


def open_complaints(cur: duckdb.DuckDBPyConnection) -> pa.Table:
    """Open requests with what the wall may show: type, times, position, street (no text)."""
    return cur.execute(
        """
        SELECT request_id, service_code, service_name, requested_at, expected_at, zone_id,
               regexp_replace(coalesce(address, ''), '\\s*\\d.*$', '') AS street, lon, lat
        FROM service_requests WHERE status = 'open'
        """
    ).fetch_arrow_table()


def complaint_counts(
    cur: duckdb.DuckDBPyConnection, now: datetime, day_start: datetime, zone_id: str | None = None
) -> dict:
    """Opened since the city's midnight, and median hours to close over the last 7 days
    (in one zone, or the whole city)."""
    opened, median_h = cur.execute(
        """
        SELECT count(*) FILTER (requested_at >= $day_start AND requested_at <= $now),
               median(epoch(updated_at - requested_at) / 3600)
                   FILTER (status = 'closed' AND updated_at > $now - INTERVAL 7 DAY
                           AND updated_at <= $now)
        FROM service_requests
        WHERE $zone IS NULL OR zone_id = $zone
        """,
        {"now": now, "day_start": day_start, "zone": zone_id},
    ).fetchone()
    return {"opened_today": opened, "median_close_h": median_h}


IN_ZONES = "(len($zones) = 0 OR list_contains($zones, zone_id))"
HOURLY_SQL = {
    # containers over 80 % at the end of each hour
    "waste": f"""SELECT h, count(*) FILTER (fill > 0.8) FROM (
                    SELECT date_trunc('hour', observed_at) AS h, container_id,
                           arg_max(fill_level, observed_at) AS fill
                    FROM waste_readings WHERE observed_at >= $start AND observed_at <= $now
                      AND (len($zones) = 0 OR container_id IN (
                          SELECT container_id FROM waste_containers WHERE {IN_ZONES}))
                    GROUP BY ALL) GROUP BY h""",
    # congestion index: observed / free-flow travel time over all segments
    "traffic": f"""SELECT h, sum(tt) / sum(ff) FROM (
                      SELECT date_trunc('hour', r.observed_at) AS h, r.segment_id,
                             avg(r.travel_time_s) AS tt,
                             any_value(s.length_m / (s.freeflow_kmh / 3.6)) AS ff
                      FROM traffic_readings r JOIN road_segments s USING (segment_id)
                      WHERE r.observed_at >= $start AND r.observed_at <= $now
                        AND isfinite(r.travel_time_s) AND {IN_ZONES}
                      GROUP BY ALL) GROUP BY h""",
    # requests open at the end of each hour (or at $now, for the hour still running)
    "complaints": f"""SELECT h, count(*) FROM (
                         SELECT h, least(h + INTERVAL 1 HOUR, $now) AS h_end FROM (
                             SELECT unnest(generate_series($start::TIMESTAMPTZ,
                                 $now::TIMESTAMPTZ, INTERVAL 1 HOUR)) AS h)) hours
                     JOIN ({REQUEST_SPANS}) r ON r.requested_at <= h_end
                          AND (r.closed_at IS NULL OR r.closed_at > h_end)
                     WHERE {IN_ZONES}
                     GROUP BY h""",
    # rows the connectors inserted or updated (feeds have no zone)
    "feeds": """SELECT date_trunc('hour', finished_at) AS h, sum(inserted + updated)
                FROM ingest_runs WHERE finished_at >= $start AND finished_at <= $now
                  AND connector <> 'sim-backfill'
                GROUP BY h""",
}


def hourly_series(cur: duckdb.DuckDBPyConnection, now: datetime, domain: str) -> list:
    """The wall's sparkline: 24 hourly values of a domain's headline measure up to `now`,
    oldest first (None: no data), for the whole city."""
    return [v for _, v in hourly_points(cur, now, domain)]


def hourly_points(
    cur: duckdb.DuckDBPyConnection,
    now: datetime,
    domain: str,
    hours: int = 24,
    zones: list[str] | tuple = (),
) -> list[tuple[datetime, float | None]]:
    """(hour, value) of a domain's headline measure for `hours` hours up to `now`, oldest
    first (None: no data), in `zones` or the whole city."""
    starts = [
        r[0]
        for r in cur.execute(
            """SELECT unnest(generate_series(
                   date_trunc('hour', $now::TIMESTAMPTZ) - INTERVAL ($back) HOUR,
                   date_trunc('hour', $now::TIMESTAMPTZ), INTERVAL 1 HOUR))""",
            {"now": now, "back": hours - 1},
        ).fetchall()
    ]
    sql = HOURLY_SQL[domain]
    params = {"start": starts[0], "now": now, "zones": list(zones)}
    found = dict(cur.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall())
    return [(h, None if found.get(h) is None else float(found[h])) for h in starts]
