"""What each upsertable table looks like to the loaders: natural key, Arrow schema, geometry.

Connectors and the city loader hand rows in these shapes; `store.upsert` does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: tuple[str, ...]
    schema: pa.Schema
    # geometry column -> SQL expression over the staged row (WKB input or derived)
    geometry: dict[str, str] = field(default_factory=dict)
    domain: str = "city"
    # a column saying which version of a row is newer: an older one never overwrites it
    newest: str | None = None


def _schema(*cols: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(list(cols))


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in [
        TableSpec(
            "zones",
            ("zone_id",),
            _schema(
                ("zone_id", pa.string()),
                ("name", pa.string()),
                ("kind", pa.string()),
                ("department", pa.string()),
                ("geom", pa.binary()),
            ),
            geometry={"geom": "ST_GeomFromWKB(geom)"},
        ),
        TableSpec(
            "road_segments",
            ("segment_id",),
            _schema(
                ("segment_id", pa.string()),
                ("osm_way_id", pa.int64()),
                ("name", pa.string()),
                ("road_class", pa.string()),
                ("length_m", pa.float64()),
                ("freeflow_kmh", pa.float64()),
                ("oneway", pa.bool_()),
                ("from_node", pa.int64()),
                ("to_node", pa.int64()),
                ("zone_id", pa.string()),
                ("geom", pa.binary()),
            ),
            geometry={"geom": "ST_GeomFromWKB(geom)"},
        ),
        TableSpec(
            "traffic_readings",
            ("segment_id", "observed_at"),
            _schema(
                ("segment_id", pa.string()),
                ("observed_at", UTC_TS),
                ("speed_kmh", pa.float64()),
                ("travel_time_s", pa.float64()),
                ("congestion_ratio", pa.float64()),
                ("congested", pa.bool_()),
                ("intensity", pa.float64()),
                ("occupancy", pa.float64()),
                ("source", pa.string()),
                ("extras", pa.string()),
            ),
            domain="traffic",
        ),
        TableSpec(
            "waste_containers",
            ("container_id",),
            _schema(
                ("container_id", pa.string()),
                ("waste_type", pa.string()),
                ("capacity_l", pa.float64()),
                ("address", pa.string()),
                ("lon", pa.float64()),
                ("lat", pa.float64()),
            ),
            geometry={"geom": "ST_Point(lon, lat)"},
            domain="waste",
        ),
        TableSpec(
            "waste_readings",
            ("container_id", "observed_at"),
            _schema(
                ("container_id", pa.string()),
                ("observed_at", UTC_TS),
                ("fill_level", pa.float64()),
                ("temperature_c", pa.float64()),
                ("status", pa.string()),
                ("source", pa.string()),
                ("extras", pa.string()),
            ),
            domain="waste",
        ),
        TableSpec(
            "waste_collections",
            ("container_id", "collected_at"),
            _schema(
                ("container_id", pa.string()), ("collected_at", UTC_TS), ("vehicle_id", pa.string())
            ),
            domain="waste",
        ),
        TableSpec(
            "crew_positions",
            ("crew_id", "observed_at"),
            _schema(
                ("crew_id", pa.string()),
                ("observed_at", UTC_TS),
                ("lon", pa.float64()),
                ("lat", pa.float64()),
                ("speed_kmh", pa.float64()),
                ("heading", pa.float64()),
                ("status", pa.string()),
                ("source", pa.string()),
                ("extras", pa.string()),
            ),
            domain="crews",
        ),
        TableSpec(
            "service_requests",
            ("source", "request_id"),
            _schema(
                ("source", pa.string()),
                ("request_id", pa.string()),
                ("status", pa.string()),
                ("status_notes", pa.string()),
                ("service_code", pa.string()),
                ("service_name", pa.string()),
                ("description", pa.string()),
                ("agency_responsible", pa.string()),
                ("requested_at", UTC_TS),
                ("updated_at", UTC_TS),
                ("expected_at", UTC_TS),
                ("address", pa.string()),
                ("zipcode", pa.string()),
                ("lon", pa.float64()),
                ("lat", pa.float64()),
                ("media_url", pa.string()),
                ("extras", pa.string()),
            ),
            domain="complaints",
            newest="updated_at",
        ),
    ]
}


def own_data_schema(table: str) -> pa.Schema:
    """The table's columns without `extras`: for loaders of C3's own data (the simulator's
    backfill, the synthetic city), which has no unknown attributes to keep."""
    schema = TABLES[table].schema
    index = schema.get_field_index("extras")
    return schema if index < 0 else schema.remove(index)


def to_arrow(table: str, rows: list[dict]) -> pa.Table:
    """Build the Arrow batch for `table` from row dicts.

    Only the columns the rows carry are in the batch, so an upsert never blanks a column
    that a feed does not provide (a collection's vehicle, say).
    """
    present = {name for row in rows for name in row}
    fields = [f for f in TABLES[table].schema if f.name in present]
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))
