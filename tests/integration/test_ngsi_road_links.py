"""An NGSI-LD broker that names roads as brokers do, by OpenStreetMap way or by the road's
line, for the demo city's real ways: each flow lands on the segments of the city model
it is about, and one about no road of the city is quarantined with the reason."""

from collections import defaultdict
from datetime import UTC, datetime

import geopandas as gpd
import pytest
from flask import Flask, jsonify, request
from shapely.geometry import LineString

from config import ConnectorSettings
from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from tests.helpers import TZ, rows
from tests.helpers.entities import ld_normalized
from tests.helpers.feeds import NOW, assert_ledger_adds_up

SPEED = 24.0  # km/h
OFF_M = 3.0  # a broker's map of the road a few metres off C3's


class LdBroker:
    """/ngsi-ld/v1/entities over `entities`, paged by offset and limit, with the count."""

    def __init__(self, entities):
        self.app = Flask("ld-broker")

        @self.app.get("/ngsi-ld/v1/entities")
        def listing():
            offset, limit = int(request.args["offset"]), int(request.args["limit"])
            response = jsonify(entities[offset : offset + limit])
            response.headers["NGSILD-Results-Count"] = str(len(entities))
            return response


def flow(name, minute, **attrs):
    at = datetime(2026, 11, 24, 9, minute, tzinfo=UTC).isoformat()
    entity = {"id": name, "type": "TrafficFlowObserved", "dateObserved": at}
    return ld_normalized({**entity, "averageVehicleSpeed": SPEED, **attrs})


def way_ref(way_id):
    return f"urn:ngsi-ld:RoadSegment:osm-{way_id}"


def on_broker_map(metric_line, kind="LineString") -> dict:
    """A line (EPSG:3067) moved OFF_M to its left as a GeoJSON LineString in lon/lat, or
    the Point halfway along it."""
    moved = metric_line.offset_curve(OFF_M)
    if kind == "Point":
        moved = moved.interpolate(0.5, normalized=True)
    shape = gpd.GeoSeries([moved], crs=3067).to_crs(4326).iloc[0]
    coords = [list(point) for point in shape.coords]
    return {"type": kind, "coordinates": coords[0] if kind == "Point" else coords}


@pytest.fixture(scope="module")
def ways(city):
    """Two real ways of the city model of three segments or more, in order along the way
    (EPSG:3067): `b`, with no other road within 25 m but those meeting it, and `a`, over
    100 m from it."""
    metric = city.segments.to_crs(3067)
    metric["k"] = metric.segment_id.str.split("-").str[1].astype(int)
    counts = metric.osm_way_id.value_counts()
    long_ways = sorted(counts[counts >= 3].index)

    def members(way):
        return metric[metric.osm_way_id == way].sort_values("k")

    def clear(way):
        group = members(way)
        nodes = set(group.from_node) | set(group.to_node)
        others = metric[~metric.from_node.isin(nodes) & ~metric.to_node.isin(nodes)]
        return others.distance(group.geometry.union_all()).min() > 25

    b = next(w for w in long_ways if clear(w))
    b_line = members(b).geometry.union_all()
    a = next(w for w in long_ways if members(w).distance(b_line).min() > 100)
    return members(a), members(b)


def test_flows_named_by_osm_way_or_by_line_land_on_their_segments(store, city, ways):
    a, b = ways
    a_way, b_way = int(a.osm_way_id.iloc[0]), int(b.osm_way_id.iloc[0])
    longest = int(a.geometry.length.argmax())  # the detector is halfway along it
    detector = on_broker_map(a.geometry.iloc[longest], "Point")
    b_coords = [list(g.coords) for g in b.geometry]
    along_b = on_broker_map(LineString(b_coords[0] + [p for c in b_coords[1:] for p in c[1:]]))
    west, south, east, _ = city.bounds
    off_road = {"type": "LineString", "coordinates": [[west, south - 0.01], [east, south - 0.01]]}
    entities = [
        flow("whole-way", 40, refRoadSegment=way_ref(a_way)),
        flow("detector", 45, refRoadSegment=way_ref(a_way), location=detector),
        flow("line", 50, location=along_b),
        flow("way-and-line", 55, refRoadSegment=way_ref(b_way), location=along_b),
        flow("unknown-way", 40, refRoadSegment=way_ref(1)),
        flow("off-road", 40, location=off_road),  # a kilometre out to sea
        flow("line-off-its-way", 40, refRoadSegment=way_ref(a_way), location=along_b),
    ]
    with BackgroundServer(LdBroker(entities).app) as server:
        settings = ConnectorSettings(name="flows", kind="ngsi-ld", url=server.url,
                                     entity_type="TrafficFlowObserved", retries=0)  # fmt: skip
        run = run_connector(build_connector(settings, TZ), store, now=NOW)

    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 7, 4, 3), run.error
    landed = defaultdict(dict)
    for segment, minute, travel in rows(
        store, "SELECT segment_id, minute(observed_at), travel_time_s FROM traffic_readings"
    ):
        landed[minute][segment] = travel
    # a way's reading is the whole way's: each of its segments, with its own travel time
    lengths = dict(zip(a.segment_id, a.length_m, strict=True))
    assert landed[40] == {s: round(m / (SPEED / 3.6), 1) for s, m in lengths.items()}
    assert set(landed[45]) == {a.segment_id.iloc[longest]}
    assert set(landed[50]) == set(landed[55]) == set(b.segment_id)  # the stretch observed
    quarantined = dict(rows(store, "SELECT raw::JSON->>'id', reason FROM quarantine"))
    urn = "urn:ngsi-ld:TrafficFlowObserved:"
    assert quarantined == {
        f"{urn}unknown-way": "OSM way 1 is not in the city model",
        f"{urn}off-road": "no refRoadSegment, and no road segment runs along its location "
        "within 20 m (road_match_m)",
        f"{urn}line-off-its-way": f"location is more than 20 m from OSM way {a_way} "
        f"(refRoadSegment '{way_ref(a_way)}')",
    }
    assert_ledger_adds_up(store)
