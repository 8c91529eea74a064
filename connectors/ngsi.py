"""FIWARE NGSI-v2 entities: WasteContainer (waste) and TrafficFlowObserved (traffic).

Pages through `/v2/entities` with limit/offset until `Fiware-Total-Count`; accepts
keyValues and normalized payloads; reads Smart Data Models attribute names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import duckdb
import requests

from analytics.traffic import travel_time_and_ratio
from connectors.base import (
    Connector,
    Rejected,
    Row,
    Window,
    optional_float,
    optional_text,
    parse_coordinate,
)
from connectors.http import FeedError, get_json
from store.queries import segment_lengths

MAX_PAGES = 10_000  # 10 million entities at the largest page size: a broker gone wrong
WASTE_STATUSES = {"ok", "lidOpen", "dropped", "moved", "vandalized", "burning", "unknown"}


def key_values(entity: dict) -> dict:
    """Normalized NGSI-v2 (`{"type", "value", "metadata"}` per attribute) -> keyValues."""
    out = {}
    for name, attr in entity.items():
        if name in ("id", "type") or not (
            isinstance(attr, dict) and "value" in attr and "type" in attr
        ):
            out[name] = attr
        else:
            out[name] = attr["value"]
    return out


class NgsiV2Connector(Connector):
    def __init__(self, settings, city_tz):
        super().__init__(settings, city_tz)
        kinds = {
            "WasteContainer": ("waste", "waste_readings"),
            "TrafficFlowObserved": ("traffic", "traffic_readings"),
        }
        if settings.entity_type not in kinds:
            raise ValueError(
                f"{settings.name}: unsupported NGSI entity type {settings.entity_type!r}"
            )
        self.domain, self.primary_table = kinds[settings.entity_type]
        self._segments: dict[str, tuple[float, float]] = {}

    def prepare(self, cur: duckdb.DuckDBPyConnection) -> None:
        super().prepare(cur)
        if self.settings.entity_type == "TrafficFlowObserved":
            self._segments = segment_lengths(cur)

    def window(self, watermark: datetime | None, now: datetime) -> Window:
        """NGSI-v2 serves current state: this run reads what changed since the last observation."""
        return Window(watermark or now, now, backfill=watermark is None)

    def fetch(self, http: requests.Session, window: Window) -> Iterator[list[dict]]:
        headers = {}
        if self.settings.fiware_service:
            headers["Fiware-Service"] = self.settings.fiware_service
        if self.settings.fiware_service_path:
            headers["Fiware-ServicePath"] = self.settings.fiware_service_path
        url = self.settings.url.rstrip("/") + "/v2/entities"
        offset, limit = 0, self.settings.page_size
        previous_ids: list | None = None
        for _ in range(MAX_PAGES):
            params = {
                "type": self.settings.entity_type,
                "options": "keyValues,count",
                "limit": limit,
                "offset": offset,
            }
            response = get_json(http, url, self.settings.timeout_s, params=params, headers=headers)
            page = response.json()
            if not isinstance(page, list):
                raise FeedError(f"NGSI answered a {type(page).__name__}, expected a list")
            total = response.headers.get("Fiware-Total-Count")
            ids = [e.get("id") if isinstance(e, dict) else None for e in page]
            if page and ids == previous_ids:
                raise FeedError(f"{url} returned the same page for offset {offset}: offset ignored")
            previous_ids = ids
            yield page
            offset += len(page)
            if (
                not page
                or (total is not None and offset >= int(total))
                or (total is None and len(page) < limit)
            ):
                return
        raise FeedError(f"{url}: more than {MAX_PAGES} pages; stopping")

    def normalize(self, record: dict) -> dict[str, Row]:
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("id"), str)
            or not record["id"]
        ):
            raise Rejected("entity without a text id")
        entity = key_values(record)
        if entity.get("type") != self.settings.entity_type:
            raise Rejected(
                f"entity type {entity.get('type')!r}, expected {self.settings.entity_type}"
            )
        if self.settings.entity_type == "WasteContainer":
            return self._waste(entity)
        return self._traffic(entity)

    def _observed_at(self, entity: dict) -> datetime:
        value = (
            entity.get("dateObserved") or entity.get("dateModified") or entity.get("dateUpdated")
        )
        if isinstance(value, str) and "/" in value:  # an interval: start/end -> its end
            value = value.split("/", 1)[1]
        return self.parse_time(value, "dateObserved")

    def _waste(self, e: dict) -> dict[str, Row]:
        location = e.get("location")
        coords = location.get("coordinates") if isinstance(location, dict) else None
        if not (isinstance(coords, list) and len(coords) >= 2):
            raise Rejected("missing location (GeoJSON Point)")
        lon, lat = parse_coordinate(coords[0], coords[1])
        fill = optional_float(e.get("fillingLevel"), "fillingLevel")
        if fill is not None and not 0 <= fill <= 1:
            raise Rejected(f"fillingLevel {fill} outside 0-1")
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
                "capacity_l": optional_float(e.get("binCapacity"), "binCapacity"),
                "address": street,
                "lon": lon,
                "lat": lat,
            },
            "waste_readings": {
                "container_id": e["id"],
                "observed_at": observed,
                "fill_level": fill,
                "temperature_c": optional_float(e.get("temperature"), "temperature"),
                "status": status,
                "source": self.name,
            },
        }
        emptied = self.parse_time(e.get("dateLastEmptying"), "dateLastEmptying", required=False)
        if emptied is not None:
            rows["waste_collections"] = {"container_id": e["id"], "collected_at": emptied}
        return rows

    def _traffic(self, e: dict) -> dict[str, Row]:
        segment = e.get("refRoadSegment")
        if isinstance(segment, list):
            segment = segment[0] if segment else None
        if not isinstance(segment, str) or segment not in self._segments:
            raise Rejected(f"unknown road segment {segment!r}")
        speed = optional_float(e.get("averageVehicleSpeed"), "averageVehicleSpeed")
        if speed is None or speed < 0:
            raise Rejected(f"averageVehicleSpeed missing or negative: {speed!r}")
        length, freeflow = self._segments[segment]
        travel, ratio = (
            travel_time_and_ratio(length, freeflow, speed) if speed > 0 else (None, None)
        )
        congested = e.get("congested")
        return {
            "traffic_readings": {
                "segment_id": segment,
                "observed_at": self._observed_at(e),
                "speed_kmh": speed,
                "travel_time_s": None if travel is None else round(float(travel), 1),
                "congestion_ratio": None if ratio is None else round(float(ratio), 3),
                "congested": congested if isinstance(congested, bool) else None,
                "intensity": optional_float(e.get("intensity"), "intensity"),
                "occupancy": optional_float(e.get("occupancy"), "occupancy"),
                "source": self.name,
            }
        }

    def watermark_of(self, rows: list[Row]) -> datetime | None:
        return max((r["observed_at"] for r in rows), default=None)
