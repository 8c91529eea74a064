"""Named read queries behind the screens. GeoJSON is assembled inside DuckDB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import duckdb

# A reading older than this is not "now" on the live map.
LIVE_WINDOW = "INTERVAL 30 MINUTE"  # older readings are not "now": grey on the map


def feature_collection(cur: duckdb.DuckDBPyConnection, sql: str, params=None) -> str:
    """Run `sql` (selecting `feature` JSON values) and wrap them in a FeatureCollection."""
    wrapped = (
        "SELECT json_object('type', 'FeatureCollection', 'features', "
        f"coalesce(json_group_array(feature), '[]'::JSON))::VARCHAR FROM ({sql})"
    )
    return cur.execute(wrapped, params or []).fetchone()[0]


# Every container (in the zones and of the waste types given, if any: $zone, $waste_type)
# with its latest fill level and status: the waste layer's points.
CONTAINERS_NOW = f"""
    WITH latest AS (
        SELECT container_id, max(observed_at) AS observed_at,
               arg_max(fill_level, observed_at) AS fill_level,
               arg_max(status, observed_at) AS status
        FROM waste_readings
        WHERE observed_at > now() - {LIVE_WINDOW}
        GROUP BY container_id)
    SELECT c.* EXCLUDE (geom), l.fill_level, l.status, l.observed_at
    FROM waste_containers c LEFT JOIN latest l USING (container_id)
    WHERE c.lon IS NOT NULL
      AND (len($zone) = 0 OR list_contains($zone, c.zone_id))
      AND (len($waste_type) = 0 OR list_contains($waste_type, c.waste_type))"""
# A container's map properties, over CONTAINERS_NOW's columns: two decimals and epoch
# seconds, so 50,000 containers travel in under 1 MB.
CONTAINER_PROPERTIES = """json_object(
    'id', container_id, 'waste_type', waste_type, 'address', address, 'zone', zone_id,
    'capacity_l', capacity_l, 'fill', round(fill_level, 2), 'status', status,
    'observed_at', epoch(observed_at)::BIGINT)"""


def containers_geojson(
    cur: duckdb.DuckDBPyConnection, zone: list[str] = (), waste_type: list[str] = ()
) -> str:
    """Every container (in the zones and of the waste types given, if any) with its latest
    fill level and status."""
    return feature_collection(
        cur,
        f"""
        SELECT json_object(
            'type', 'Feature',
            'geometry', json_object(
                'type', 'Point', 'coordinates', [round(lon, 6), round(lat, 6)]),
            'properties', {CONTAINER_PROPERTIES}) AS feature
        FROM ({CONTAINERS_NOW})
        """,
        {"zone": list(zone), "waste_type": list(waste_type)},
    )


def segments_geojson(cur: duckdb.DuckDBPyConnection, zone: list[str] = ()) -> str:
    """Every road segment (in the zones given, if any) with its latest congestion ratio
    and speed."""
    return feature_collection(
        cur,
        f"""
        WITH latest AS (
            SELECT segment_id, max(observed_at) AS observed_at,
                   arg_max(speed_kmh, observed_at) AS speed_kmh,
                   arg_max(congestion_ratio, observed_at) AS ratio,
                   arg_max(congested, observed_at) AS congested
            FROM traffic_readings
            WHERE observed_at > now() - {LIVE_WINDOW}
            GROUP BY segment_id)
        SELECT json_object(
            'type', 'Feature',
            'geometry', ST_AsGeoJSON(s.geom)::JSON,
            'properties', json_object(
                'id', s.segment_id, 'name', s.name, 'road_class', s.road_class,
                'zone', s.zone_id,
                'freeflow_kmh', s.freeflow_kmh, 'speed_kmh', round(l.speed_kmh, 1),
                'ratio', round(l.ratio, 2), 'congested', l.congested,
                'observed_at', strftime(l.observed_at, '%Y-%m-%dT%H:%M:%SZ'))) AS feature
        FROM road_segments s LEFT JOIN latest l USING (segment_id)
        WHERE len($zone) = 0 OR list_contains($zone, s.zone_id)
        """,
        {"zone": list(zone)},
    )


def open_requests_geojson(
    cur: duckdb.DuckDBPyConnection, public: bool = False, zone: list[str] = ()
) -> str:
    """Open service requests (in the zones given, if any); `public` (the wall) leaves out
    the citizen's text and address."""
    citizen = "" if public else "'description', description, 'address', address,"
    return feature_collection(
        cur,
        f"""
        SELECT json_object(
            'type', 'Feature',
            'geometry', json_object('type', 'Point', 'coordinates', [round(lon, 6), round(lat, 6)]),
            'properties', json_object(
                'id', request_id, 'source', source, 'service', service_name, 'status', status,
                'zone', zone_id, {citizen}
                'requested_at', strftime(requested_at, '%Y-%m-%dT%H:%M:%SZ'))) AS feature
        FROM service_requests
        WHERE status = 'open' AND lon IS NOT NULL
          AND (len($zone) = 0 OR list_contains($zone, zone_id))
        ORDER BY requested_at
        """,
        {"zone": list(zone)},
    )


def feed_status(cur: duckdb.DuckDBPyConnection, at: datetime | None = None) -> list[dict]:
    """Per connector: its last run (with what it fetched and rejected: put in quarantine
    or already held there), last success and the rows of that success (as they stood at
    `at`, for a report of a past moment; now by default), its domain, and the newest
    observation it has delivered: its watermark, the newest observation time of its
    accepted records, never past the run that brought it (unknown at an `at` before it)."""
    rows = cur.execute(
        """
        SELECT r.*, CASE WHEN $at IS NULL OR s.watermark <= $at THEN s.watermark END
        FROM (
            SELECT connector,
                   arg_max(status, started_at) AS last_status,
                   max(finished_at) AS last_run_at,
                   arg_max(error, started_at) AS last_error,
                   max(finished_at) FILTER (status = 'ok') AS last_success_at,
                   arg_max(inserted + updated, finished_at) FILTER (status = 'ok') AS last_rows,
                   arg_max(fetched, started_at) AS last_fetched,
                   arg_max(quarantined + coalesce(held, 0), started_at) AS last_rejected,
                   arg_max(domain, started_at) AS domain
            FROM ingest_runs
            WHERE $at IS NULL OR finished_at <= $at
            GROUP BY connector
        ) r
        LEFT JOIN connector_state s USING (connector)
        ORDER BY connector
        """,
        {"at": at},
    ).fetchall()
    keys = ["connector", "last_status", "last_run_at", "last_error", "last_success_at", "last_rows",
            "last_fetched", "last_rejected", "domain", "newest_observed_at"]  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in rows]


def zones_geojson(cur: duckdb.DuckDBPyConnection, zone: list[str] = ()) -> str:
    """The zones' outlines (those given, if any)."""
    return feature_collection(
        cur,
        """
        SELECT json_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom)::JSON,
                           'properties', json_object('id', zone_id, 'name', name)) AS feature
        FROM zones WHERE len($zone) = 0 OR list_contains($zone, zone_id) ORDER BY zone_id
        """,
        {"zone": list(zone)},
    )


@dataclass(frozen=True)
class Layer:
    domain: str  # whose data version the layer follows
    query: Callable[..., str]  # (cursor, zone=[zone ids, none = all]) -> GeoJSON
    live: bool  # shows only recent readings, so it also changes as time passes


LAYERS: dict[str, Layer] = {
    "traffic": Layer("traffic", segments_geojson, live=True),
    "waste": Layer("waste", containers_geojson, live=True),
    "complaints": Layer("complaints", open_requests_geojson, live=False),
    "complaints_public": Layer("complaints", partial(open_requests_geojson, public=True), False),
    "zones": Layer("city", zones_geojson, live=False),
}
LIVE_BUCKET_S = 300  # a live layer is re-read at least this often, even with no new data


def layer_version(layer: str, versions: dict[str, int], now_s: float) -> str:
    """The version a layer's URL and cache key carry: data version (+ time bucket if live)."""
    spec = LAYERS[layer]
    version = str(versions.get(spec.domain, 0))
    return f"{version}.{int(now_s // LIVE_BUCKET_S)}" if spec.live else version


def segment_lengths(cur: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, float]]:
    """segment_id -> (length in m, free-flow speed in km/h), for deriving travel times."""
    rows = cur.execute("SELECT segment_id, length_m, freeflow_kmh FROM road_segments").fetchall()
    return {sid: (length, freeflow) for sid, length, freeflow in rows}


def open_requests(cur: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, object]]:
    """(request_id, requested_at) of the requests from `source` that we hold as open."""
    return cur.execute(
        "SELECT request_id, requested_at FROM service_requests "
        "WHERE source = ? AND status = 'open' ORDER BY requested_at",
        [source],
    ).fetchall()
