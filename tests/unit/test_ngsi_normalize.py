"""NGSI-v2 WasteContainer / TrafficFlowObserved entities, keyValues and normalized alike."""

from datetime import UTC, datetime

import duckdb
import pytest

from config import ConnectorSettings
from connectors.base import Rejected
from connectors.ngsi import NgsiV2Connector
from sim.formats import ngsi_normalized

CONTAINER = {
    "id": "waste-0001",
    "type": "WasteContainer",
    "location": {"type": "Point", "coordinates": [24.9384, 60.1699]},
    "address": {"streetAddress": "Kaivokatu 8", "addressLocality": "Helsinki"},
    "fillingLevel": 0.42,
    "temperature": 3.5,
    "status": "ok",
    "storedWasteKind": "mixed",
    "binCapacity": 660,
    "dateLastEmptying": "2026-11-23T06:15:00Z",
    "dateModified": "2026-11-24T10:00:00Z",
}

FLOW = {
    "id": "traffic-w1-0",
    "type": "TrafficFlowObserved",
    "refRoadSegment": "w1-0",
    "dateObserved": "2026-11-24T09:59:00Z/2026-11-24T10:00:00Z",
    "averageVehicleSpeed": 15.0,
    "intensity": 42,
    "occupancy": 0.3,
    "congested": True,
}


def connector(entity_type):
    settings = ConnectorSettings(
        name=entity_type.lower(),
        kind="ngsi-v2",
        url="http://broker.invalid",
        entity_type=entity_type,
    )
    conn = NgsiV2Connector(settings, "Europe/Helsinki")
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE road_segments (segment_id VARCHAR, length_m DOUBLE, freeflow_kmh DOUBLE)"
    )
    db.execute("INSERT INTO road_segments VALUES ('w1-0', 100.0, 30.0)")
    conn.prepare(db)
    return conn


def test_container_gives_container_reading_and_collection():
    rows = connector("WasteContainer").normalize(CONTAINER)
    assert rows["waste_containers"]["address"] == "Kaivokatu 8"
    assert rows["waste_readings"]["fill_level"] == 0.42
    assert rows["waste_readings"]["observed_at"] == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert rows["waste_collections"]["collected_at"] == datetime(2026, 11, 23, 6, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "entity_type,entity", [("WasteContainer", CONTAINER), ("TrafficFlowObserved", FLOW)]
)
def test_normalized_payload_equals_key_values(entity_type, entity):
    conn = connector(entity_type)
    assert conn.normalize(ngsi_normalized(entity)) == conn.normalize(entity)


def test_traffic_interval_reading_gets_travel_time_and_ratio():
    row = connector("TrafficFlowObserved").normalize(FLOW)["traffic_readings"]
    assert row["observed_at"] == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # end of the interval
    assert row["travel_time_s"] == 24.0  # 100 m at 15 km/h
    assert row["congestion_ratio"] == 2.0  # free flow 30 km/h
    assert row["congested"] is True


@pytest.mark.parametrize(
    ("entity_type", "base", "change", "reason"),
    [
        ("WasteContainer", CONTAINER, {"fillingLevel": 1.7}, "outside 0-1"),
        ("WasteContainer", CONTAINER, {"fillingLevel": -0.1}, "outside 0-1"),
        ("WasteContainer", CONTAINER, {"location": None}, "missing location"),
        ("WasteContainer", CONTAINER, {"dateModified": "24/11/2026 10:00"}, "unparseable"),
        ("WasteContainer", CONTAINER, {"status": "exploded"}, "unknown status"),
        ("TrafficFlowObserved", FLOW, {"refRoadSegment": "w999-9"}, "unknown road segment"),
        ("TrafficFlowObserved", FLOW, {"averageVehicleSpeed": "fast"}, "not a number"),
        ("TrafficFlowObserved", FLOW, {"dateObserved": None}, "missing dateObserved"),
    ],
)
def test_bad_entities_are_rejected_with_a_reason(entity_type, base, change, reason):
    with pytest.raises(Rejected, match=reason):
        connector(entity_type).normalize(dict(base, **change))
