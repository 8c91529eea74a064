"""C3's read-only NGSI-LD view (issue 20): the containers, road segments and service
requests it holds as Smart Data Models entities (WasteContainer, TrafficFlowObserved,
Open311ServiceRequest) in the normalized NGSI-LD form, with the attribute names C3's
own connectors read (connectors/ngsi.py), so that another C3, or any FIWARE client, can
read this one. Owns the entity ids (`urn:ngsi-ld:<type>:<id>`), the shaping of each
entity, and the NGSI-LD problem types. A service request is the one C3's Open311 server
publishes (store.published_requests): its published id and status, the nearest street,
the point to four decimals; never its description, address, notes or photo."""

from __future__ import annotations

import json
from datetime import datetime

from services.layers import versions_now
from services.open_data import utc_iso
from services.public_requests import primary_source, with_expected
from store.open_data import entity_states, published_count
from store.published_requests import published_requests
from store.work_orders import ORDERS

# entity type -> the domains whose data versions its attributes follow
TYPES = {"WasteContainer": ("waste", "city"), "TrafficFlowObserved": ("traffic", "city"),
         "Open311ServiceRequest": ("complaints", ORDERS, "city")}  # fmt: skip
CONTEXT = "https://smartdatamodels.org/context.jsonld"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
CONTEXTS = [CONTEXT, CORE_CONTEXT]
ROAD_SEGMENT_URN = "urn:ngsi-ld:RoadSegment:"  # what connectors.road_links strips
MAX_LIMIT = 1000
DEFAULT_LIMIT = 20
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"


class NgsiLdError(Exception):
    """An NGSI-LD problem: its HTTP status, type (BadRequestData, ResourceNotFound, ...),
    title and detail."""

    def __init__(self, status: int, kind: str, title: str, detail: str):
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail

    def body(self) -> dict:
        return {"type": ERRORS + self.kind, "title": self.title, "detail": self.detail}


def bad_request(detail: str) -> NgsiLdError:
    return NgsiLdError(400, "BadRequestData", "Bad request data", detail)


def entity_id(kind: str, local: str) -> str:
    return f"urn:ngsi-ld:{kind}:{local}"


def split_id(urn: str) -> tuple[str, str] | None:
    """`urn:ngsi-ld:WasteContainer:waste-0001` -> ("WasteContainer", "waste-0001")."""
    prefix, _, rest = urn.partition("urn:ngsi-ld:")
    kind, _, local = rest.partition(":")
    if prefix or kind not in TYPES or not local:
        return None
    return kind, local


def short_type(name: str) -> str:
    """A type as asked (short, prefixed or expanded with a context) -> its short name."""
    return name.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _date_time(at: datetime | None) -> dict | None:
    return {"@type": "DateTime", "@value": utc_iso(at)} if at is not None else None


def _entity(kind: str, local: str, attributes: dict[str, dict | None]) -> dict:
    """An entity of the attributes that have a value (NGSI-LD has no null values)."""
    found = {n: a for n, a in attributes.items()
             if a is not None and a.get("value", a.get("object")) is not None}  # fmt: skip
    return {"id": entity_id(kind, local), "type": kind, **found}


def _prop(value, observed: datetime | None = None, unit: str | None = None) -> dict:
    prop = {"type": "Property", "value": value}
    if observed is not None and value is not None:
        prop["observedAt"] = utc_iso(observed)
    if unit is not None:
        prop["unitCode"] = unit
    return prop


def _place(lon: float | None, lat: float | None) -> dict | None:
    if lon is None or lat is None:
        return None
    point = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
    return {"type": "GeoProperty", "value": point}


def container(row: dict, city: str) -> dict:
    at = row["observed_at"]
    address = {"streetAddress": row["address"], "addressLocality": city}
    return _entity("WasteContainer", row["id"], {
        "location": _place(row["lon"], row["lat"]),
        "address": _prop(address if row["address"] else None),
        "areaServed": _prop(row["zone_id"]),
        "storedWasteKind": _prop(row["waste_type"]),
        "binCapacity": _prop(row["capacity_l"], unit="LTR"),
        "fillingLevel": _prop(row["fill_level"], at, "C62"),  # C62: a ratio, 0-1
        "temperature": _prop(row["temperature_c"], at, "CEL"),
        "status": _prop(row["status"], at),
        "dateObserved": _prop(_date_time(at)),
        "dateLastEmptying": _prop(_date_time(row["emptied_at"])),
    })  # fmt: skip


def flow(row: dict) -> dict:
    at = row["observed_at"]
    return _entity("TrafficFlowObserved", row["id"], {
        "refRoadSegment": {"type": "Relationship", "object": ROAD_SEGMENT_URN + row["id"]},
        "location": {"type": "GeoProperty", "value": json.loads(row["geometry"])},
        "name": _prop(row["name"]),
        "areaServed": _prop(row["zone_id"]),
        "averageVehicleSpeed": _prop(row["speed_kmh"], at, "KMH"),
        "congested": _prop(row["congested"], at),
        "intensity": _prop(row["intensity"], at),
        "occupancy": _prop(row["occupancy"], at, "C62"),
        "dateObserved": _prop(_date_time(at)),
    })  # fmt: skip


def service_request(row: dict, city: str) -> dict:
    """A request as published (store.published_requests): its street, not its address."""
    road = row["street"]
    return _entity("Open311ServiceRequest", row["service_request_id"], {
        "location": _place(row["lon"], row["lat"]),
        "service_request_id": _prop(row["service_request_id"]),
        "status": _prop(row["status"]),
        "service_code": _prop(row["service_code"]),
        "service_name": _prop(row["service_name"]),
        "agency_responsible": _prop(row["agency_responsible"]),
        "requested_datetime": _prop(_date_time(row["requested_at"])),
        "updated_datetime": _prop(_date_time(row["updated_at"])),
        "expected_datetime": _prop(_date_time(row["expected_at"])),
        "address": _prop({"streetAddress": road, "addressLocality": city} if road else None),
        "areaServed": _prop(row["zone_id"]),
    })  # fmt: skip


def _shape(kind: str, row: dict, city: str) -> dict:
    if kind == "WasteContainer":
        return container(row, city)
    if kind == "TrafficFlowObserved":
        return flow(row)
    return service_request(row, city)


CACHED_LIMITS = (20, 100, 1000)  # the default page, and the sizes clients commonly ask


def _requests(cur, settings, ids: list[str], limit: int,
              offset: int) -> tuple[list[dict], int]:  # fmt: skip
    """A page of the requests as published (those of `ids`, if any; newest filed first),
    and how many there are in all."""
    primary = primary_source(settings)
    if ids:
        found = published_requests(cur, primary, ids=ids, limit=len(ids))
        total, found = len(found), found[offset:offset + limit]
    else:
        total = published_count(cur, primary)
        found = (published_requests(cur, primary, limit=limit, offset=offset)
                 if limit and offset < total else [])  # fmt: skip
    return with_expected(found, settings), total


def _page(svc, kind: str, ids: list[str], limit: int, offset: int) -> bytes:
    """[the page's entities, the total] as JSON."""
    with svc.store.reading() as cur:
        if kind == "Open311ServiceRequest":
            rows, total = _requests(cur, svc.settings, ids, limit, offset)
        else:
            rows, total = entity_states(cur, kind, ids, limit, offset)
    city = svc.settings.city_name
    return json.dumps([[_shape(kind, r, city) for r in rows], total]).encode()


def entities(svc, kind: str, ids: list[str], limit: int, offset: int) -> tuple[list[dict], int]:
    """A page of the `kind` entities (those of `ids`, full URNs, if any), and how many
    there are in all; containers and segments in id order, requests newest filed first.
    The first page of a type at the usual sizes is read once per data version; any other
    page, and a query by ids, each time (cheap, and of any caller's choosing: no cache
    for anyone to fill)."""
    if kind not in TYPES:
        raise bad_request(f"unknown entity type {kind!r}: one of {', '.join(TYPES)}")
    locals_ = sorted({split[1] for i in ids if (split := split_id(i)) and split[0] == kind})
    if ids and not locals_:
        return [], 0
    if locals_ or offset or limit not in CACHED_LIMITS:
        found, total = json.loads(_page(svc, kind, locals_, limit, offset))
        return found, total
    versions = versions_now(svc)
    version = ".".join(str(versions.get(domain, 0)) for domain in TYPES[kind])
    found, total = json.loads(svc.cache.get_or_compute(
        f"ngsi-ld:{kind}:{limit}:{offset}", version,
        lambda: _page(svc, kind, [], limit, offset)))  # fmt: skip
    return found, total


def one(svc, urn: str) -> dict:
    """The entity of id `urn`."""
    split = split_id(urn)
    if split is not None:
        found, _ = entities(svc, split[0], [urn], 1, 0)
        if found:
            return found[0]
    if ":" not in urn:
        raise bad_request(f"{urn!r} is not a URI (an entity id is urn:ngsi-ld:<type>:<id>)")
    raise NgsiLdError(404, "ResourceNotFound", "Entity not found", f"no entity {urn}")


def key_values(entity: dict) -> dict:
    """The simplified (keyValues) form: each attribute's value alone."""
    return {name: (attr.get("value", attr.get("object")) if isinstance(attr, dict)
                   and attr.get("type") in ("Property", "GeoProperty", "Relationship")
                   else attr) for name, attr in entity.items()}  # fmt: skip
