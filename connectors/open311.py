"""Open311 GeoReport v2 complaints: date-windowed pulls of requests.json / requests.xml.

The spec caps a query at 90 days or 1,000 requests; windows are split until every
piece is under both, so nothing at a boundary is missed (the upsert absorbs overlaps).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import duckdb
import requests

from connectors.base import Connector, Rejected, Row, optional_text, parse_coordinate
from connectors.http import FeedError, get_json
from store.ledger import append_status_events

MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MIN_SPLIT = timedelta(seconds=2)
STATUSES = {"open", "closed"}
TEXT_FIELDS = (
    "status_notes",
    "service_code",
    "service_name",
    "description",
    "agency_responsible",
    "address",
    "zipcode",
    "media_url",
)


def parse_requests_xml(body: bytes) -> list[dict]:
    """`<service_requests>` (spec) or `<requests>` (FixMyStreet) -> list of dicts."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise FeedError(f"malformed Open311 XML: {exc}") from None
    if root.tag == "errors":
        messages = [e.findtext("description", "") for e in root.iter("error")]
        raise FeedError(f"Open311 error: {'; '.join(messages)}")
    if root.tag not in ("service_requests", "requests"):
        raise FeedError(f"unexpected Open311 XML root <{root.tag}>")
    return [
        {
            child.tag: (child.text.strip() if child.text and child.text.strip() else None)
            for child in request
        }
        for request in root.iter("request")
    ]


class Open311Connector(Connector):
    domain = "complaints"
    primary_table = "service_requests"

    def __init__(self, settings, city_tz):
        super().__init__(settings, city_tz)
        self._first_run = True  # the first pull backfills by request date

    @property
    def _cursor_field(self) -> str:
        return "updated_at" if self.settings.updated_after else "requested_at"

    def window(self, watermark, now):
        start, end = super().window(watermark, now)
        self._first_run = watermark is None
        return start, end

    def fetch(self, http: requests.Session, start: datetime, end: datetime) -> Iterator[list[dict]]:
        pieces = []
        cursor = start
        while cursor < end:
            pieces.append((cursor, min(cursor + MAX_WINDOW, end)))
            cursor = pieces[-1][1]
        for piece in pieces:
            yield from self._fetch_window(http, *piece)

    def _fetch_window(self, http, start: datetime, end: datetime) -> Iterator[list[dict]]:
        records = self._query(http, start, end)
        if len(records) >= MAX_RESULTS and end - start > MIN_SPLIT:
            middle = start + (end - start) / 2
            yield from self._fetch_window(http, start, middle)
            yield from self._fetch_window(http, middle, end)
            return
        if len(records) >= MAX_RESULTS:
            self.warn_once(f"more than {MAX_RESULTS} requests within {MIN_SPLIT} at {start}")
        yield records

    def _query(self, http, start: datetime, end: datetime) -> list[dict]:
        fmt = "xml" if self.settings.url.endswith(".xml") else "json"
        base = self.settings.url.rstrip("/").removesuffix(".xml").removesuffix(".json")
        by_update = self.settings.updated_after and not self._first_run
        names = ("updated_after", "updated_before") if by_update else ("start_date", "end_date")
        params = {names[0]: start.isoformat(), names[1]: end.isoformat()}
        url = f"{base}/requests.{fmt}"
        if fmt == "xml":
            response = http.get(url, params=params, timeout=self.settings.timeout_s)
            response.raise_for_status()
            return parse_requests_xml(response.content)
        body = get_json(http, url, self.settings.timeout_s, params=params).json()
        if not isinstance(body, list):
            raise FeedError(f"Open311 answered a {type(body).__name__}, expected a list")
        return body

    def normalize(self, record: dict) -> dict[str, Row]:
        if not isinstance(record, dict):
            raise Rejected("record is not an object")
        request_id = record.get("service_request_id")
        if request_id in (None, ""):
            raise Rejected("no service_request_id (not yet assigned by the server)")
        status = (record.get("status") or "").strip().lower()
        if status not in STATUSES:
            raise Rejected(f"unknown status {record.get('status')!r}")
        lon, lat = parse_coordinate(record.get("long"), record.get("lat"))
        text = {name: optional_text(record.get(name), name) for name in TEXT_FIELDS}
        row = {
            "source": self.name,
            "request_id": str(request_id),
            "status": status,
            "status_notes": text["status_notes"],
            "service_code": text["service_code"],
            "service_name": text["service_name"],
            "description": text["description"],
            "agency_responsible": text["agency_responsible"],
            "requested_at": self.parse_time(record.get("requested_datetime"), "requested_datetime"),
            "updated_at": self.parse_time(
                record.get("updated_datetime"), "updated_datetime", False
            ),
            "expected_at": self.parse_time(
                record.get("expected_datetime"), "expected_datetime", False
            ),
            "address": text["address"],
            "zipcode": text["zipcode"],
            "lon": lon,
            "lat": lat,
            "media_url": text["media_url"],
        }
        return {"service_requests": row}

    def watermark_of(self, rows: list[Row]) -> datetime | None:
        times = [r[self._cursor_field] for r in rows if r.get(self._cursor_field)]
        return max(times, default=None)

    def after_upsert(self, cur: duckdb.DuckDBPyConnection, batch_view: str) -> None:
        append_status_events(cur, self.name, batch_view)
