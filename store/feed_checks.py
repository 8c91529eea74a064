"""What connectors read to check a feed's values against the city and its own past: the
city model's extent, its road segments' lines by OpenStreetMap way, and the records a
feed has had quarantined for a given reason."""

from __future__ import annotations

import duckdb


def city_extent(cur: duckdb.DuckDBPyConnection) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the city model: its zones and its own road segments
    (not the links a file connector drew from an export); None without a city model."""
    row = cur.execute(
        """
        SELECT min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)), max(ST_YMax(geom))
        FROM (SELECT geom FROM zones
              UNION ALL
              SELECT geom FROM road_segments WHERE from_node IS NOT NULL)
        """
    ).fetchone()
    return None if row is None or row[0] is None else tuple(float(v) for v in row)


def segment_lines(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, int | None, bool, bytes]]:
    """Every road segment's id, OpenStreetMap way (None for a link a file drew), whether
    it is one-way (drawn in the direction of travel) and line (WKB, lon/lat)."""
    return cur.execute(
        "SELECT segment_id, osm_way_id, coalesce(oneway, false), ST_AsWKB(geom) "
        "FROM road_segments ORDER BY segment_id"
    ).fetchall()


def ids_quarantined_for(cur: duckdb.DuckDBPyConnection, connector: str, reason: str) -> set[str]:
    """The `id` of each record of `connector` held in quarantine with `reason` in its reason."""
    found = cur.execute(
        """
        SELECT DISTINCT json_extract_string(raw, '$.id') FROM quarantine
        WHERE connector = ? AND contains(reason, ?) AND json_valid(raw)
        """,
        [connector, reason],
    ).fetchall()
    return {r[0] for r in found if r[0] is not None}
