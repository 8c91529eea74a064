"""Encoders for the simulator's output in the formats real cities publish.

Open311 GeoReport v2 (JSON and XML) and FIWARE NGSI-v2 (keyValues and normalized),
using the Smart Data Models attribute names and units.
"""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.open311_wire import iso_local


def iso_utc(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open311_request(row: dict, tz: str, extensions: bool = False) -> dict:
    """One request in GeoReport v2 field order; ids and codes as strings. With
    `extensions` (extensions=true), the agency's notes too, as FixMyStreet and others
    send them."""
    request = {
        "service_request_id": str(row["service_request_id"]),
        "status": row["status"],
        "status_notes": row.get("status_notes"),
        "service_name": row["service_name"],
        "service_code": str(row["service_code"]),
        "description": row["description"],
        "agency_responsible": row["agency_responsible"],
        "service_notice": None,
        "requested_datetime": iso_local(row["requested_s"], tz),
        "updated_datetime": iso_local(row["updated_s"], tz),
        "expected_datetime": iso_local(row["expected_s"], tz),
        "address": row["address"],
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": None,
    }
    if extensions:
        request["notes"] = open311_notes(row, tz)
    return request


def open311_notes(row: dict, tz: str) -> list[dict]:
    """What the agency noted: the request received, and its closing."""
    notes = [{"datetime": iso_local(row["requested_s"], tz), "type": "note",
              "summary": f"Received by {row['agency_responsible']}"}]  # fmt: skip
    if row["status"] == "closed":
        notes.append({"datetime": iso_local(row["updated_s"], tz), "type": "closed",
                      "summary": row.get("status_notes") or "Closed"})  # fmt: skip
    return notes


_NGSI_TYPES = {bool: "Boolean", int: "Number", float: "Number", str: "Text"}


def ngsi_normalized(entity: dict) -> dict:
    """keyValues -> normalized: each attribute as {type, value, metadata}."""
    out = {"id": entity["id"], "type": entity["type"]}
    for name, value in entity.items():
        if name in ("id", "type"):
            continue
        if name == "location":
            kind = "geo:json"
        elif name.startswith("ref"):
            kind = "Relationship"
        elif name.startswith("date"):
            kind = "DateTime"
        elif isinstance(value, dict | list):
            kind = "StructuredValue"
        else:
            kind = _NGSI_TYPES.get(type(value), "Text") if value is not None else "None"
        out[name] = {"type": kind, "value": value, "metadata": {}}
    return out


def waste_container_entity(c: dict, state: dict, observed_s: float, city: str) -> dict:
    """A WasteContainer (dataModel.WasteManagement) in keyValues form."""
    return {
        "id": c["container_id"],
        "type": "WasteContainer",
        "location": {"type": "Point", "coordinates": [round(c["lon"], 6), round(c["lat"], 6)]},
        "address": {"streetAddress": c["address"], "addressLocality": city},
        "fillingLevel": state["fill_level"],
        "temperature": state["temperature_c"],
        "status": state["status"],
        "storedWasteKind": c["waste_type"],
        "binCapacity": c["capacity_l"],
        "category": ["fixed", "ground"],
        "dateLastEmptying": iso_utc(state["last_emptied_s"]),
        "dateModified": iso_utc(observed_s),
    }


def traffic_flow_entity(s: dict, state: dict, observed_s: float, period_s: int) -> dict:
    """A TrafficFlowObserved (dataModel.Transportation); dateObserved is an interval."""
    return {
        "id": f"traffic-{s['segment_id']}",
        "type": "TrafficFlowObserved",
        "refRoadSegment": s["segment_id"],
        "name": s["name"],
        "location": s["geometry"],
        "dateObserved": f"{iso_utc(observed_s - period_s)}/{iso_utc(observed_s)}",
        "averageVehicleSpeed": state["speed_kmh"],
        "intensity": state["intensity"],
        "occupancy": state["occupancy"],
        "congested": state["congested"],
        "laneDirection": "forward",
    }
