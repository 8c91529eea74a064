"""What a resident and another system may know of a complaint (issue 20): a request as
C3's Open311 server publishes it, its public timeline (the source's status changes and
the work order's steps in plain words, never who did them or what they noted), the
expected date from the service level, and, once the fix is validated, the fix's photo.

The rules of the Open311 GeoReport v2 query (its filters, the 90-day and 1,000-request
caps, `updated_after` paging) are read here, each refusal one readable line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from analytics.query_time import query_time
from analytics.service_levels import order_due_at
from connectors.open311_wire import iso_local
from services.photos import HASH, photo_path
from store import Store
from store import published_requests as published

MAX_DAYS = 90  # the spec's span of one query by date
MAX_RESULTS = 1000  # and its most requests in one answer
STATUSES = ("open", "closed")
# a work order's step as a resident reads it (the crew's and inspector's notes stay inside)
STEPS = {
    "open": "Taken up by the city's operations centre",
    "triage": "Reviewed and sent to the team responsible",
    "assign": "Assigned to a field crew",
    "start": "A crew started the work",
    "done": "The crew reported it fixed; an inspector will check",
    "validate": "The fix was inspected and confirmed",
    "reject": "The inspector found more to do: back with the crew",
    "reopen": "Reopened: the problem was reported again",
    "cancel": "Closed by the operations centre",
}
# what a work order's state says in the Open311 status_notes
STATE_NOTES = {
    "new": "Received; waiting to be reviewed",
    "triaged": "Reviewed; waiting for a crew",
    "assigned": "Assigned to a field crew",
    "in_progress": "A crew is working on it",
    "done": "Fixed; waiting for inspection",
    "validated": "Fixed and inspected",
}


class BadQuery(ValueError):
    """An Open311 query C3 refuses (400), said in one line."""


@dataclass(frozen=True)
class Query:
    """One GeoReport v2 `GET requests`, read and checked."""

    ids: list[str] | None = None
    codes: list[str] | None = None
    statuses: list[str] | None = None
    requested: tuple[datetime, datetime] | None = None
    updated: tuple[datetime | None, datetime | None] | None = None
    notes: bool = False  # extensions=true: each request's public timeline as its notes


def primary_source(settings) -> str:
    """The connector whose requests keep their own ids: `[open_data] primary_source`,
    else the first configured connector of complaints (an Open311 one, or any whose
    domain is complaints), set aside or not: a mistake in it must not renumber every
    status link residents were sent."""
    if settings.open_data.primary_source:
        return settings.open_data.primary_source
    for feed in settings.connectors or ():
        if feed.kind == "open311" or feed.domain == "complaints":
            return feed.name
    return "complaints"


def published_id(primary: str, source: str, request_id: str) -> str:
    """A request's id as C3 publishes it (store.published_requests says why)."""
    return request_id if source == primary else f"{source}:{request_id}"


def notes_sources(settings) -> set[str]:
    """The sources whose own status notes may be published: Open311 servers, which
    publish them already. Another system's note field may be a staff member's note."""
    return {f.name for f in settings.connectors or () if f.kind == "open311"}


def status_link(settings, source: str, request_id: str) -> str | None:
    """The resident's status page of a request, at C3's public address (None without one:
    an address only this machine knows is no use to a resident)."""
    if not settings.public_url:
        return None
    public = published_id(primary_source(settings), source, request_id)
    return f"{settings.public_url}/status/{quote(public, safe=':')}"


def _when(args: dict, name: str, tz: str) -> datetime | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        return query_time(text, ZoneInfo(tz))
    except ValueError:
        raise BadQuery(f"{name} {text!r} is not a W3C date and time "
                       "(e.g. 2026-11-24T10:00:00Z)") from None  # fmt: skip


def _listed(args: dict, name: str) -> list[str] | None:
    values = [v.strip() for v in (args.get(name) or "").split(",") if v.strip()]
    return values or None


def read_query(args: dict, tz: str, now: datetime) -> Query:
    """A `GET requests` query from its arguments; BadQuery says what is wrong."""
    notes = (args.get("extensions") or "").lower() == "true"
    if ids := _listed(args, "service_request_id"):  # overrides every other argument
        return Query(ids=ids[:MAX_RESULTS], notes=notes)
    statuses = _listed(args, "status")
    if statuses and (wrong := [s for s in statuses if s not in STATUSES]):
        raise BadQuery(f"status {wrong[0]!r} is not open or closed")
    after, before = _when(args, "updated_after", tz), _when(args, "updated_before", tz)
    start, end = _when(args, "start_date", tz), _when(args, "end_date", tz)
    if after and before and before < after:
        raise BadQuery("updated_before is earlier than updated_after")
    by_update = after is not None or before is not None
    try:
        requested = None if by_update and start is None and end is None else \
            _filed_span(start, end, now)  # fmt: skip
    except OverflowError:
        raise BadQuery(f"a date range reaching past the calendar ({MAX_DAYS} days from "
                       "start_date or end_date)") from None  # fmt: skip
    return Query(codes=_listed(args, "service_code"), statuses=statuses, notes=notes,
                 requested=requested, updated=(after, before) if by_update else None)  # fmt: skip


def _filed_span(start: datetime | None, end: datetime | None, now: datetime):
    """The filing span asked: by default the 90 days to now, or to end_date; from a
    start_date alone, its 90 days."""
    if start is None:
        end = end or now
        start = end - timedelta(days=MAX_DAYS)
    end = end or start + timedelta(days=MAX_DAYS)
    if end < start:
        raise BadQuery("end_date is earlier than start_date")
    if end - start > timedelta(days=MAX_DAYS):
        raise BadQuery(f"the date range is limited to {MAX_DAYS} days")
    return start, end


def find(store: Store, settings, query: Query) -> list[dict]:
    """The requests a query asks for, as Open311 publishes them (notes with extensions)."""
    primary = primary_source(settings)
    with store.reading() as cur:
        found = published.published_requests(
            cur, primary, ids=query.ids, codes=query.codes, statuses=query.statuses,
            requested=query.requested, updated=query.updated, limit=MAX_RESULTS)  # fmt: skip
        timelines = _timelines(cur, found) if query.notes else {}
    with_expected(found, settings)
    tz, notes_from = settings.timezone, notes_sources(settings)
    return [open311_record(r, tz, timelines.get(r["service_request_id"]), notes_from)
            for r in found]  # fmt: skip


def services_offered(store: Store) -> list[dict]:
    """GeoReport v2 `GET services`: every type requests were filed under."""
    with store.reading() as cur:
        types = published.service_types(cur)
    return [
        {"service_code": t["service_code"], "service_name": t["service_name"] or t["service_code"],
         "description": t["service_name"] or t["service_code"], "metadata": False,
         "type": "realtime", "keywords": "", "group": t["agency_responsible"] or ""}
        for t in types
    ]  # fmt: skip


def with_expected(rows: list[dict], settings) -> list[dict]:
    """Each request's expected time: its work order's due time, else the source's, else
    the city's service level for its type from when it was filed."""
    for row in rows:
        if row["expected_at"] is None and row["requested_at"] is not None:
            levels, tz = settings.service_levels, settings.timezone
            row["expected_at"] = order_due_at(row["requested_at"], row["service_code"], levels, tz)
    return rows


def _w3c(when: datetime | None, tz: str) -> str | None:
    return iso_local(when.timestamp(), tz) if when is not None else None


def status_notes(row: dict, notes_from: set[str]) -> str | None:
    """The request's status in words: the work order's where one covers it, else the
    source's own where it is an Open311 server (`notes_from`)."""
    if row["duplicate"] and row["original_id"]:
        return (f"Same problem as request {row['original_id']}, reported earlier; "
                f"followed there. {STATE_NOTES.get(row['order_state'], '')}").strip()  # fmt: skip
    if row["order_state"] in STATE_NOTES:
        return STATE_NOTES[row["order_state"]]
    return row["status_notes"] if row["source"] in notes_from else None


def open311_record(row: dict, tz: str, notes: list[dict] | None = None,
                   notes_from: frozenset[str] | set[str] = frozenset()) -> dict:  # fmt: skip
    """One published request in the spec's field order: no description, the nearest
    street for the address, no zipcode and no resident's photo."""
    record = {
        "service_request_id": row["service_request_id"],
        "status": row["status"],
        "status_notes": status_notes(row, notes_from),
        "service_name": row["service_name"],
        "service_code": row["service_code"],
        "description": None,
        "agency_responsible": row["agency_responsible"],
        "service_notice": None,
        "requested_datetime": _w3c(row["requested_at"], tz),
        "updated_datetime": _w3c(row["updated_at"], tz),
        "expected_datetime": _w3c(row["expected_at"], tz),
        "address": row["street"],
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": None,
    }
    if notes is not None:
        record["notes"] = [{"datetime": _w3c(n["at"], tz), "type": n["type"],
                            "summary": n["what"]} for n in notes]  # fmt: skip
    return record


def _timelines(cur, rows: list[dict]) -> dict[str, list[dict]]:
    """Each request's public timeline, by its published id."""
    keys = [(r["source"], r["request_id"]) for r in rows]
    by_key: dict[tuple[str, str], list[dict]] = {}
    for event in published.source_events(cur, keys):
        by_key.setdefault((event["source"], event["request_id"]), []).append(event)
    by_order: dict[int, list[dict]] = {}
    for event in published.order_events(cur, sorted({r["order_id"] for r in rows
                                                      if r["order_id"] is not None})):  # fmt: skip
        by_order.setdefault(event["order_id"], []).append(event)
    return {
        r["service_request_id"]: timeline(
            r, by_key.get((r["source"], r["request_id"]), []), by_order.get(r["order_id"], [])
        )
        for r in rows
    }


def timeline(row: dict, source_events: list[dict], order_events: list[dict]) -> list[dict]:
    """What happened to a request, oldest first: {at, what, type} (type: the Open311
    note's, `closed` where the request closed). A duplicate's shows the order's steps
    from when it was linked; what came before is its original's."""
    agency = row["agency_responsible"] or "the city"
    steps = [{"at": row["requested_at"], "what": f"Reported to {agency}", "type": "note"}]
    closed_at = None
    for e in source_events:  # the ledger keeps each closing (and the first open)
        if e["status"] == "closed":
            steps.append({"at": e["changed_at"], "what": f"Closed by {agency}", "type": "closed"})
            closed_at = e["changed_at"]
        elif e["status"] == "open" and closed_at is not None:
            steps.append({"at": e["changed_at"], "what": "Reopened", "type": "note"})
            closed_at = None
    if closed_at is not None and row["source_status"] == "open":  # open again since
        again = max(filter(None, (row["source_updated_at"], closed_at)))
        steps.append({"at": again, "what": "Reopened", "type": "note"})
    linked = row["linked_at"] if row["duplicate"] else None
    if linked is not None:
        steps.append({"at": linked, "type": "note",
                      "what": f"Linked to request {row['original_id']}: the same problem, "
                              "reported earlier, and followed there"})  # fmt: skip
    for e in order_events:
        if e["action"] in STEPS and (linked is None or e["happened_at"] >= linked):
            kind = "closed" if e["action"] == "validate" else "note"
            steps.append({"at": e["happened_at"], "what": STEPS[e["action"]], "type": kind})
    return sorted((s for s in steps if s["at"] is not None), key=lambda s: s["at"])


@dataclass(frozen=True)
class Status:
    """A resident's view of one request."""

    request: dict  # as open311_record publishes it
    steps: list[dict]
    expected_at: datetime | None
    photo: str | None  # the fix's photo (content hash), once validated
    closed: bool


def status_of(store: Store, settings, public_id: str) -> Status | None:
    """The status page's request, or None when C3 has no request of that id."""
    with store.reading() as cur:
        found = published.published_requests(cur, primary_source(settings), ids=[public_id])
        if not found:
            return None
        row = with_expected(found, settings)[0]
        steps = _timelines(cur, [row])[public_id]
        events = published.order_events(cur, [row["order_id"]] if row["order_id"] else [])
    photo = None
    if row["order_state"] == "validated":  # the inspector's photo, else the crew's of the fix
        taken = [e["photo"] for e in events if e["photo"] and e["action"] in ("done", "validate")]
        photo = taken[-1] if taken else None
    return Status(open311_record(row, settings.timezone), steps, row["expected_at"], photo,
                  row["status"] == "closed")  # fmt: skip


def fix_photo(store: Store, settings, public_id: str, thumb: bool) -> Path | None:
    """The file of a validated fix's photo (None before validation or without one)."""
    status = status_of(store, settings, public_id)
    if status is None or status.photo is None or not HASH.match(status.photo):
        return None
    path = photo_path(settings.photo_folder, status.photo, thumb)
    return path if path.exists() else None
