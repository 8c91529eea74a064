"""NGSI entities the connectors' tests read: one of each type in NGSI-v2 keyValues form,
and the same as NGSI-LD normalized; and a store whose only road is the one FLOW is on."""

from __future__ import annotations

from store import Store

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

SERVICE_REQUEST = {  # the Smart Data Models example, located in Helsinki
    "id": "service-request:638344",
    "type": "Open311ServiceRequest",
    "service_request_id": "638344",
    "status": "closed",
    "status_notes": "Duplicate request.",
    "service_name": "Aceras",
    "service_code": "234",
    "description": "Acera en mal estado con bordillo partido en dos",
    "agency_responsible": "Ayuntamiento de Ciudad",
    "requested_datetime": "2010-04-14T06:37:38-08:00",
    "updated_datetime": "2010-04-14T07:37:38-08:00",
    "expected_datetime": "2010-04-15T06:37:38-08:00",
    "address_string": "Calle San Juan Bautista, 2",
    "zipcode": "00100",
    "location": {"type": "Point", "coordinates": [24.9384, 60.1699]},
    "media_url": "http://exaple.org/media/638344.jpg",
}


def one_road_store() -> Store:
    """A store in memory whose road network is FLOW's segment, `w1-0`: 100 m, 30 km/h."""
    db = Store(":memory:")
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO road_segments (segment_id, length_m, freeflow_kmh, geom) VALUES "
            "('w1-0', 100.0, 30.0, 'LINESTRING (24.9384 60.1699, 24.9402 60.1699)'::GEOMETRY)"
        )
    return db


SDM = "https://smartdatamodels.org/"
CONTEXT = ["https://smartdatamodels.org/context.jsonld"]


def ld_normalized(entity, observed_at=None, expand=False):
    """keyValues -> NGSI-LD normalized: Property / GeoProperty / Relationship per attribute."""
    out = {"@context": CONTEXT, "id": f"urn:ngsi-ld:{entity['type']}:{entity['id']}"}
    out["type"] = f"{SDM}dataModel.X/{entity['type']}" if expand else entity["type"]
    for name, value in entity.items():
        if name in ("id", "type"):
            continue
        if name == "location":
            attr = {"type": "GeoProperty", "value": value}
        elif name.startswith("ref"):
            attr = {"type": "Relationship", "object": value}
        elif name.startswith("date") or name.endswith("_datetime"):
            attr = {"type": "Property", "value": {"@type": "DateTime", "@value": value}}
        else:
            attr = {"type": "Property", "value": value}
            if observed_at:
                attr["observedAt"] = observed_at
        out[f"{SDM}dataModel.X/{name}" if expand else name] = attr
    return out
