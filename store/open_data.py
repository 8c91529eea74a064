"""The reads behind C3's open data and its NGSI-LD view (issue 20): readings and rollups
over a time window as Arrow tables, what tells a window's rows were rewritten by the
retention pass, the entities' current state (each container and road segment with its
newest reading), and the open complaints as C3 publishes them (store.published_requests:
no description, no address, the nearest street's name). No personal data leaves here."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from store.published_requests import _PUBLISHED, _WITH_STREET, _dicts

# The history views (store/migrations/011_grains.sql): raw readings, and before them the
# rollups' bucket means at the bucket's start; column names carry their units.
HISTORY = {
    "waste": """SELECT container_id, observed_at, fill_level, temperature_c, status
                FROM waste_history WHERE observed_at >= $start AND observed_at < $end
                ORDER BY observed_at, container_id""",
    "traffic": """SELECT segment_id, observed_at, speed_kmh, travel_time_s, congestion_ratio,
                         congested
                  FROM traffic_history WHERE observed_at >= $start AND observed_at < $end
                  ORDER BY observed_at, segment_id""",
}
ROLLUPS = {
    "waste": """SELECT container_id, grain_minutes, bucket, readings, fill_avg, fill_min,
                       fill_max, fill_last, last_at, temperature_avg AS temperature_avg_c,
                       status_last
                FROM waste_rollups
                WHERE grain_minutes = $grain AND bucket >= $start AND bucket < $end
                ORDER BY bucket, container_id""",
    "traffic": """SELECT segment_id, grain_minutes, bucket, readings,
                         speed_avg AS speed_avg_kmh, travel_time_avg AS travel_time_avg_s,
                         congestion_avg, congestion_max, congested_share, last_at
                  FROM traffic_rollups
                  WHERE grain_minutes = $grain AND bucket >= $start AND bucket < $end
                  ORDER BY bucket, segment_id""",
}
# What a retention pass moves (the oldest raw reading, the oldest bucket of each grain):
# a window's rows change when it does, with no new data version.
RETENTION_MARK = """
    SELECT (SELECT min(observed_at) FROM {readings}),
           (SELECT string_agg(grain_minutes || '@' || b, ',' ORDER BY grain_minutes)
            FROM (SELECT grain_minutes, min(bucket) AS b FROM {rollups} GROUP BY ALL))"""
BATCH = 65_536  # rows read at a time
TABLES = {"waste": ("waste_readings", "waste_rollups"),
          "traffic": ("traffic_readings", "traffic_rollups")}  # fmt: skip


def history(cur: duckdb.DuckDBPyConnection, domain: str, start: datetime,
            end: datetime) -> pa.RecordBatchReader:  # fmt: skip
    """The `domain`'s ("waste" or "traffic") readings observed in [start, end), raw or
    rolled up (a bucket's mean at its start), oldest first, a batch at a time (a month of
    a city's traffic is not held in memory whole)."""
    return cur.execute(HISTORY[domain], {"start": start, "end": end}).fetch_record_batch(BATCH)


def rollups(cur: duckdb.DuckDBPyConnection, domain: str, grain: int, start: datetime,
            end: datetime) -> pa.RecordBatchReader:  # fmt: skip
    """The `domain`'s `grain`-minute buckets that begin in [start, end), oldest first, a
    batch at a time."""
    params = {"grain": grain, "start": start, "end": end}
    return cur.execute(ROLLUPS[domain], params).fetch_record_batch(BATCH)


def retention_mark(cur: duckdb.DuckDBPyConnection, domain: str) -> str:
    """Where the retention pass stands for `domain`, as text (part of an ETag)."""
    readings, rolled = TABLES[domain]
    return repr(cur.execute(RETENTION_MARK.format(readings=readings, rollups=rolled)).fetchone())


# --- the NGSI-LD view: each feature's current state, paged by id ---------------------

CONTAINER_STATE = """
    WITH latest AS (
        SELECT container_id, max(observed_at) AS observed_at,
               arg_max(fill_level, observed_at) AS fill_level,
               arg_max(temperature_c, observed_at) AS temperature_c,
               arg_max(status, observed_at) AS status
        FROM waste_readings WHERE list_contains($ids, container_id) OR len($ids) = 0
        GROUP BY container_id),
    emptied AS (
        SELECT container_id, max(collected_at) AS emptied_at FROM waste_collections
        WHERE list_contains($ids, container_id) OR len($ids) = 0 GROUP BY container_id)
    SELECT c.container_id AS id, c.lon, c.lat, c.address, c.zone_id, c.waste_type,
           c.capacity_l, l.fill_level, l.temperature_c, l.status, l.observed_at,
           e.emptied_at
    FROM waste_containers c LEFT JOIN latest l USING (container_id)
    LEFT JOIN emptied e USING (container_id)
    WHERE c.lon IS NOT NULL AND (len($ids) = 0 OR list_contains($ids, c.container_id))"""
FLOW_STATE = """
    WITH latest AS (
        SELECT segment_id, max(observed_at) AS observed_at,
               arg_max(speed_kmh, observed_at) AS speed_kmh,
               arg_max(congested, observed_at) AS congested,
               arg_max(intensity, observed_at) AS intensity,
               arg_max(occupancy, observed_at) AS occupancy
        FROM traffic_readings WHERE list_contains($ids, segment_id) OR len($ids) = 0
        GROUP BY segment_id)
    SELECT s.segment_id AS id, ST_AsGeoJSON(s.geom) AS geometry, s.name, s.zone_id,
           l.speed_kmh, l.congested, l.intensity, l.occupancy, l.observed_at
    FROM road_segments s LEFT JOIN latest l USING (segment_id)
    WHERE s.geom IS NOT NULL AND (len($ids) = 0 OR list_contains($ids, s.segment_id))"""
STATES = {"WasteContainer": CONTAINER_STATE, "TrafficFlowObserved": FLOW_STATE}


def entity_states(cur: duckdb.DuckDBPyConnection, kind: str, ids: list[str], limit: int,
                  offset: int) -> tuple[list[dict], int]:  # fmt: skip
    """A page of the `kind` features (those of `ids`, if any) in id order, each a dict
    of its columns, and how many there are in all."""
    params = {"ids": list(ids)}
    total = cur.execute(f"SELECT count(*) FROM ({STATES[kind]})", params).fetchone()[0]
    if limit == 0:
        return [], total
    found = cur.execute(
        f"SELECT * FROM ({STATES[kind]}) ORDER BY id LIMIT $limit OFFSET $offset",
        {**params, "limit": limit, "offset": min(offset, total)},  # past the end: none
    )
    return _dicts(found), total


# --- complaints: as C3 publishes them (store.published_requests) ------------------------

# the open requests with a place, each with its nearest street; newest filed first
OPEN_PUBLISHED = f"""{_PUBLISHED},
    chosen AS (SELECT * FROM published WHERE status = 'open' AND lon IS NOT NULL)
    SELECT service_request_id, service_code, service_name, agency_responsible, zone_id,
           requested_at, expected_at, street, lon, lat
    FROM ({_WITH_STREET}) ORDER BY requested_at DESC, service_request_id"""


def open_published(cur: duckdb.DuckDBPyConnection, primary: str) -> list[dict]:
    """Every request open as published (closed when the source closed it or C3 validated
    its fix) that has a place: its published id, type, zone, times, street and point
    (to four decimals). No cap: the open-data layer holds them all."""
    return _dicts(cur.execute(OPEN_PUBLISHED, {"primary": primary}))


def published_count(cur: duckdb.DuckDBPyConnection, primary: str) -> int:
    """How many requests C3 publishes."""
    return cur.execute(f"{_PUBLISHED} SELECT count(*) FROM published",
                       {"primary": primary}).fetchone()[0]  # fmt: skip
