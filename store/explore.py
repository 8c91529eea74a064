"""Named queries behind `/explore`: a feature's history, a zone's figures, filter choices."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa


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
