"""Each zone's hours, kept for years: per zone, domain, kind (a container's waste type, a
segment's road class) and hour, how many readings and features, their mean and peak
value (fill 0-1, congestion ratio) and the share that was high (a bin over 80 % full, a
segment flagged congested). About a million rows a year at any number of features, so a
year's KPIs read these and never a feature's rows (`year_by_month`).

They are rolled from the raw readings at each retention pass: every hour whose raw
readings the zone hours do not count yet (new hours, and older ones where readings came
late: a file export, a feed catching up after an outage), its rows replaced whole (a
feature that changed zone leaves no row behind). An hour whose raw readings are gone
(past `retention.raw_days`) is never rolled again. A feature outside every zone counts
under zone ''."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

FULL = 0.8  # a bin over this fill counts as full, as on the wall's trend (store.wall)

_SOURCES = {
    "waste": f"""
        SELECT 'waste' AS domain, coalesce(c.zone_id, '') AS zone_id,
               coalesce(c.waste_type, '') AS kind,
               time_bucket(INTERVAL 1 HOUR, r.observed_at) AS bucket,
               count(*) AS readings, count(DISTINCT r.container_id)::INTEGER AS features,
               avg(r.fill_level) AS value_avg, max(r.fill_level) AS value_max,
               avg((r.fill_level > {FULL})::INTEGER) AS high_share
        FROM waste_readings r LEFT JOIN waste_containers c USING (container_id)
        WHERE r.observed_at >= $since AND r.observed_at < $before GROUP BY ALL""",
    "traffic": """
        SELECT 'traffic' AS domain, coalesce(s.zone_id, '') AS zone_id,
               coalesce(s.road_class, '') AS kind,
               time_bucket(INTERVAL 1 HOUR, r.observed_at) AS bucket,
               count(*) AS readings, count(DISTINCT r.segment_id)::INTEGER AS features,
               avg(r.congestion_ratio) AS value_avg, max(r.congestion_ratio) AS value_max,
               avg(r.congested::INTEGER) AS high_share
        FROM traffic_readings r LEFT JOIN road_segments s USING (segment_id)
        WHERE r.observed_at >= $since AND r.observed_at < $before GROUP BY ALL""",
}
# Per domain and hour, the raw readings held, against those the zone hours count.
_UNCOUNTED = """
    WITH raw AS (
        SELECT 'waste' AS domain, time_bucket(INTERVAL 1 HOUR, observed_at) AS bucket,
               count(*) AS n FROM waste_readings WHERE observed_at < $before GROUP BY ALL
        UNION ALL
        SELECT 'traffic', time_bucket(INTERVAL 1 HOUR, observed_at), count(*)
        FROM traffic_readings WHERE observed_at < $before GROUP BY ALL),
    counted AS (SELECT domain, bucket, sum(readings) AS n FROM zone_rollups
                WHERE bucket >= (SELECT min(bucket) FROM raw) GROUP BY ALL)
    SELECT DISTINCT raw.bucket FROM raw LEFT JOIN counted USING (domain, bucket)
    WHERE counted.n IS DISTINCT FROM raw.n ORDER BY 1"""


def hours_to_roll(cur: duckdb.DuckDBPyConnection, before: datetime) -> list[datetime]:
    """The hours before `before` whose raw readings the zone hours do not count yet,
    oldest first."""
    return [r[0] for r in cur.execute(_UNCOUNTED, {"before": before}).fetchall()]


def roll_zone_hours(cur: duckdb.DuckDBPyConnection, since: datetime, before: datetime) -> int:
    """Roll the raw readings observed in [since, before) into their zone hours, replacing
    those hours' rows (`since` and `before` on the hour); zone hours written."""
    written, span = 0, {"since": since, "before": before}
    for domain, source in _SOURCES.items():
        cur.execute("DELETE FROM zone_rollups WHERE domain = $domain AND bucket >= $since "
                    "AND bucket < $before", {**span, "domain": domain})  # fmt: skip
        written += cur.execute(f"INSERT INTO zone_rollups {source}", span).fetchone()[0]
    return written


def year_by_month(
    cur: duckdb.DuckDBPyConnection, domain: str, until: datetime, tz: str, zones: list[str] = ()
) -> pa.Table:
    """A year's KPIs of one domain, per local month (the eleven before `until`'s and its
    own, up to `until`), over the zones given (none: the city): readings, the mean value
    weighted by readings, the peak, and the high share (full bins, congested readings),
    from the zone hours alone (hours without a value leave the means)."""
    return cur.execute(
        """SELECT date_trunc('month', timezone($tz, bucket))::DATE AS month,
                   sum(readings)::BIGINT AS readings,
                   sum(value_avg * readings) / sum(readings) FILTER (WHERE value_avg IS NOT NULL)
                       AS value_avg,
                   max(value_max) AS value_max,
                   sum(high_share * readings) / sum(readings) FILTER (WHERE high_share IS NOT
                       NULL) AS high_share
            FROM zone_rollups
            WHERE domain = $domain AND bucket < $until AND bucket >= timezone($tz,
                  date_trunc('month', timezone($tz, $until)) - INTERVAL 11 MONTH)
              AND (len($zones) = 0 OR list_contains($zones, zone_id))
            GROUP BY ALL ORDER BY month""",
        {"domain": domain, "until": until, "tz": tz, "zones": list(zones)},
    ).fetch_arrow_table()
