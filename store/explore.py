"""Named queries behind `/explore`: a feature's history, a zone's figures, filter choices.
Histories read `waste_history` and `traffic_history` (raw readings, and where they are
gone the finest rollup still kept: store.retention); the time slider's frames read the
readings and rollups themselves, each rollup grain over its own span."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import h3
import pyarrow as pa

from store import grid
from store.explore_filters import LAYER_FILTERS, REQUEST_FILTERS
from store.queries import LIVE_WINDOW, feature_collection


def container_history(
    cur: duckdb.DuckDBPyConnection, container_id: str, since: datetime, until: datetime
) -> dict[str, pa.Table]:
    """Fill level over time and the collections in the same period."""
    readings = cur.execute(
        """SELECT observed_at, fill_level, status FROM waste_history
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
        """SELECT observed_at, speed_kmh, congestion_ratio FROM traffic_history
           WHERE segment_id = $id AND observed_at BETWEEN $since AND $until
           ORDER BY observed_at""",
        {"id": segment_id, "since": since, "until": until},
    ).fetch_arrow_table()
    profile = cur.execute(
        f"""SELECT hour(timezone('{tz}', observed_at)) AS hour, avg(speed_kmh) AS speed_kmh,
                  count(*) AS readings
           FROM traffic_history
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


def feature_zone(
    cur: duckdb.DuckDBPyConnection, kind: str, key: str, source: str | None = None
) -> str | None:
    """The zone a container, segment or request lies in (None: outside every zone, or
    not in the store)."""
    record = feature_record(cur, kind, key, source)
    return None if record is None else record.get("zone_id")


def feature_record(
    cur: duckdb.DuckDBPyConnection, kind: str, key: str, source: str | None = None
) -> dict | None:
    """The stored row of one feature (no geometry), for the detail panel; a request is
    named by its feed (`source`) too, since two feeds may use the same id."""
    sql = {
        "waste": "SELECT * EXCLUDE (geom) FROM waste_containers WHERE container_id = $key",
        "traffic": "SELECT * EXCLUDE (geom) FROM road_segments WHERE segment_id = $key",
        "complaints": "SELECT * FROM service_requests WHERE request_id = $key "
        "AND ($source IS NULL OR source = $source) ORDER BY source",  # the same one each time
    }[kind]
    params = {"key": key, "source": source} if kind == "complaints" else {"key": key}
    cursor = cur.execute(sql, params)
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
        "status": ["open", "closed"],  # at the slider's moment
    }


# The state of a reading layer at a moment: each feature's latest reading no older than
# LIVE_WINDOW before it (the same rule the live map uses for "now"), or where the readings
# are rolled up, the bucket that holds the moment (a day's mean at a moment a year back).
_STATE_OF = """
    SELECT {key} AS id, {values}, max(observed_at) AS observed_at,
           arg_max(grain, observed_at) AS grain
    FROM (SELECT {key}, observed_at, {raw}, 0 AS grain FROM {table}_readings
          WHERE observed_at > $at - {live} AND observed_at <= $at
          UNION ALL
          SELECT {key}, bucket, {rolled}, grain_minutes FROM {table}_rollups
          WHERE bucket > $at - INTERVAL 1 DAY AND bucket <= $at
            AND bucket > $at - greatest({live}, to_minutes(grain_minutes)))
    GROUP BY ALL"""
_STATE = {
    "waste": _STATE_OF.format(key="container_id", table="waste", live=LIVE_WINDOW,
        raw="fill_level, status", rolled="fill_avg, status_last", values="arg_max(fill_level, "
        "observed_at) AS fill_level, arg_max(status, observed_at) AS status"),
    "traffic": _STATE_OF.format(key="segment_id", table="traffic", live=LIVE_WINDOW,
        raw="speed_kmh, congestion_ratio", rolled="speed_avg, congestion_avg", values="arg_max("
        "speed_kmh, observed_at) AS speed_kmh, arg_max(congestion_ratio, observed_at) AS ratio"),
}  # fmt: skip


def frame(cur: duckdb.DuckDBPyConnection, at: datetime, zone: list[str] = ()) -> str:
    """The map's values at `at` as JSON: {"waste": {id: fill 0-1}, "traffic": {id: ratio},
    "grain": the coarsest rollup shown, minutes (0: raw)} (of the zones given, if any).
    Geometry stays in the browser; moving the time slider only fetches this."""
    return cur.execute(
        f"""WITH w AS ({_STATE["waste"]}), t AS ({_STATE["traffic"]})
            SELECT json_object(
                'at', epoch($at)::BIGINT,
                'waste', (SELECT coalesce(json_group_object(id, round(fill_level, 2)), '{{}}')
                          FROM w WHERE len($zone) = 0 OR id IN (SELECT container_id
                              FROM waste_containers WHERE list_contains($zone, zone_id))),
                'traffic', (SELECT coalesce(json_group_object(id, round(ratio, 2)), '{{}}')
                            FROM t WHERE len($zone) = 0 OR id IN (SELECT segment_id
                                FROM road_segments WHERE list_contains($zone, zone_id))),
                'grain', coalesce(greatest((SELECT max(grain) FROM w),
                                           (SELECT max(grain) FROM t)), 0))::VARCHAR""",
        {"at": at, "zone": list(zone)},
    ).fetchone()[0]


# Requests with when they closed: the last closing of a request that is closed now (one
# reopened since is open, whatever its events say).
REQUEST_SPANS = """
    WITH closings AS (
        SELECT source, request_id, max(changed_at) AS closed_at
        FROM service_request_events WHERE status = 'closed' GROUP BY ALL)
    SELECT r.* EXCLUDE (status),
           CASE WHEN r.status = 'closed' THEN coalesce(c.closed_at, r.updated_at) END
               AS closed_at
    FROM service_requests r LEFT JOIN closings c USING (source, request_id)
    WHERE r.requested_at IS NOT NULL"""
# The requests the view shows at its moment ($at), as they were then: filed by then, and
# open then or closed within the range by then; filtered by zone, type and status.
SHOWN_REQUESTS = f"""
    SELECT *, CASE WHEN closed_at <= $at THEN 'closed' ELSE 'open' END AS status
    FROM ({REQUEST_SPANS})
    WHERE lon IS NOT NULL AND requested_at <= least($at, $until)
      AND (closed_at IS NULL OR closed_at > $at OR closed_at >= $since)
      AND (len($status) = 0
           OR list_contains($status, CASE WHEN closed_at <= $at THEN 'closed' ELSE 'open' END))
      AND (len($zone) = 0 OR list_contains($zone, zone_id))
      AND (len($service) = 0 OR list_contains($service, service_name))"""


def shown_params(window: Window, filters: dict[str, list[str]]) -> dict:
    """The parameters of SHOWN_REQUESTS: the window and the requests' filters."""
    return {**window.params(), **_filter_params(filters, REQUEST_FILTERS)}


def request_properties(personal: bool) -> str:
    """A shown request's map properties (a JSON expression over SHOWN_REQUESTS' columns);
    the complainant's words and address only when `personal`."""
    citizen = "'description', description, 'address', address," if personal else ""
    return f"""json_object('id', request_id, 'source', source, 'service', service_name,
        'zone', zone_id, 'status', status, {citizen}
        'requested_at', strftime(requested_at, '%Y-%m-%dT%H:%M:%SZ'))"""


def requests_geojson(
    cur: duckdb.DuckDBPyConnection, window: Window, filters: dict[str, list[str]], personal: bool
) -> str:
    """The requests shown at the window's moment, with their status then (the REST API's
    whole layer; the map asks for its view's clusters, store/clusters.py)."""
    return feature_collection(
        cur,
        f"""
        SELECT json_object(
            'type', 'Feature',
            'geometry', json_object(
                'type', 'Point', 'coordinates', [round(lon, 6), round(lat, 6)]),
            'properties', {request_properties(personal)}) AS feature
        FROM ({SHOWN_REQUESTS}) ORDER BY requested_at, request_id
        """,
        shown_params(window, filters),
    )


def request_spans(
    cur: duckdb.DuckDBPyConnection, window: Window, filters: dict[str, list[str]]
) -> pa.Table:
    """The requests shown at `window.at` under the filters: position, days open by then."""
    return cur.execute(
        f"""SELECT request_id, lat, lon,
                   (epoch(least(coalesce(closed_at, $at), $at)) - epoch(requested_at)) / 86400
                       AS days_open
            FROM ({SHOWN_REQUESTS})""",
        shown_params(window, filters),
    ).fetch_arrow_table()


def _ring(cell: str) -> list[list[float]]:
    """A cell's outline as a closed GeoJSON ring ([lon, lat] pairs)."""
    ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)]
    return ring + ring[:1]


def hotspots_geojson(
    cur: duckdb.DuckDBPyConnection, window: Window, filters: dict[str, list[str]], resolution: int
) -> str:
    """Requests aggregated into H3 cells: how many, and their median days open."""
    spans = request_spans(cur, window, filters)
    cells = pa.table(
        {
            "cell": [
                h3.latlng_to_cell(lat, lon, resolution)
                for lat, lon in zip(spans["lat"].to_pylist(), spans["lon"].to_pylist(), strict=True)
            ],
            "days_open": spans["days_open"],
        }
    )
    rows = (
        cur.from_arrow(cells)
        .aggregate("cell, count(*) AS requests, round(median(days_open), 1) AS median_days")
        .order("requests DESC, cell")
        .fetchall()
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [_ring(cell)]},
            "properties": {
                "id": cell,
                "requests": n,
                "median_days": median,
                "share": round(n / rows[0][1], 3),  # of the busiest cell, for the shading
            },
        }
        for cell, n, median in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


ROW_QUERIES = {
    "waste": f"""
        SELECT c.container_id, c.waste_type, z.name AS zone, c.address,
               round(l.fill_level * 100, 1) AS fill_pct, l.status, l.observed_at
        FROM waste_containers c LEFT JOIN ({_STATE["waste"]}) l ON l.id = c.container_id
        LEFT JOIN zones z ON z.zone_id = c.zone_id
        WHERE c.lon IS NOT NULL
          AND (len($zone) = 0 OR list_contains($zone, c.zone_id))
          AND (len($waste_type) = 0 OR list_contains($waste_type, c.waste_type))
          AND (len($ids) = 0 OR list_contains($ids, c.container_id))
        ORDER BY fill_pct DESC NULLS LAST, c.container_id""",
    "traffic": f"""
        SELECT s.segment_id, s.name, s.road_class, z.name AS zone, s.freeflow_kmh,
               round(l.speed_kmh, 1) AS speed_kmh, round(l.ratio, 2) AS ratio, l.observed_at
        FROM road_segments s LEFT JOIN ({_STATE["traffic"]}) l ON l.id = s.segment_id
        LEFT JOIN zones z ON z.zone_id = s.zone_id
        WHERE (len($zone) = 0 OR list_contains($zone, s.zone_id))
          AND (len($road_class) = 0 OR list_contains($road_class, s.road_class))
          AND (len($ids) = 0 OR list_contains($ids, s.segment_id))
        ORDER BY ratio DESC NULLS LAST, s.segment_id""",
    "complaints": f"""
        SELECT r.request_id, r.service_name, r.status, z.name AS zone, r.requested_at,
               r.closed_at, r.expected_at, r.address, r.description
        FROM ({SHOWN_REQUESTS}) r LEFT JOIN zones z ON z.zone_id = r.zone_id
        WHERE (len($ids) = 0 OR list_contains($ids, r.request_id))
        ORDER BY r.requested_at, r.request_id""",
}
PERSONAL_COLUMNS = ("address", "description")


@dataclass(frozen=True)
class Window:
    """The time an explore view shows: the range [since, until] and the slider's moment."""

    since: datetime
    until: datetime
    at: datetime

    def params(self) -> dict:
        return {"since": self.since, "until": self.until, "at": self.at}


def _filter_params(filters: dict[str, list[str]], names) -> dict[str, list[str]]:
    return {name: list(filters.get(name) or []) for name in names}


ROW_COLUMNS = {
    "waste": [
        "container_id", "waste_type", "zone", "address", "fill_pct", "status", "observed_at"
    ],
    "traffic": [
        "segment_id", "name", "road_class", "zone", "freeflow_kmh", "speed_kmh", "ratio",
        "observed_at",
    ],
    "complaints": [
        "request_id", "service_name", "status", "zone", "requested_at", "closed_at",
        "expected_at", "address", "description",
    ],
}  # fmt: skip


def row_columns(layer: str, personal: bool) -> list[str]:
    """The table's columns; complainants' own words and address only when allowed."""
    columns = ROW_COLUMNS[layer]
    if layer == "complaints" and not personal:
        columns = [c for c in columns if c not in PERSONAL_COLUMNS]
    return columns


def layer_page(
    cur: duckdb.DuckDBPyConnection,
    layer: str,
    filters: dict[str, list[str]],
    personal: bool,
    window: Window,
    ids: list[str] | None = None,
    sort: list[dict] | None = None,
    grid_filters: dict | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[pa.Table, int]:
    """Exactly the features a filtered layer draws at the window's moment, as rows (no
    geometry), after the table's own sort and column filters; `ids` narrows them to the
    features behind one figure. Returns rows [offset, offset + limit) and the total."""
    params = {**_filter_params(filters, LAYER_FILTERS[layer]), "ids": list(ids or [])}
    params.update(window.params() if layer == "complaints" else {"at": window.at})
    columns = row_columns(layer, personal)
    return grid.page(cur, ROW_QUERIES[layer], params, columns, sort, grid_filters, offset, limit)


def layer_rows(
    cur: duckdb.DuckDBPyConnection,
    layer: str,
    filters: dict[str, list[str]],
    personal: bool,
    window: Window,
    ids: list[str] | None = None,
) -> pa.Table:
    """Every row of `layer_page`, in the layer's own order (most urgent first)."""
    return layer_page(cur, layer, filters, personal, window, ids)[0]


def requests_filed_since(
    cur: duckdb.DuckDBPyConnection, zone_id: str, since: datetime, until: datetime
) -> list[str]:
    """Requests filed in a zone in [since, until], whatever their status now."""
    rows = cur.execute(
        """SELECT request_id FROM service_requests
           WHERE zone_id = $zone AND requested_at >= $since AND requested_at <= $until
           ORDER BY requested_at""",
        {"zone": zone_id, "since": since, "until": until},
    ).fetchall()
    return [r[0] for r in rows]


def zone_summary(cur: duckdb.DuckDBPyConnection, zone_id: str) -> dict | None:
    """A zone's name and extent [west, south, east, north]."""
    row = cur.execute(
        """SELECT coalesce(name, zone_id), ST_XMin(geom), ST_YMin(geom), ST_XMax(geom),
                  ST_YMax(geom) FROM zones WHERE zone_id = $id""",
        {"id": zone_id},
    ).fetchone()
    return None if row is None else {"name": row[0], "bounds": list(row[1:])}
