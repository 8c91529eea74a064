"""The field crews' positions arrive as NGSI `Vehicle` entities: from the demo city's
simulator over HTTP (its crews drive along the roads), and wrong ones are quarantined
with their reason, never stored."""

import json
from datetime import UTC, datetime, timedelta

from config import ConnectorSettings
from config.crews import demo_crews
from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from store.crews import latest_positions
from tests.helpers import FIXED_NOW, TZ, rows
from tests.helpers.feeds import NOW, ScriptedFeed, assert_ledger_adds_up


def crews_feed(url: str) -> ConnectorSettings:
    return ConnectorSettings(name="crews", kind="ngsi-v2", url=url, entity_type="Vehicle",
                             retries=1, timeout_s=5.0)  # fmt: skip


def test_the_demo_crews_drive_along_the_citys_roads(store, sim_fixed):
    first = run_connector(build_connector(crews_feed(sim_fixed.url), TZ), store, now=FIXED_NOW)
    assert first.status == "ok" and first.inserted == len(demo_crews()), first.error
    found = rows(store, "SELECT crew_id, observed_at, lon, lat, speed_kmh, heading, status "
                        "FROM crew_positions ORDER BY crew_id")  # fmt: skip
    assert [r[0] for r in found] == sorted(c.crew_id for c in demo_crews())
    for crew_id, observed, lon, lat, speed, heading, status in found:
        assert observed <= FIXED_NOW and status == "onRoute"
        assert 0 < speed < 40 and 0 <= heading <= 360
        # on a street: within a few metres of a road segment's line
        near = rows(store, "SELECT min(ST_Distance(geom, ST_Point(?, ?))) * 111000 "
                           "FROM road_segments", [lon, lat])[0][0]  # fmt: skip
        assert near < 5, (crew_id, near)


def test_a_vehicle_with_wrong_values_is_quarantined_with_its_reason(store):
    at = (NOW - timedelta(minutes=1)).isoformat()
    good = {"id": "van-1", "type": "Vehicle", "dateObserved": at, "speed": 20.0,
            "location": {"type": "Point", "coordinates": [24.94, 60.17]}}  # fmt: skip
    feed = ScriptedFeed([
        good,
        {**good, "id": "van-2", "speed": -3.0},
        {**good, "id": "van-3", "heading": 400},
        {**good, "id": "van-4", "speed": "20"},
        {**good, "id": "van-5", "location": None},
    ])  # fmt: skip
    with BackgroundServer(feed.app) as server:
        run = run_connector(build_connector(crews_feed(server.url), TZ), store, now=NOW)
    assert_ledger_adds_up(store)
    assert run.inserted == 1 and run.quarantined == 4
    assert rows(store, "SELECT crew_id FROM crew_positions") == [("van-1",)]
    held = rows(store, "SELECT raw, reason FROM quarantine ORDER BY received_at, seq")
    assert sorted((json.loads(raw)["id"], reason) for raw, reason in held) == [
        ("van-2", "speed is negative: -3.0"),
        ("van-3", "heading is not 0-360 degrees: 400.0"),
        ("van-4", "speed is not a number: '20' (text; the feed's type changed)"),
        ("van-5", "missing location (GeoJSON Point)"),
    ]


def gps_export(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(body)
    return path


def test_a_gps_csv_export_places_the_crews_through_the_file_connector(store, tmp_path):
    """An AVL system's export (speeds in mph, times in the city's zone without an offset):
    each crew's newest fix is where dispatch starts it from; wrong fixes are quarantined."""
    export = gps_export(tmp_path, "avl.csv", (
        "unit,fix_time,x,y,mph,bearing\n"
        "crew-waste-1,2026-11-24 11:50:00,24.9400,60.1700,10,90\n"
        "crew-waste-1,2026-11-24 11:55:00,24.9410,60.1705,5,95\n"
        "crew-streets-1,2026-11-24 11:54:00,24.9500,60.1650,0,\n"
        "crew-traffic-1,2026-11-24 11:54:00,24.9500,60.1650,12,720\n"
        "crew-waste-2,2026-11-24 11:54:00,24.9500,,12,10\n"
    ))  # fmt: skip
    settings = ConnectorSettings(
        name="avl", kind="file", url=str(export), domain="crews", speed_unit="mph",
        source_timezone="Europe/Helsinki", time_format="%Y-%m-%d %H:%M:%S",
        columns={"crew_id": "unit", "observed_at": "fix_time", "lon": "x", "lat": "y",
                 "speed": "mph", "heading": "bearing"},
    )  # fmt: skip
    run = run_connector(build_connector(settings, TZ), store, now=NOW)
    assert_ledger_adds_up(store)
    assert (run.status, run.inserted, run.quarantined) == ("ok", 3, 2), run.error
    with store.reading() as cur:
        newest = latest_positions(cur, NOW)
    assert sorted(newest) == ["crew-streets-1", "crew-waste-1"]
    waste = newest["crew-waste-1"]
    assert (waste["lon"], waste["lat"]) == (24.941, 60.1705)
    assert waste["observed_at"] == datetime(2026, 11, 24, 9, 55, tzinfo=UTC)  # 11:55 EET
    assert round(waste["speed_kmh"], 2) == 8.05  # 5 mph
    reasons = sorted(r for (r,) in rows(store, "SELECT reason FROM quarantine"))
    assert reasons == ["heading is not 0-360 degrees: 720.0",
                       "missing or non-numeric coordinates: lon=24.95 lat=None"]


def test_a_gps_geojson_export_reads_the_place_from_its_points(store, tmp_path):
    fix = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
           "properties": {"vehicle": "crew-waste-2", "time": "2026-11-24T09:58:00Z"}}
    export = gps_export(tmp_path, "fixes.geojson", json.dumps(
        {"type": "FeatureCollection", "features": [fix]}))  # fmt: skip
    settings = ConnectorSettings(
        name="fixes", kind="file", url=str(export), domain="crews",
        columns={"crew_id": "vehicle", "observed_at": "time"},
    )  # fmt: skip
    run = run_connector(build_connector(settings, TZ), store, now=NOW)
    assert (run.status, run.inserted) == ("ok", 1), run.error
    assert rows(store, "SELECT crew_id, lon, lat FROM crew_positions") == [
        ("crew-waste-2", 24.94, 60.17)
    ]
