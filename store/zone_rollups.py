"""Each zone's hours, kept for years: per zone, domain, kind (a container's waste type, a
segment's road class) and hour, how many readings and features, their mean and peak
value (fill 0-1, congestion ratio) and the share that was high (a bin over 80 % full, a
segment flagged congested). About a million rows a year at any number of features, so a
year's KPIs read these and never a feature's rows (`year_by_month`).

They are rolled from the raw readings at each retention pass, the last hours again (a
reading may come late), and replace what was there for those hours. A feature outside
every zone counts under zone ''."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from store.retention import oldest_reading

FULL = 0.8  # a bin over this fill counts as full, as on the wall's trend (store.wall)
AGAIN = timedelta(hours=3)  # the last hours rolled again at each pass: late readings

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
_MERGE = """
MERGE INTO zone_rollups t USING ({source}) s
ON t.domain = s.domain AND t.zone_id = s.zone_id AND t.kind = s.kind AND t.bucket = s.bucket
WHEN MATCHED THEN UPDATE SET readings = s.readings, features = s.features,
    value_avg = s.value_avg, value_max = s.value_max, high_share = s.high_share
WHEN NOT MATCHED THEN INSERT (domain, zone_id, kind, bucket, readings, features, value_avg,
    value_max, high_share)
    VALUES (s.domain, s.zone_id, s.kind, s.bucket, s.readings, s.features, s.value_avg,
            s.value_max, s.high_share)
"""


def next_hour_to_roll(cur: duckdb.DuckDBPyConnection) -> datetime | None:
    """Where the next pass starts: a few hours before the newest zone hour (late readings),
    or at the oldest raw reading when none is rolled yet (None: nothing to roll)."""
    newest = cur.execute("SELECT max(bucket) FROM zone_rollups").fetchone()[0]
    if newest is not None:
        return newest + timedelta(hours=1) - AGAIN
    return oldest_reading(cur)


def roll_zone_hours(cur: duckdb.DuckDBPyConnection, since: datetime, before: datetime) -> int:
    """Roll the raw readings observed in [since, before) into their zone hours, replacing
    those hours' rows (`since` and `before` on the hour); zone hours written."""
    written = 0
    for source in _SOURCES.values():
        written += cur.execute(_MERGE.format(source=source),
                               {"since": since, "before": before}).fetchone()[0]  # fmt: skip
    return written


def year_by_month(
    cur: duckdb.DuckDBPyConnection, domain: str, until: datetime, tz: str, zones: list[str] = ()
) -> pa.Table:
    """A year's KPIs of one domain up to `until`, per local month, over the zones given
    (none: the city): readings, the mean value weighted by readings, the peak, and the
    high share (full bins, congested readings), from the zone hours alone."""
    return cur.execute(
        """SELECT date_trunc('month', timezone($tz, bucket))::DATE AS month,
                   sum(readings)::BIGINT AS readings,
                   sum(value_avg * readings) / sum(readings) AS value_avg,
                   max(value_max) AS value_max,
                   sum(high_share * readings) / sum(readings) AS high_share
            FROM zone_rollups
            WHERE domain = $domain AND bucket >= $until - INTERVAL 365 DAY AND bucket < $until
              AND (len($zones) = 0 OR list_contains($zones, zone_id))
            GROUP BY ALL ORDER BY month""",
        {"domain": domain, "until": until, "tz": tz, "zones": list(zones)},
    ).fetch_arrow_table()
