"""Named queries behind `/explore`: a feature's history, a zone's figures, filter choices."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from store.queries import LIVE_WINDOW


def container_history(
    cur: duckdb.DuckDBPyConnection, container_id: str, since: datetime, until: datetime
) -> dict[str, pa.Table]:
    """Fill level over time and the collections in the same period."""
    readings = cur.execute(
        """SELECT observed_at, fill_level, status FROM waste_readings
           WHERE container_id = $id AND observed_at BETWEEN $since AND $until
           ORDER BY observed_at""",
        {"id": container_id, "since": since, "until": until},
    ).fetch_arrow_table()
    collections = cur.execute(
        """SELECT collected_at, vehicle_id FROM waste_collections
           WHERE container_id = $id AND collected_at BETWEEN $since AND $until
           ORDER BY collected_at""",
        {"id": container_id, "since": since, "until": until},
    ).fetch_arrow_table()
    return {"readings": readings, "collections": collections}


def segment_history(
    cur: duckdb.DuckDBPyConnection, segment_id: str, since: datetime, until: datetime, tz: str
) -> dict[str, pa.Table]:
    """Observed speed over time, and the weekday profile: mean speed per local hour."""
    readings = cur.execute(
        """SELECT observed_at, speed_kmh, congestion_ratio FROM traffic_readings
           WHERE segment_id = $id AND observed_at BETWEEN $since AND $until
           ORDER BY observed_at""",
        {"id": segment_id, "since": since, "until": until},
    ).fetch_arrow_table()
    profile = cur.execute(
        f"""SELECT hour(timezone('{tz}', observed_at)) AS hour, avg(speed_kmh) AS speed_kmh,
                  count(*) AS readings
           FROM traffic_readings
           WHERE segment_id = $id AND observed_at BETWEEN $since AND $until
             AND isodow(timezone('{tz}', observed_at)) <= 5
           GROUP BY ALL ORDER BY hour""",
        {"id": segment_id, "since": since, "until": until},
    ).fetch_arrow_table()
    return {"readings": readings, "profile": profile}


def complaint_timeline(cur: duckdb.DuckDBPyConnection, source: str, request_id: str) -> pa.Table:
    """Every status the request went through, oldest first."""
    return cur.execute(
        """SELECT status, changed_at FROM service_request_events
           WHERE source = $source AND request_id = $id ORDER BY changed_at""",
        {"source": source, "id": request_id},
    ).fetch_arrow_table()


def feature_record(cur: duckdb.DuckDBPyConnection, kind: str, key: str) -> dict | None:
    """The stored row of one feature (no geometry), for the detail panel."""
    sql = {
        "waste": "SELECT * EXCLUDE (geom) FROM waste_containers WHERE container_id = $key",
        "traffic": "SELECT * EXCLUDE (geom) FROM road_segments WHERE segment_id = $key",
        "complaints": "SELECT * FROM service_requests WHERE request_id = $key",
    }[kind]
    cursor = cur.execute(sql, {"key": key})
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def filter_choices(cur: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """The values each filter can take, as the data has them."""

    def values(sql: str) -> list:
        return [r[0] for r in cur.execute(sql).fetchall()]

    return {
        "zone": [
            list(r)
            for r in cur.execute(
                "SELECT zone_id, coalesce(name, zone_id) FROM zones ORDER BY name"
            ).fetchall()
        ],
        "waste_type": values(
            "SELECT DISTINCT waste_type FROM waste_containers "
            "WHERE waste_type IS NOT NULL ORDER BY 1"
        ),
        "road_class": values("SELECT DISTINCT road_class FROM road_segments ORDER BY 1"),
        "service": values(
            "SELECT DISTINCT service_name FROM service_requests "
            "WHERE service_name IS NOT NULL ORDER BY 1"
        ),
    }


ROW_QUERIES = {
    "waste": f"""
        WITH latest AS (
            SELECT container_id, max(observed_at) AS observed_at,
                   arg_max(fill_level, observed_at) AS fill_level,
                   arg_max(status, observed_at) AS status
            FROM waste_readings WHERE observed_at > now() - {LIVE_WINDOW} GROUP BY ALL)
        SELECT c.container_id, c.waste_type, z.name AS zone, c.address,
               round(l.fill_level * 100, 1) AS fill_pct, l.status, l.observed_at
        FROM waste_containers c LEFT JOIN latest l USING (container_id)
        LEFT JOIN zones z ON z.zone_id = c.zone_id
        WHERE c.lon IS NOT NULL
          AND (len($zone) = 0 OR list_contains($zone, c.zone_id))
          AND (len($waste_type) = 0 OR list_contains($waste_type, c.waste_type))
        ORDER BY fill_pct DESC NULLS LAST, c.container_id""",
    "traffic": f"""
        WITH latest AS (
            SELECT segment_id, max(observed_at) AS observed_at,
                   arg_max(speed_kmh, observed_at) AS speed_kmh,
                   arg_max(congestion_ratio, observed_at) AS ratio
            FROM traffic_readings WHERE observed_at > now() - {LIVE_WINDOW} GROUP BY ALL)
        SELECT s.segment_id, s.name, s.road_class, z.name AS zone, s.freeflow_kmh,
               round(l.speed_kmh, 1) AS speed_kmh, round(l.ratio, 2) AS ratio, l.observed_at
        FROM road_segments s LEFT JOIN latest l USING (segment_id)
        LEFT JOIN zones z ON z.zone_id = s.zone_id
        WHERE (len($zone) = 0 OR list_contains($zone, s.zone_id))
          AND (len($road_class) = 0 OR list_contains($road_class, s.road_class))
        ORDER BY ratio DESC NULLS LAST, s.segment_id""",
    "complaints": """
        SELECT r.request_id, r.service_name, r.status, z.name AS zone, r.requested_at,
               r.expected_at, r.address, r.description
        FROM service_requests r LEFT JOIN zones z ON z.zone_id = r.zone_id
        WHERE r.status = 'open' AND r.lon IS NOT NULL
          AND (len($zone) = 0 OR list_contains($zone, r.zone_id))
          AND (len($service) = 0 OR list_contains($service, r.service_name))
        ORDER BY r.requested_at""",
}
ROW_FILTERS = {
    "waste": ("zone", "waste_type"),
    "traffic": ("zone", "road_class"),
    "complaints": ("zone", "service"),
}
PERSONAL_COLUMNS = ("address", "description")


def layer_rows(
    cur: duckdb.DuckDBPyConnection, layer: str, filters: dict[str, list[str]], personal: bool
) -> pa.Table:
    """Exactly the features a filtered layer draws, as rows (no geometry)."""
    params = {name: list(filters.get(name) or []) for name in ROW_FILTERS[layer]}
    table = cur.execute(ROW_QUERIES[layer], params).fetch_arrow_table()
    if layer == "complaints" and not personal:  # complainants' own words and address
        table = table.drop_columns(list(PERSONAL_COLUMNS))
    return table


def zone_summary(cur: duckdb.DuckDBPyConnection, zone_id: str) -> dict | None:
    """A zone's name and extent [west, south, east, north]."""
    row = cur.execute(
        """SELECT coalesce(name, zone_id), ST_XMin(geom), ST_YMin(geom), ST_XMax(geom),
                  ST_YMax(geom) FROM zones WHERE zone_id = $id""",
        {"id": zone_id},
    ).fetchone()
    return None if row is None else {"name": row[0], "bounds": list(row[1:])}
