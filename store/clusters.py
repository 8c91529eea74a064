"""A point layer gathered into grid cells in DuckDB, so that a map receives what it draws:
per cell of the view, how many points it holds, where their middle is and how far they
spread, and a cell's one point itself where it holds one; or the points inside a view,
when it is zoomed in far enough to draw each. The points are a layer's own query, with
the filters the layer and its table use (`PointQuery`)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from store.explore import SHOWN_REQUESTS, Window, request_properties, shown_params
from store.queries import CONTAINER_PROPERTIES, CONTAINERS_NOW


@dataclass(frozen=True)
class PointQuery:
    """A layer's points: `sql` selects `lon`, `lat` and the columns `properties` (a JSON
    expression: one point's map properties) reads; `params` are its parameters."""

    sql: str
    params: dict
    properties: str


def shown_requests(window: Window, filters: dict[str, list[str]], personal: bool) -> PointQuery:
    """The requests `/explore` shows at the window's moment under its filters."""
    return PointQuery(SHOWN_REQUESTS, shown_params(window, filters), request_properties(personal))


def containers(zone: list[str] = (), waste_type: list[str] = ()) -> PointQuery:
    """The containers (in the zones and of the waste types given, if any), fill now."""
    params = {"zone": list(zone), "waste_type": list(waste_type)}
    return PointQuery(CONTAINERS_NOW, params, CONTAINER_PROPERTIES)


# A place's x and y on the world's map as Leaflet draws it (Web Mercator), each in [0, 1);
# analytics/map_grid.py `world_px` is the same in Python.
_SIN_LAT = "sin(radians(least(greatest(lat, -85.0511287798), 85.0511287798)))"
_WORLD_X = "(least(greatest(lon, -180), 180) + 180) / 360"
_WORLD_Y = f"(0.5 - ln((1 + {_SIN_LAT}) / (1 - {_SIN_LAT})) / (4 * pi()))"


@dataclass(frozen=True)
class Cell:
    """One occupied cell: its place in the grid, its points' count, middle and extent, and
    its one point's properties (JSON text) when it holds one."""

    x: int
    y: int
    count: int
    lon: float
    lat: float
    extent: tuple[float, float, float, float]  # west, south, east, north
    properties: str | None


def grid_cells(
    cur: duckdb.DuckDBPyConnection,
    points: PointQuery,
    cells_across: float,
    x_range: tuple[int, int],
    y_range: tuple[int, int],
) -> list[Cell]:
    """The occupied cells of a grid `cells_across` cells wide around the world, within
    [x0, x1] x [y0, y1] (cells, ends included). A cell counts all its points, also those
    beyond the range's edge: a cell is the same whichever view asks for it."""
    rows = cur.execute(
        f"""
        WITH placed AS (
            SELECT *, row_number() OVER () AS point_no,
                   floor({_WORLD_X} * $across)::BIGINT AS cell_x,
                   floor({_WORLD_Y} * $across)::BIGINT AS cell_y
            FROM ({points.sql}) WHERE lon IS NOT NULL AND lat IS NOT NULL),
        shown AS (
            SELECT * FROM placed
            WHERE cell_x BETWEEN $x0 AND $x1 AND cell_y BETWEEN $y0 AND $y1),
        counted AS (
            SELECT cell_x, cell_y, count(*) AS points, min(point_no) AS first_point,
                   avg(lon) AS mid_lon, avg(lat) AS mid_lat, min(lon) AS west,
                   min(lat) AS south, max(lon) AS east, max(lat) AS north
            FROM shown GROUP BY cell_x, cell_y),
        lone AS (  -- the properties of the cells' only points, made for those alone
            SELECT point_no, ({points.properties})::VARCHAR AS properties FROM shown
            WHERE point_no IN (SELECT first_point FROM counted WHERE points = 1))
        SELECT cell_x, cell_y, points, mid_lon, mid_lat, west, south, east, north,
               lone.properties
        FROM counted LEFT JOIN lone ON lone.point_no = counted.first_point
        ORDER BY cell_y, cell_x""",
        {**points.params, "across": cells_across, "x0": x_range[0], "x1": x_range[1],
         "y0": y_range[0], "y1": y_range[1]},
    ).fetchall()  # fmt: skip
    return [Cell(r[0], r[1], r[2], r[3], r[4], tuple(r[5:9]), r[9]) for r in rows]


def points_within(
    cur: duckdb.DuckDBPyConnection,
    points: PointQuery,
    bbox: tuple[float, float, float, float],
    limit: int,
) -> list[tuple[float, float, str]]:
    """(lon, lat, properties as JSON text) of at most `limit` points inside the box
    (west, south, east, north)."""
    west, south, east, north = bbox
    return cur.execute(
        f"""SELECT lon, lat, ({points.properties})::VARCHAR FROM ({points.sql})
            WHERE lon BETWEEN $west AND $east AND lat BETWEEN $south AND $north
            ORDER BY lat DESC, lon LIMIT $limit""",
        {**points.params, "west": west, "south": south, "east": east, "north": north,
         "limit": limit},
    ).fetchall()  # fmt: skip
