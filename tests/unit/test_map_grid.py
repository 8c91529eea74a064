"""The map's pixel grid the server clusters on (analytics/map_grid.py): places land where
Leaflet draws them, a view covers the cells it touches, a click on a cluster zooms to
where its points part, and counts read as the markers show them."""

import math

import duckdb

from analytics import map_grid
from store import clusters


def test_places_land_where_leaflet_draws_them():
    assert map_grid.world_px(0, 0, 0) == (128, 128)  # the middle of the one tile at zoom 0
    assert map_grid.world_px(-180, 0, 1) == (0, 256)
    x, y = map_grid.world_px(180, map_grid.MAX_LAT, 2)
    assert x == 1024 and abs(y) < 1e-6  # the world's north-east corner
    # Leaflet 1.9 in Chromium: L.CRS.EPSG3857.latLngToPoint(L.latLng(lat, lon), zoom)
    for lon, lat, zoom, leaflet in ((24.94, 60.17, 12, (596931.0151, 303513.2171)),
                                    (151.2, -33.9, 9, (120586.24, 78668.9751))):  # fmt: skip
        x, y = map_grid.world_px(lon, lat, zoom)
        assert (round(x, 4), round(y, 4)) == leaflet


def test_a_view_covers_the_cells_it_touches():
    cell = 60
    west, south, east, north = 24.90, 60.15, 24.98, 60.19
    cells = map_grid.cells_covering((west, south, east, north), 14, cell)
    x0, y0 = map_grid.world_px(west, north, 14)
    x1, y1 = map_grid.world_px(east, south, 14)
    assert (cells.x0, cells.y0) == (math.floor(x0 / cell), math.floor(y0 / cell))
    assert (cells.x1, cells.y1) == (math.floor(x1 / cell), math.floor(y1 / cell))
    assert cells.x1 - cells.x0 == math.floor(x1 / cell) - math.floor(x0 / cell) > 10
    assert map_grid.cells_per_world(14, cell) == 256 * 2**14 / cell


def test_a_cluster_clicked_zooms_to_where_its_points_part():
    cell, zoom = 60, 12
    a, b = (24.9400, 60.1700), (24.9408, 60.1702)  # about 45 m apart: one cell at zoom 12
    extent = (a[0], a[1], b[0], b[1])
    parted = map_grid.expansion_zoom(extent, zoom, cell, last_zoom=18)
    assert zoom < parted < 18

    def same_cell(z):
        return [math.floor(v / cell) for v in map_grid.world_px(*a, z)] == [
            math.floor(v / cell) for v in map_grid.world_px(*b, z)
        ]

    assert same_cell(parted - 1) and not same_cell(parted)
    one_place = (24.94, 60.17, 24.94, 60.17)
    assert map_grid.expansion_zoom(one_place, zoom, cell, last_zoom=18) == 18


def test_counts_read_as_the_cluster_markers_show_them():
    shown = {950: "950", 1000: "1k", 1234: "1.2k", 1250: "1.3k", 9949: "9.9k", 12_500: "13k"}
    assert {n: map_grid.abbreviated(n) for n in shown} == shown


def test_the_store_places_points_in_the_cells_the_grid_names():
    """store/clusters.py places points in SQL with the same arithmetic (an in-memory DuckDB
    as the SQL engine over points written here)."""
    places = [(24.9401, 60.1701), (24.9402, 60.1702), (24.95, 60.18), (-73.98, 40.75)]
    values = ", ".join(f"('p{i}', {lon}, {lat})" for i, (lon, lat) in enumerate(places))
    points = clusters.PointQuery(f"SELECT * FROM (VALUES {values}) AS t(id, lon, lat)", {},
                                 "json_object('id', id)")  # fmt: skip
    zoom, cell = 15, 60
    world = map_grid.cells_covering((-180, -85, 180, 85), zoom, cell)
    found = clusters.grid_cells(duckdb.connect(), points, map_grid.cells_per_world(zoom, cell),
                                (world.x0, world.x1), (world.y0, world.y1))  # fmt: skip
    expected = {}
    for lon, lat in places:
        x, y = map_grid.world_px(lon, lat, zoom)
        key = (math.floor(x / cell), math.floor(y / cell))
        expected[key] = expected.get(key, 0) + 1
    assert {(c.x, c.y): c.count for c in found} == expected
    assert sorted(c.properties for c in found if c.count == 1) == ['{"id":"p2"}', '{"id":"p3"}']
    near = map_grid.cells_covering((24.93, 60.16, 24.96, 60.19), zoom, cell)
    inside = clusters.grid_cells(duckdb.connect(), points, map_grid.cells_per_world(zoom, cell),
                                 (near.x0, near.x1), (near.y0, near.y1))  # fmt: skip
    assert sum(c.count for c in inside) == 3  # New York is not in Helsinki's view
