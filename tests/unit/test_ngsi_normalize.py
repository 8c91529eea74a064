"""NGSI-v2 WasteContainer / TrafficFlowObserved / Open311ServiceRequest entities, keyValues
and normalized alike."""

import json
from datetime import UTC, datetime

import pytest

from config import ConnectorSettings
from connectors.base import Rejected
from connectors.ngsi import NgsiV2Connector
from connectors.open311 import Open311Connector
from sim.formats import ngsi_normalized
from tests.helpers.entities import CONTAINER, FLOW, SERVICE_REQUEST, one_road_store


def connector(entity_type):
    settings = ConnectorSettings(
        name=entity_type.lower(),
        kind="ngsi-v2",
        url="http://broker.invalid",
        entity_type=entity_type,
    )
    conn = NgsiV2Connector(settings, "Europe/Helsinki")
    with one_road_store().reading() as cur:
        conn.prepare(cur)
    return conn


def test_container_gives_container_reading_and_collection():
    rows = connector("WasteContainer").normalize(CONTAINER)
    assert rows["waste_containers"]["address"] == "Kaivokatu 8"
    assert rows["waste_readings"]["fill_level"] == 0.42
    assert rows["waste_readings"]["observed_at"] == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert rows["waste_collections"]["collected_at"] == datetime(2026, 11, 23, 6, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "entity_type,entity",
    [
        ("WasteContainer", CONTAINER),
        ("TrafficFlowObserved", FLOW),
        ("Open311ServiceRequest", SERVICE_REQUEST),
    ],
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


def test_service_request_gives_the_row_the_open311_connector_makes():
    open311 = Open311Connector(
        ConnectorSettings(name="open311servicerequest", kind="open311", url="http://x.invalid"),
        "Europe/Helsinki",
    )
    as_open311 = {k: v for k, v in SERVICE_REQUEST.items() if k not in ("id", "type", "location")}
    as_open311["address"] = as_open311.pop("address_string")
    as_open311["long"], as_open311["lat"] = SERVICE_REQUEST["location"]["coordinates"]
    rows = connector("Open311ServiceRequest").normalize(SERVICE_REQUEST)
    assert rows == open311.normalize(as_open311)
    assert rows["service_requests"]["request_id"] == "638344"


def test_service_request_without_its_open311_id_is_keyed_by_the_entity_id():
    entity = dict(SERVICE_REQUEST, address={"streetAddress": "Kaivokatu 8", "postalCode": "00100"})
    del entity["service_request_id"], entity["address_string"], entity["zipcode"]
    row = connector("Open311ServiceRequest").normalize(entity)["service_requests"]
    assert row["request_id"] == "service-request:638344"
    assert (row["address"], row["zipcode"]) == ("Kaivokatu 8", "00100")


def test_unknown_attributes_are_kept_in_extras_and_named_in_the_warnings():
    conn = connector("WasteContainer")
    entity = dict(CONTAINER, category=["fixed"], fillingLevelAlert={"threshold": 0.9})
    row = conn.normalize(entity)["waste_readings"]
    assert json.loads(row["extras"]) == {
        "category": ["fixed"],
        "fillingLevelAlert": {"threshold": 0.9},
    }
    # category is in the data model (kept quietly); fillingLevelAlert is new (reported)
    assert conn.warnings == ["new attributes, kept in the extras column: fillingLevelAlert"]
    assert conn.normalize(CONTAINER)["waste_readings"]["extras"] is None


def test_orion_geo_point_reads_as_a_point():
    entity = ngsi_normalized(CONTAINER)
    entity["location"] = {"type": "geo:point", "value": "60.1699, 24.9384", "metadata": {}}
    assert connector("WasteContainer").normalize(entity) == connector("WasteContainer").normalize(
        CONTAINER
    )


@pytest.mark.parametrize(
    ("entity_type", "base", "change", "reason"),
    [
        ("WasteContainer", CONTAINER, {"fillingLevel": "0.4"}, "fillingLevel is not a number"),
        ("WasteContainer", CONTAINER, {"fillingLevel": "full"}, "type changed"),
        ("WasteContainer", CONTAINER, {"temperature": True}, "temperature is not a number"),
        ("WasteContainer", CONTAINER, {"binCapacity": "660"}, "binCapacity is not a number"),
        ("WasteContainer", CONTAINER, {"location": "60.1699,24.9384"}, "not a GeoJSON object"),
        (
            "WasteContainer",
            CONTAINER,
            {"location": {"type": "Point", "coordinates": ["24.9", "60.1"]}},
            "no numeric coordinates",
        ),
        (
            "WasteContainer",
            CONTAINER,
            {"location": {"type": "Polygon", "coordinates": [[[24.9, 60.1]]]}},
            "expected a Point",
        ),
        ("TrafficFlowObserved", FLOW, {"averageVehicleSpeed": "15"}, "type changed"),
        ("TrafficFlowObserved", FLOW, {"congested": "true"}, "congested is not a boolean"),
        ("Open311ServiceRequest", SERVICE_REQUEST, {"status": "pending"}, "unknown status"),
        ("Open311ServiceRequest", SERVICE_REQUEST, {"location": None}, "missing location"),
        (
            "Open311ServiceRequest",
            SERVICE_REQUEST,
            {"requested_datetime": None},
            "missing requested_datetime",
        ),
    ],
)
def test_type_changes_are_rejected_with_a_reason(entity_type, base, change, reason):
    with pytest.raises(Rejected, match=reason):
        connector(entity_type).normalize(dict(base, **change))
