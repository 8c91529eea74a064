"""The reads behind the cross-domain signals (issue 19): overflow reports with the
readings of the containers near them at the report's time, containers full without a
break, road reports and the speeds of the segments they are near against those
segments' own profile, and sensors that send one value. Each returns candidates; which
of them are signals, and why, is `analytics/signals.py`'s."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

READING_FRESH_H = 6  # a report is judged against a reading at most this old
STILL_SENDING_H = 2  # a sensor silent for longer is the feeds' problem, not a signal's


def reports(cur: duckdb.DuckDBPyConnection, codes: list[str], since: datetime,
            until: datetime) -> pd.DataFrame:  # fmt: skip
    """Requests of `codes` made in [since, until], with a place."""
    return cur.execute(
        """SELECT source, request_id, service_code, requested_at, lon, lat, address, status
           FROM service_requests
           WHERE service_code IN (SELECT unnest(?)) AND requested_at BETWEEN ? AND ?
             AND lon IS NOT NULL AND lat IS NOT NULL
           ORDER BY requested_at""", [codes, since, until]).df()  # fmt: skip


def readings_near_reports(
    cur: duckdb.DuckDBPyConnection, codes: list[str], since: datetime, until: datetime,
    box_lat: float, box_lon: float,
) -> pd.DataFrame:  # fmt: skip
    """Each report of `codes` in [since, until] paired with every container in a box of
    ±box_lat / ±box_lon degrees around it, and that container's reading at or before the
    report's time (none if older than READING_FRESH_H)."""
    return cur.execute(
        f"""WITH r AS (
              SELECT source, request_id, requested_at, lon, lat, address FROM service_requests
              WHERE service_code IN (SELECT unnest($codes)) AND requested_at BETWEEN $since
                AND $until AND lon IS NOT NULL AND lat IS NOT NULL),
            p AS (
              SELECT r.*, c.container_id, c.lon AS c_lon, c.lat AS c_lat,
                     c.address AS c_address, c.zone_id
              FROM r JOIN waste_containers c
                ON abs(c.lat - r.lat) <= $box_lat AND abs(c.lon - r.lon) <= $box_lon),
            w AS (
              SELECT container_id, observed_at, fill_level FROM waste_readings
              WHERE observed_at BETWEEN $since - INTERVAL {READING_FRESH_H} HOUR AND $until)
            SELECT p.*, w.fill_level, w.observed_at AS read_at
            FROM p ASOF LEFT JOIN w
              ON p.container_id = w.container_id AND p.requested_at >= w.observed_at
            ORDER BY p.requested_at, p.request_id, p.container_id""",
        {"codes": codes, "since": since, "until": until, "box_lat": box_lat,
         "box_lon": box_lon}).df()  # fmt: skip


def full_containers(cur: duckdb.DuckDBPyConnection, now: datetime, level: float,
                    hours: float) -> pd.DataFrame:  # fmt: skip
    """Containers whose every reading for at least `hours` up to now is ≥ `level`: since
    when, the newest fill, their newest collection since then (if any), and whether the
    newest collection plan has a round for their zone."""
    lookback = now - timedelta(hours=2 * hours)
    return cur.execute(
        f"""WITH w AS (
              SELECT container_id, observed_at, fill_level FROM waste_readings
              WHERE observed_at > $lookback AND observed_at <= $now),
            l AS (
              SELECT container_id, max(observed_at) FILTER (WHERE fill_level < $level) AS low,
                     max(observed_at) AS latest
              FROM w GROUP BY 1),
            f AS (
              SELECT w.container_id, min(w.observed_at) AS full_since,
                     arg_max(w.fill_level, w.observed_at) AS fill, count(*) AS readings
              FROM w JOIN l USING (container_id)
              WHERE l.low IS NULL OR w.observed_at > l.low GROUP BY 1),
            planned AS (
              SELECT zone_id FROM collection_zones
              WHERE stops > 0 AND plan_id = (SELECT max(plan_id) FROM collection_plans))
            SELECT f.container_id, c.zone_id, c.address, c.lon, c.lat, f.full_since, f.fill,
                   f.readings, l.latest,
                   (SELECT max(collected_at) FROM waste_collections k
                    WHERE k.container_id = f.container_id
                      AND k.collected_at >= f.full_since) AS collected_at,
                   c.zone_id IN (SELECT zone_id FROM planned) AS planned
            FROM f JOIN l USING (container_id) JOIN waste_containers c USING (container_id)
            WHERE f.full_since <= $now - INTERVAL (CAST($hours * 3600 AS BIGINT)) SECOND
              AND l.latest >= $now - INTERVAL {STILL_SENDING_H} HOUR
            ORDER BY f.full_since, f.container_id""",
        {"lookback": lookback, "now": now, "level": level, "hours": hours}).df()  # fmt: skip


def segments(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every road segment's id, name, zone, length (m) and line (WKB bytes)."""
    frame = cur.execute(
        "SELECT segment_id, name, zone_id, length_m, ST_AsWKB(geom) AS wkb FROM road_segments "
        "WHERE geom IS NOT NULL ORDER BY segment_id").df()  # fmt: skip
    frame["wkb"] = frame["wkb"].map(bytes)
    return frame


def speed_against_profile(
    cur: duckdb.DuckDBPyConnection, segment_ids: list[str], now: datetime, tz: str,
    profile_days: int = 14,
) -> pd.DataFrame:  # fmt: skip
    """For each segment, the median over the last 24 h's (hour, kind of day) slots of its
    median speed then against its median in the same slot over the `profile_days` before:
    1 = as usual, 0.7 = 30 % slower. `slots`: how many slots were compared."""
    if not segment_ids:
        return pd.DataFrame(columns=["segment_id", "ratio", "recent_kmh", "usual_kmh", "slots"])
    return cur.execute(
        """WITH r AS (
              SELECT segment_id, observed_at, speed_kmh,
                     hour(timezone($tz, observed_at))
                       + 24 * CAST(isodow(timezone($tz, observed_at)) >= 6 AS INTEGER) AS slot
              FROM traffic_readings
              WHERE segment_id IN (SELECT unnest($ids)) AND speed_kmh > 0
                AND observed_at > $now - to_days(CAST($days + 1 AS INTEGER))
                AND observed_at <= $now),
            recent AS (SELECT segment_id, slot, median(speed_kmh) AS s FROM r
                       WHERE observed_at > $now - INTERVAL 24 HOUR GROUP BY ALL),
            usual AS (SELECT segment_id, slot, median(speed_kmh) AS s FROM r
                      WHERE observed_at <= $now - INTERVAL 24 HOUR GROUP BY ALL)
            SELECT segment_id, median(recent.s / usual.s) AS ratio,
                   median(recent.s) AS recent_kmh, median(usual.s) AS usual_kmh,
                   count(*) AS slots
            FROM recent JOIN usual USING (segment_id, slot)
            GROUP BY 1 ORDER BY 1""",
        {"ids": segment_ids, "now": now, "tz": tz, "days": profile_days}).df()  # fmt: skip


STUCK_SOURCES = {  # domain: (readings, key, value, features, lowest, highest, place, where)
    "waste": ("waste_readings", "container_id", "fill_level", "waste_containers", 0.02, 0.98,
              "f.address", "f.lon, f.lat"),
    "traffic": ("traffic_readings", "segment_id", "speed_kmh", "road_segments", 0.0, None,
                "f.name", "ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom))"),
}


def same_value(cur: duckdb.DuckDBPyConnection, domain: str, now: datetime,
               days: float) -> pd.DataFrame:  # fmt: skip
    """Sensors of `domain` whose every reading for at least `days` up to now was one
    value (strictly between the scale's ends), and which still send: since when, the
    value, how many readings."""
    table, key, value, features, lowest, highest, place, where = STUCK_SOURCES[domain]
    bounds = f"l.v > {lowest}" + (f" AND l.v < {highest}" if highest is not None else "")
    lon, lat = where.split(", ")
    return cur.execute(
        f"""WITH w AS (
              SELECT {key} AS feature_id, observed_at, {value} AS v FROM {table}
              WHERE observed_at
                      > $now - INTERVAL (CAST($days * 2 * 86400 + 86400 AS BIGINT)) SECOND
                AND observed_at <= $now AND {value} IS NOT NULL),
            l AS (SELECT feature_id, arg_max(v, observed_at) AS v, max(observed_at) AS latest,
                         min(observed_at) AS first_seen FROM w GROUP BY 1),
            c AS (SELECT w.feature_id,
                         max(w.observed_at) FILTER (WHERE w.v <> l.v) AS changed_at,
                         count(*) FILTER (WHERE w.v = l.v) AS readings
                  FROM w JOIN l USING (feature_id) GROUP BY 1)
            SELECT l.feature_id, {place} AS place, f.zone_id, {lon} AS lon, {lat} AS lat,
                   l.v AS value, l.latest,
                   coalesce(c.changed_at, l.first_seen) AS same_since, c.readings
            FROM l JOIN c USING (feature_id) JOIN {features} f ON f.{key} = l.feature_id
            WHERE coalesce(c.changed_at, l.first_seen)
                    <= $now - INTERVAL (CAST($days * 86400 AS BIGINT)) SECOND
              AND l.latest >= $now - INTERVAL {STILL_SENDING_H} HOUR AND {bounds}
            ORDER BY same_since, l.feature_id""",
        {"now": now, "days": days}).df()  # fmt: skip
