"""Open311 GeoReport v2 complaints: date-windowed pulls of requests.json / requests.xml.

The spec caps a query at 90 days or 1,000 requests; windows are split until every
piece is under both, the halves overlapping by a second so nothing at a boundary is
missed (the upsert absorbs the overlap, and the newest updated_datetime wins). A server
with the page/page_size extension (`paged`) is read page by page instead of split.
Fields outside the spec (the `extensions=true` notes and attributes, or a feed's new
ones) are kept in the row's extras. A connector's `query_params` go with every query.

Known open requests filed before the window are re-read by `service_request_id`. A
server that ignores that filter (it answers with ids that were not asked for, which one
honouring it never does) is re-read instead by the date windows those requests were filed
in, for the rest of the process: one warning, and the ignored answer is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import duckdb
import requests

from connectors.base import Connector, Rejected, Row, Window, optional_text, parse_coordinate
from connectors.http import FeedError, expect_json, mask_in_logs
from connectors.open311_wire import OPEN311_FIELDS
from store.ledger import append_applied_status_events
from store.queries import open_requests

MAX_WINDOW = timedelta(days=90)
MIN_SPLIT = timedelta(seconds=2)
MAX_PAGES = 10_000  # pages of one window: a server gone wrong, not a city
IDS_PER_QUERY = 50  # service_request_id=a,b,c… (the spec's way to re-read known requests)
IDS_IGNORED = "the server ignores service_request_id"
STATUSES = {"open", "closed"}
# The spec's request fields that C3 has columns for; anything else is kept in extras.
KNOWN_FIELDS = frozenset(OPEN311_FIELDS) - {"service_notice", "address_id"}
# Fields the spec and its common extensions define that C3 has no column for: kept in
# extras quietly (they are not drift); any other field is new and named in the warnings.
MODELLED_FIELDS = frozenset(
    {"service_notice", "address_id", "attributes", "extended_attributes", "notes"}
    | {"token", "request_source", "media_urls"}
)
TEXT_FIELDS = (  # kept as the server sends them; address and zipcode are read per format
    "status_notes",
    "service_code",
    "service_name",
    "description",
    "agency_responsible",
    "media_url",
)


def _w3c(when: datetime) -> str:
    """2026-11-24T10:00:00Z: whole seconds, as servers that parse strictly expect."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def filed_spans(times: list[datetime], count: int) -> list[tuple[datetime, datetime]]:
    """At most `count` [start, end] spans covering every one of `times`, as short in all as
    can be: cut at the count - 1 widest gaps (none under MIN_SPLIT: a span ends a second
    after its last time, so such a cut would save nothing)."""
    times = sorted(times)
    gaps = [i for i in range(1, len(times)) if times[i] - times[i - 1] >= MIN_SPLIT]
    widest = sorted(gaps, key=lambda i: times[i] - times[i - 1])[max(0, len(gaps) - count + 1) :]
    cuts = sorted(widest)
    bounds = zip([0, *cuts], [*cuts, len(times)], strict=True)
    return [(times[a], times[b - 1] + timedelta(seconds=1)) for a, b in bounds if b > a]


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
    return [{child.tag: _xml_value(child) for child in request} for request in root.iter("request")]


def _xml_value(element: ET.Element) -> object:
    """An element as JSON would give it: its text (None if empty), its children as a dict,
    or as a list when they repeat one tag (<notes><note>…</note></notes> -> a list)."""
    children = list(element)
    if not children:
        text = (element.text or "").strip()
        return text or None
    tags = {child.tag for child in children}
    plural = element.tag in {f"{tag}s" for tag in tags}  # <notes> of one <note>
    if len(tags) == 1 and (len(children) > 1 or plural):
        return [_xml_value(child) for child in children]
    values: dict[str, object] = {}
    for child in children:
        value = _xml_value(child)
        if child.tag not in values:
            values[child.tag] = value
        elif isinstance(values[child.tag], list):
            values[child.tag].append(value)
        else:
            values[child.tag] = [values[child.tag], value]
    return values


def _error_text(response: requests.Response) -> str | None:
    """The descriptions in Open311's error document (JSON or XML), if the body is one."""
    try:
        if response.content.lstrip().startswith(b"<"):
            errors = [e.findtext("description", "") for e in ET.fromstring(response.content)]
        else:
            errors = [e.get("description", "") for e in response.json()]
    except (ET.ParseError, ValueError, TypeError, AttributeError):
        return None
    return "; ".join(str(e) for e in errors if e) or None


def request_row(
    connector: Connector,
    record: dict,
    *,
    request_id: str,
    place: tuple[float, float],
    address: str | None,
    zipcode: str | None,
    extras: str | None,
) -> Row:
    """A service_requests row from an Open311 request's fields (as Open311 servers and
    NGSI `Open311ServiceRequest` entities carry them); where the request is and its
    address are read by the caller, as the two formats keep them differently."""
    status = (optional_text(record.get("status"), "status") or "").strip().lower()
    if status not in STATUSES:
        raise Rejected(f"unknown status {record.get('status')!r}")
    text = {name: optional_text(record.get(name), name) for name in TEXT_FIELDS}
    time = connector.parse_time
    return {
        "source": connector.name,
        "request_id": request_id,
        "status": status,
        **text,
        "requested_at": time(record.get("requested_datetime"), "requested_datetime"),
        "updated_at": time(record.get("updated_datetime"), "updated_datetime", False),
        "expected_at": time(record.get("expected_datetime"), "expected_datetime", False),
        "address": address,
        "zipcode": zipcode,
        "lon": place[0],
        "lat": place[1],
        "extras": extras,
    }


class Open311Connector(Connector):
    domain = "complaints"
    primary_table = "service_requests"

    @property
    def _cursor_field(self) -> str:
        return "updated_at" if self.settings.updated_after else "requested_at"

    def __init__(self, settings, city_tz):
        super().__init__(settings, city_tz)
        mask_in_logs(settings.api_key)
        self._open: list[tuple[str, datetime]] = []
        self._ids_ignored = False  # learnt once, kept for the process's lifetime

    def prepare(self, cur: duckdb.DuckDBPyConnection) -> None:
        super().prepare(cur)
        # Without updated_after a server cannot say what changed: ask for our open ones by id.
        self._open = [] if self.settings.updated_after else open_requests(cur, self.name)

    def fetch(self, http: requests.Session, window: Window) -> Iterator[list[dict]]:
        by_update = self.settings.updated_after and not window.backfill
        yield from self._fetch_range(http, window.start, window.end, by_update)
        older = [(rid, requested) for rid, requested in self._open if requested < window.start]
        yield from self._reread(http, older)

    def _fetch_range(self, http, start: datetime, end: datetime, by_update: bool):
        cursor = start
        while cursor < end:
            piece_end = min(cursor + MAX_WINDOW, end)
            yield from self._fetch_window(http, cursor, piece_end, by_update)
            cursor = piece_end

    def _reread(self, http, older: list[tuple[str, datetime]]):
        """Known open requests filed before the window, by id; once the server is known to
        ignore service_request_id, by the windows they were filed in, in as many queries as
        by id (each split at the server's cap), so an idle poll reads only those windows."""
        ids = [rid for rid, _ in older]
        for i in range(0, len(ids), IDS_PER_QUERY):
            if self._ids_ignored:
                break
            asked = ids[i : i + IDS_PER_QUERY]
            yield self._read(http, {"service_request_id": ",".join(asked)}, asked)
        if self._ids_ignored:
            count = -(-len(ids) // IDS_PER_QUERY)
            for start, end in filed_spans([requested for _, requested in older], count):
                yield from self._fetch_range(http, start, end, False)

    def _honours_ids(self, asked: list[str], got: list) -> bool:
        """False (and warned, once) when an answer by id holds a request not asked for:
        a server honouring the filter only ever answers with ids it was asked, and the
        ids asked are the server's own, as text (normalize() reads them the same way)."""
        wanted = set(asked)
        other = [
            r
            for r in got
            if isinstance(r, dict)
            and r.get("service_request_id") is not None
            and str(r["service_request_id"]) not in wanted
        ]
        if not other:
            return True
        self._ids_ignored = True
        self.warnings.append(
            f"{IDS_IGNORED} (asked {len(asked)} ids, got {len(other):,} other requests): "
            "known open requests are re-read by date window instead"
        )
        return False

    def _fetch_window(self, http, start: datetime, end: datetime, by_update: bool):
        """Query [start, end]; at the server's cap, split in halves that overlap by a second."""
        records = self._query(http, start, end, by_update)
        if not self._capped(len(records)):
            yield records
            return
        if end - start <= MIN_SPLIT:
            # Refuse to guess: failing keeps the watermark, so nothing is skipped for good.
            raise FeedError(
                f"{len(records)} requests between {start:%Y-%m-%d %H:%M:%S} and "
                f"{end:%H:%M:%S}: more than the server returns per query"
            )
        middle = (start + (end - start) / 2).replace(microsecond=0)
        yield from self._fetch_window(http, start, middle + timedelta(seconds=1), by_update)
        yield from self._fetch_window(http, middle, end, by_update)

    def _capped(self, received: int) -> bool:
        """Did the server stop at its cap? A paged server that still caps the whole
        answer stops at exactly max_results."""
        if self.settings.paged:
            return received == self.settings.max_results
        return received >= self.settings.max_results

    def _query(self, http, start: datetime, end: datetime, by_update: bool) -> list[dict]:
        names = ("updated_after", "updated_before") if by_update else ("start_date", "end_date")
        return self._read(http, {names[0]: _w3c(start), names[1]: _w3c(end)})

    def _read(self, http, params: dict, asked: list[str] | None = None) -> list[dict]:
        """Everything one query answers: one request, or with `paged` page after page.

        A server may clamp page_size without saying so (Chicago: at most 500, 50 when it
        ignores the parameter), so a page is short only against the first page's length,
        and a window whose first page is short is read on until an empty page. A query
        by the `asked` ids that a page shows ignored answers nothing (and is read no further).
        """
        if not self.settings.paged:
            got = self._get(http, params)
            return got if asked is None or self._honours_ids(asked, got) else []
        size, records, previous, full = self.settings.page_size, [], None, None
        for page in range(1, MAX_PAGES + 1):
            got = self._get(http, dict(params, page=page, page_size=size))
            if asked is not None and not self._honours_ids(asked, got):
                return []
            ids = [r.get("service_request_id") if isinstance(r, dict) else None for r in got]
            if got and ids == previous:
                raise FeedError(f"Open311 returned the same requests for page {page}: page ignored")
            previous = ids
            records += got
            full = len(got) if full is None else full
            if not got or len(got) < full:
                return records
        raise FeedError(f"more than {MAX_PAGES} pages for one window; stopping")

    def _get(self, http, params: dict) -> list[dict]:
        params = {**self.settings.query_params, **params}  # config refuses C3's own keys
        if self.settings.jurisdiction_id:
            params["jurisdiction_id"] = self.settings.jurisdiction_id
        if self.settings.extensions:
            params["extensions"] = "true"
        if self.settings.api_key:
            params["api_key"] = self.settings.api_key
        url = f"{self.settings.url.rstrip('/')}/requests.{self.settings.format}"
        response = http.get(url, params=params, timeout=self.settings.timeout_s)
        if response.status_code >= 400 and (reason := _error_text(response)):
            raise FeedError(f"Open311 answered {response.status_code}: {reason}")
        response.raise_for_status()
        if self.settings.format == "xml":
            return parse_requests_xml(response.content)
        try:
            body = expect_json(response, url).json()
        except ValueError as exc:
            raise FeedError(f"Open311 answered malformed JSON (cut short?): {exc}") from None
        if not isinstance(body, list):
            raise FeedError(f"Open311 answered a {type(body).__name__}, expected a list")
        return body

    def normalize(self, record: dict) -> dict[str, Row]:
        if not isinstance(record, dict):
            raise Rejected("record is not an object")
        request_id = optional_text(record.get("service_request_id"), "service_request_id")
        if not request_id:
            raise Rejected("no service_request_id (not yet assigned by the server)")
        lon, lat = parse_coordinate(record.get("long"), record.get("lat"))
        row = request_row(
            self,
            record,
            request_id=request_id,
            place=(lon, lat),
            address=optional_text(record.get("address"), "address"),
            zipcode=optional_text(record.get("zipcode"), "zipcode"),
            extras=self.extras(record, KNOWN_FIELDS, MODELLED_FIELDS),
        )
        return {"service_requests": row}

    def watermark_of(self, rows: list[Row]) -> datetime | None:
        times = [r[self._cursor_field] for r in rows if r.get(self._cursor_field)]
        return max(times, default=None)

    def after_upsert(self, cur: duckdb.DuckDBPyConnection, batch_view: str) -> None:
        append_applied_status_events(cur, self.name, batch_view)
