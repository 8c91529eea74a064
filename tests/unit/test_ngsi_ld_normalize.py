"""NGSI-LD entities (normalized, concise, keyValues; short or expanded names) become the
same rows as the NGSI-v2 keyValues entity they encode."""

import json
from datetime import UTC, datetime

import pytest

from config import ConnectorSettings
from connectors.base import Rejected
from connectors.ngsi import NgsiV2Connector
from connectors.ngsi_ld import NgsiLdConnector, short_name
from tests.helpers.entities import (
    CONTAINER,
    FLOW,
    SDM,
    SERVICE_REQUEST,
    ld_normalized,
    one_road_store,
)


def connectors(entity_type):
    """(NGSI-LD connector, NGSI-v2 connector) over the same little road network."""
    db = one_road_store()
    out = []
    for kind, cls in (("ngsi-ld", NgsiLdConnector), ("ngsi-v2", NgsiV2Connector)):
        settings = ConnectorSettings(
            name=entity_type.lower(),
            kind=kind,
            url="http://broker.invalid",
            entity_type=entity_type,
        )
        conn = cls(settings, "Europe/Helsinki")
        with db.reading() as cur:
            conn.prepare(cur)
        out.append(conn)
    return out


def ld_rows(entity_type, ld_entity):
    return connectors(entity_type)[0].normalize(ld_entity)


def v2_rows(entity_type, entity, ld_id):
    """The v2 connector's rows of the same entity, keyed by the URN the LD one carries."""
    return connectors(entity_type)[1].normalize(dict(entity, id=ld_id))


@pytest.mark.parametrize(
    "entity_type,entity",
    [
        ("WasteContainer", CONTAINER),
        ("TrafficFlowObserved", FLOW),
        ("Open311ServiceRequest", SERVICE_REQUEST),
    ],
)
@pytest.mark.parametrize("expand", [False, True], ids=["short-names", "expanded-iris"])
def test_ld_normalized_gives_the_rows_of_v2_key_values(entity_type, entity, expand):
    ld = ld_normalized(entity, expand=expand)
    assert ld_rows(entity_type, ld) == v2_rows(entity_type, entity, ld["id"])


@pytest.mark.parametrize(
    "entity_type,entity",
    [("WasteContainer", CONTAINER), ("Open311ServiceRequest", SERVICE_REQUEST)],
)
def test_ld_key_values_and_concise_forms_give_the_same_rows(entity_type, entity):
    ld = ld_normalized(entity)
    key_values = dict(entity, id=ld["id"])
    concise = {
        k: {key: v for key, v in a.items() if key != "type"}
        if isinstance(a, dict) and k != "@context"
        else a
        for k, a in ld.items()
    }
    expected = ld_rows(entity_type, ld)
    assert ld_rows(entity_type, key_values) == expected
    assert ld_rows(entity_type, concise) == expected


def test_road_segment_relationship_may_be_a_urn():
    ld = ld_normalized(dict(FLOW, refRoadSegment="urn:ngsi-ld:RoadSegment:w1-0"))
    assert ld_rows("TrafficFlowObserved", ld)["traffic_readings"]["segment_id"] == "w1-0"


def test_observed_at_of_the_measurement_is_the_observation_time_without_date_observed():
    flow = {k: v for k, v in FLOW.items() if k != "dateObserved"}
    ld = ld_normalized(flow, observed_at="2026-11-24T09:30:00Z")
    row = ld_rows("TrafficFlowObserved", ld)["traffic_readings"]
    assert row["observed_at"] == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    ld = ld_normalized(CONTAINER, observed_at="2026-11-24T09:30:00Z")  # beats dateModified
    row = ld_rows("WasteContainer", ld)["waste_readings"]
    assert row["observed_at"] == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_context_and_broker_bookkeeping_are_not_extras_but_new_attributes_are():
    conn = connectors("WasteContainer")[0]
    ld = ld_normalized(CONTAINER)
    ld["modifiedAt"] = "2026-11-24T10:00:01Z"
    ld[f"{SDM}dataModel.X/refDevice"] = {"type": "Relationship", "object": ["urn:ngsi-ld:Device:1"]}
    ld["pickupRoute"] = {"type": "Property", "value": "R7"}
    row = conn.normalize(ld)["waste_readings"]
    assert json.loads(row["extras"]) == {"refDevice": ["urn:ngsi-ld:Device:1"], "pickupRoute": "R7"}
    # refDevice is in the data model (kept quietly); pickupRoute is new (reported)
    assert conn.warnings == ["new attributes, kept in the extras column: pickupRoute"]


def test_multi_attribute_reads_the_default_instance():
    ld = ld_normalized(CONTAINER)
    ld["fillingLevel"] = [
        {"type": "Property", "value": 0.9, "datasetId": "urn:ngsi-ld:Dataset:lidar"},
        {"type": "Property", "value": 0.42},
    ]
    assert ld_rows("WasteContainer", ld)["waste_readings"]["fill_level"] == 0.42


def test_an_entity_of_another_type_is_rejected():
    ld = ld_normalized(dict(CONTAINER, type="WasteContainerModel"))
    with pytest.raises(Rejected, match="expected WasteContainer"):
        ld_rows("WasteContainer", ld)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"fillingLevel": {"type": "Property", "value": "0.4"}}, "fillingLevel is not a number"),
        ({"location": {"type": "GeoProperty", "value": "POINT (24.9 60.1)"}}, "not a GeoJSON"),
        ({"location": None}, "missing location"),
    ],
)
def test_type_changes_are_rejected(change, reason):
    with pytest.raises(Rejected, match=reason):
        ld_rows("WasteContainer", dict(ld_normalized(CONTAINER), **change))


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("fillingLevel", "fillingLevel"),
        ("https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel", "fillingLevel"),
        ("https://uri.fiware.org/ns/data-models#fillingLevel", "fillingLevel"),
        ("https://uri.etsi.org/ngsi-ld/default-context/fillingLevel", "fillingLevel"),
    ],
)
def test_short_name(name, short):
    assert short_name(name) == short
