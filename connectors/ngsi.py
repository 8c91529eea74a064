"""FIWARE NGSI entities -> C3 rows, and the NGSI-v2 (Orion) connector.

Owns the Smart Data Models mapping shared by NGSI-v2 and NGSI-LD: WasteContainer (waste),
TrafficFlowObserved (traffic) and Open311ServiceRequest (complaints), read from a
keyValues-like dict. NgsiV2Connector pages through `/v2/entities` with limit/offset
until `Fiware-Total-Count`, asking for keyValues or the normalized representation.

NGSI payloads are typed JSON: a number that arrives as text ("0.4", "full") or a
location that is not GeoJSON means the feed changed, and the entity is quarantined.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime

import duckdb
import requests

from analytics.traffic import reading_measures
from connectors.base import Connector, Rejected, Row, Window, optional_text, parse_coordinate
from connectors.fill_scale import FillScale
from connectors.http import FeedError, get_json
from connectors.open311 import request_row
from connectors.road_links import RoadLinks
from store.ledger import append_applied_status_events
from store.queries import segment_lengths
from store.schema import to_arrow
from store.upsert import upsert

MAX_PAGES = 10_000  # 10 million entities at the largest page size: a broker gone wrong
WASTE_STATUSES = {"ok", "lidOpen", "dropped", "moved", "vandalized", "burning", "unknown"}
ENTITY_TYPES = {  # entity type -> (domain, primary table)
    "WasteContainer": ("waste", "waste_readings"),
    "TrafficFlowObserved": ("traffic", "traffic_readings"),
    "Open311ServiceRequest": ("complaints", "service_requests"),
    "Vehicle": ("crews", "crew_positions"),
}
# Attributes that are not kept in extras: what C3 reads, plus identity and the Smart Data
# Models' descriptive metadata (names, provenance, entity timestamps), which say nothing
# about the reading. Everything else an entity carries is kept in the row's extras.
COMMON = frozenset(
    {"id", "type", "name", "alternateName", "dataProvider", "source", "dateCreated"}
    | {"dateModified", "dateUpdated", "dateObserved"}
)
KNOWN = {
    "WasteContainer": COMMON
    | {"location", "address", "fillingLevel", "temperature", "status", "storedWasteKind"}
    | {"binCapacity", "dateLastEmptying"},
    # A flow's location is read only to find its road (connectors.road_links).
    "TrafficFlowObserved": COMMON
    | {"refRoadSegment", "averageVehicleSpeed", "intensity", "occupancy", "congested"}
    | {"location"},
    "Open311ServiceRequest": COMMON
    | {"service_request_id", "status", "status_notes", "service_code", "service_name"}
    | {"description", "agency_responsible", "requested_datetime", "updated_datetime"}
    | {"expected_datetime", "address", "address_string", "zipcode", "location", "media_url"},
    "Vehicle": COMMON | {"location", "speed", "heading", "serviceStatus", "observationDateTime"},
}
# Attributes the Smart Data Models define that C3 does not read: kept in extras, but not
# news (a broker that sends them has not drifted). IoT Agents add TimeInstant.
MODELLED = {
    "WasteContainer": frozenset(
        {"category", "cargoWeight", "methaneConcentration", "refDevice", "binFullnessThreshold"}
        | {"nextActuationDeadline", "serialNumber", "refWasteContainerModel", "isleId"}
        | {"actuationHours", "fillingLevel", "description", "owner", "areaServed"}
        | {"wasteContainerIsle", "TimeInstant", "color", "image", "annotations"}
    ),
    "TrafficFlowObserved": frozenset(
        {"averageVehicleLength", "averageGapDistance", "averageHeadwayTime", "laneId"}
        | {"laneDirection", "reversedLane", "vehicleType", "vehicleSubType", "description"}
        | {"dateObservedFrom", "dateObservedTo", "address", "areaServed", "TimeInstant"}
        | {"refTrafficFlowObserved", "owner"}
    ),
    "Open311ServiceRequest": frozenset(
        {"address_id", "service_notice", "attributes", "description", "TimeInstant"}
        | {"areaServed", "owner"}
    ),
    "Vehicle": frozenset(
        {"vehicleType", "category", "vehiclePlateIdentifier", "fleetVehicleId", "refVehicleModel"}
        | {"description", "cargoWeight", "currentTripCount", "areaServed", "owner", "TimeInstant"}
        | {"vehicleIdentificationNumber", "mileageFromOdometer", "municipalityInfo"}
    ),
}


def key_values(entity: dict) -> dict:
    """Normalized NGSI-v2 (`{"type", "value", "metadata"}` per attribute) -> keyValues."""
    out = {}
    for name, attr in entity.items():
        if name in ("id", "type") or not (
            isinstance(attr, dict) and "value" in attr and "type" in attr
        ):
            out[name] = attr
        elif attr["type"] == "geo:point" and isinstance(attr["value"], str):
            out[name] = _geo_point(attr["value"])
        else:
            out[name] = attr["value"]
    return out


def _geo_point(text: str) -> dict | str:
    """Orion's `geo:point` ("lat, lon") as a GeoJSON Point; left as is if it is not one."""
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        return text
    return {"type": "Point", "coordinates": [lon, lat]}


def number(value: object, field: str) -> float | None:
    """A JSON number; null is unknown. Text, even "0.4", is a type change: rejected."""
    if value is None or value == "":  # Orion gives "" for an attribute created without a value
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "text" if isinstance(value, str) else type(value).__name__
        raise Rejected(f"{field} is not a number: {value!r} ({kind}; the feed's type changed)")
    if not math.isfinite(value):
        raise Rejected(f"{field} is not a finite number: {value!r}")
    return float(value)


def boolean(value: object, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise Rejected(f"{field} is not a boolean: {value!r} (the feed's type changed)")


def point(value: object) -> tuple[float, float]:
    """(lon, lat) of a GeoJSON Point `location`."""
    if value is None:
        raise Rejected("missing location (GeoJSON Point)")
    if not isinstance(value, dict):
        raise Rejected(f"location is not a GeoJSON object: {value!r} (the feed's type changed)")
    if value.get("type", "Point") != "Point":
        raise Rejected(f"location is a GeoJSON {value.get('type')!r}, expected a Point")
    coords = value.get("coordinates")
    if not (
        isinstance(coords, list)
        and len(coords) >= 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
    ):
        raise Rejected(f"location has no numeric coordinates: {coords!r}")
    return parse_coordinate(coords[0], coords[1])


def count_header(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise FeedError(f"{name} is not a count: {value!r}") from None


def page_through(
    url: str, limit: int, get_page: Callable[[int], tuple[list, int | None]]
) -> Iterator[list]:
    """Pages from `get_page(offset)` -> (entities, total or None) until the total is read,
    or, without a total, until a short page."""
    offset, previous_ids = 0, None
    for _ in range(MAX_PAGES):
        page, total = get_page(offset)
        ids = [e.get("id") if isinstance(e, dict) else None for e in page]
        if page and ids == previous_ids:
            raise FeedError(f"{url} returned the same page for offset {offset}: offset ignored")
        previous_ids = ids
        yield page
        offset += len(page)
        if (
            not page
            or (total is not None and offset >= total)
            or (total is None and len(page) < limit)
        ):
            return
    raise FeedError(f"{url}: more than {MAX_PAGES} pages; stopping")


class NgsiConnector(Connector):
    """What NGSI-v2 and NGSI-LD share: entity -> keyValues-like dict -> C3 rows."""

    def __init__(self, settings, city_tz):
        super().__init__(settings, city_tz)
        if settings.entity_type not in ENTITY_TYPES:
            raise ValueError(
                f"{settings.name}: unsupported NGSI entity type {settings.entity_type!r}"
            )
        self.domain, self.primary_table = ENTITY_TYPES[settings.entity_type]
        self._segments: dict[str, tuple[float, float]] = {}
        self._roads = RoadLinks(settings.road_match_m)
        self._spread: list[Row] = []  # a way's reading on its other segments (after_upsert)
        self._fill = FillScale(settings.fill_scale, "fillingLevel")

    def prepare(self, cur: duckdb.DuckDBPyConnection) -> None:
        super().prepare(cur)
        self._spread = []
        if self.settings.entity_type == "TrafficFlowObserved":
            self._segments = segment_lengths(cur)
            self._roads.prepare(cur)
        elif self.settings.entity_type == "WasteContainer":
            self._fill.prepare(cur, self.name)

    def window(self, watermark: datetime | None, now: datetime) -> Window:
        """NGSI serves current state: this run reads what changed since the last observation."""
        return Window(watermark or now, now, backfill=watermark is None)

    def to_key_values(self, record: dict) -> dict:
        """The broker's representation of one entity -> attribute name: plain value."""
        return key_values(record)

    def normalize(self, record: dict) -> dict[str, Row]:
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("id"), str)
            or not record["id"]
        ):
            raise Rejected("entity without a text id")
        entity = self.to_key_values(record)
        if entity.get("type") != self.settings.entity_type:
            raise Rejected(
                f"entity type {entity.get('type')!r}, expected {self.settings.entity_type}"
            )
        if self.settings.entity_type == "WasteContainer":
            return self._waste(entity)
        if self.settings.entity_type == "TrafficFlowObserved":
            return self._traffic(entity)
        if self.settings.entity_type == "Vehicle":
            return self._vehicle(entity)
        return self._service_request(entity)

    def _extras(self, entity: dict) -> str | None:
        kind = self.settings.entity_type
        return self.extras(entity, KNOWN[kind], MODELLED[kind])

    def _observed_at(self, entity: dict) -> datetime:
        value = (entity.get("dateObserved") or entity.get("observationDateTime")
                 or entity.get("dateModified") or entity.get("dateUpdated"))  # fmt: skip
        if isinstance(value, str) and "/" in value:  # an interval: start/end -> its end
            value = value.split("/", 1)[1]
        return self.parse_time(value, "dateObserved")

    def _waste(self, e: dict) -> dict[str, Row]:
        lon, lat = point(e.get("location"))
        fill = self._fill.level(e["id"], number(e.get("fillingLevel"), "fillingLevel"))
        status = optional_text(e.get("status"), "status")
        if status is not None and status not in WASTE_STATUSES:
            raise Rejected(f"unknown status {status!r}")
        observed = self._observed_at(e)
        address = e.get("address")
        street = optional_text(
            address.get("streetAddress") if isinstance(address, dict) else address, "address"
        )
        rows: dict[str, Row] = {
            "waste_containers": {
                "container_id": e["id"],
                "waste_type": optional_text(e.get("storedWasteKind"), "storedWasteKind"),
                "capacity_l": number(e.get("binCapacity"), "binCapacity"),
                "address": street,
                "lon": lon,
                "lat": lat,
            },
            "waste_readings": {
                "container_id": e["id"],
                "observed_at": observed,
                "fill_level": fill,
                "temperature_c": number(e.get("temperature"), "temperature"),
                "status": status,
                "source": self.name,
                "extras": self._extras(e),
            },
        }
        emptied = self.parse_time(e.get("dateLastEmptying"), "dateLastEmptying", required=False)
        if emptied is not None:
            rows["waste_collections"] = {"container_id": e["id"], "collected_at": emptied}
        return rows

    def _traffic(self, e: dict) -> dict[str, Row]:
        """One reading per flow (the ledger counts flows); a flow about several segments
        (a whole OSM way) lands on the others too, in after_upsert."""
        segments = self._roads.match(e.get("refRoadSegment"), e.get("location"))
        speed = number(e.get("averageVehicleSpeed"), "averageVehicleSpeed")
        if speed is None or speed < 0:
            raise Rejected(f"averageVehicleSpeed missing or negative: {speed!r}")
        reading = {
            "observed_at": self._observed_at(e),
            "speed_kmh": speed,
            "congested": boolean(e.get("congested"), "congested"),
            "intensity": number(e.get("intensity"), "intensity"),
            "occupancy": number(e.get("occupancy"), "occupancy"),
            "source": self.name,
            "extras": self._extras(e),
        }
        rows = []
        for segment in segments:
            length, freeflow = self._segments[segment]
            travel, ratio = reading_measures(length, freeflow, speed)
            measures = {"travel_time_s": travel, "congestion_ratio": ratio}
            rows.append({"segment_id": segment, **reading, **measures})
        self._spread += rows[1:]
        return {"traffic_readings": rows[0]}

    def _vehicle(self, e: dict) -> dict[str, Row]:
        """A crew vehicle's position (Smart Data Models' Vehicle): speed in km/h."""
        lon, lat = point(e.get("location"))
        speed = number(e.get("speed"), "speed")
        if speed is not None and speed < 0:
            raise Rejected(f"speed is negative: {speed!r}")
        heading = number(e.get("heading"), "heading")
        if heading is not None and not 0 <= heading <= 360:
            raise Rejected(f"heading is not 0-360 degrees: {heading!r}")
        return {"crew_positions": {
            "crew_id": e["id"], "observed_at": self._observed_at(e), "lon": lon, "lat": lat,
            "speed_kmh": speed, "heading": heading,
            "status": optional_text(e.get("serviceStatus"), "serviceStatus"),
            "source": self.name, "extras": self._extras(e),
        }}  # fmt: skip

    def _service_request(self, e: dict) -> dict[str, Row]:
        """The same service_requests row the Open311 connector makes of the same request."""
        address = e.get("address")  # a PostalAddress or, in older feeds, text
        postal = address if isinstance(address, dict) else {"streetAddress": address}
        street = e.get("address_string") or postal.get("streetAddress")
        zipcode = e.get("zipcode") or postal.get("postalCode")
        row = request_row(
            self,
            e,
            request_id=optional_text(e.get("service_request_id"), "service_request_id") or e["id"],
            place=point(e.get("location")),
            address=optional_text(street, "address"),
            zipcode=optional_text(zipcode, "zipcode"),
            extras=self._extras(e),
        )
        return {"service_requests": row}

    def watermark_of(self, rows: list[Row]) -> datetime | None:
        if self.primary_table == "service_requests":
            return max((r["updated_at"] or r["requested_at"] for r in rows), default=None)
        return max((r["observed_at"] for r in rows), default=None)

    def after_upsert(self, cur: duckdb.DuckDBPyConnection, batch_view: str) -> None:
        if self.primary_table == "service_requests":
            append_applied_status_events(cur, self.name, batch_view)
        if self._spread:
            upsert(cur, "traffic_readings", to_arrow("traffic_readings", self._spread))


class NgsiV2Connector(NgsiConnector):
    """Orion's `/v2/entities`, keyValues or normalized, with Fiware-Service tenancy."""

    def fetch(self, http: requests.Session, window: Window) -> Iterator[list[dict]]:
        headers = {}
        if self.settings.fiware_service:
            headers["Fiware-Service"] = self.settings.fiware_service
        if self.settings.fiware_service_path:
            headers["Fiware-ServicePath"] = self.settings.fiware_service_path
        url = self.settings.url.rstrip("/") + "/v2/entities"
        options = "keyValues,count" if self.settings.ngsi_options == "keyValues" else "count"
        limit = self.settings.page_size

        def get_page(offset: int) -> tuple[list, int | None]:
            params = {
                "type": self.settings.entity_type,
                "options": options,
                "limit": limit,
                "offset": offset,
            }
            response = get_json(http, url, self.settings.timeout_s, params=params, headers=headers)
            page = response.json()
            if not isinstance(page, list):
                raise FeedError(f"NGSI answered a {type(page).__name__}, expected a list")
            return page, count_header(response, "Fiware-Total-Count")

        return page_through(url, limit, get_page)
