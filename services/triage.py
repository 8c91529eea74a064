"""What `/complaints` shows and does (issue #18): the triage queue of new requests (no
work order covers them yet) with their due times, one request with the duplicates it
may be and the crews that would reach it first, and the operator's three moves: open
an order, link a duplicate, assign a crew. The rules are `services.work_orders`'."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from analytics.service_levels import due_times
from services import work_orders as orders
from services.access import Principal
from services.signal_orders import open_from_signals
from store import work_orders as rows

log = logging.getLogger(__name__)


def choices(svc) -> dict[str, list]:
    with svc.store.reading() as cur:
        return rows.triage_choices(cur)


def queue(svc, who: Principal, filters: dict, now: datetime) -> pd.DataFrame:
    """The new requests, oldest first, as `who` may see them: key, type, department,
    zone, place, requested, due, age (h), overdue; the complainant's words only with
    personal data."""
    scoped = {**filters, "zone_id": who.zone_filter(filters.get("zone_id"))}
    with svc.store.reading() as cur:
        found = rows.triage_queue(cur, scoped, now)
    if found.empty:
        return found
    found["requested_at"] = pd.to_datetime(found["requested_at"], utc=True)
    found["due_at"] = due_times(found, svc.settings.service_levels, svc.settings.timezone)
    found["age_h"] = (now - found["requested_at"]).dt.total_seconds() / 3600
    found["overdue"] = found["due_at"] < now
    found["key"] = found["source"] + "/" + found["request_id"]
    found["street"] = found["address"].map(orders.street)
    if not who.personal_data:
        found[["description", "address"]] = None
    return found


def split_key(key: str) -> tuple[str, str]:
    source, _, request_id = key.partition("/")
    return source, request_id


def request_view(svc, who: Principal, key: str, now: datetime) -> dict | None:
    """One request as `who` may see it, the duplicates it may be (best first, with their
    evidence and order) and the crews that would reach it first (with ETAs)."""
    with svc.store.reading() as cur:
        found = rows.requests_by_key(cur, [split_key(key)])
    if not found or not who.sees_zone(found[0]["zone_id"]):
        return None
    request = orders.visible(found[0], who)
    order = None
    if found[0]["order_id"] is not None:
        with svc.store.reading() as cur:
            order = rows.order(cur, int(found[0]["order_id"]))
            order["requests"] = len(rows.order_requests(cur, order["order_id"]))
    suggested = [s for s in orders.duplicate_suggestions(svc.store, svc.settings, split_key(key))
                 if order is None or s["order_id"] != order["order_id"]]  # fmt: skip
    dispatch = getattr(svc, "dispatch", None)
    crews = dispatch.rank(found[0], now) if dispatch is not None else None
    return {"request": request, "order": order, "duplicates": suggested, "crews": crews}


def open_for(svc, who: Principal, key: str, now: datetime | None = None) -> int:
    """The order covering request `key`: its own, or one opened on it now."""
    with svc.store.reading() as cur:
        found = rows.requests_by_key(cur, [split_key(key)])
    if found and found[0]["order_id"] is not None:
        return int(found[0]["order_id"])
    return orders.open_order(svc.store, svc.settings, who, [split_key(key)], now=now)


def link_duplicate(svc, who: Principal, key: str, other: str,
                   now: datetime | None = None) -> int:  # fmt: skip
    """Request `key` repeats `other`: both under one order (`other`'s, or one opened on
    `other`, the earlier report), `key` linked with the evidence the suggestion gave (or
    "linked by <who>" where the operator linked what no rule suggested)."""
    suggested = orders.duplicate_suggestions(svc.store, svc.settings, split_key(key), limit=50)
    evidence = next((s["evidence"] for s in suggested
                     if f"{s['source']}/{s['request_id']}" == other), None)
    evidence = evidence or f"linked by {who.name}"
    order_id = open_for(svc, who, other, now)
    orders.link(svc.store, svc.settings, who, order_id, split_key(key), evidence, now=now)
    return order_id


def cancel(svc, who: Principal, key: str, why: str, now: datetime | None = None) -> int:
    """Cancel the order covering request `key` (its requests go back to the queue)."""
    with svc.store.reading() as cur:
        found = rows.requests_by_key(cur, [split_key(key)])
    if not found or found[0]["order_id"] is None:
        raise orders.MoveRefused(f"request {key} is in no work order")
    order_id = int(found[0]["order_id"])
    orders.move(svc.store, svc.settings, who, order_id, "cancel", note=why, now=now)
    return order_id


def assign(svc, who: Principal, key: str, crew_id: str, now: datetime | None = None) -> int:
    """Request `key`'s order (opened if need be) triaged and given to `crew_id`."""
    order_id = open_for(svc, who, key, now)
    orders.triage_and_assign(svc.store, svc.settings, who, order_id, crew_id, now=now)
    return order_id


AUTO = Principal("auto-assign", "operator", via="system")


@dataclass
class Desk:
    """What the triage functions read of a running C3 (a `Services` has the same): the
    store, the settings and the dispatcher; the job worker makes one for auto-assign."""

    store: object
    settings: object
    dispatch: object | None = None


SOURCES = Principal("source-feed", "operator", via="system")


def reopen_from_sources(svc, now: datetime | None = None) -> list[int]:
    """Validated orders whose request a resident reopened at the source (the source closed
    it after the validation and has it open again) go back to the queue, counted as a
    fix reopened. The orders reopened."""
    now = now or datetime.now(UTC)
    with svc.store.reading() as cur:
        found = rows.reopened_at_source(cur)
    reopened = []
    for r in found:
        since = f" since {r['reopened_at']:%Y-%m-%d %H:%M} UTC" if r["reopened_at"] else ""
        note = f"{r['source']}/{r['request_id']} open again at the source{since}"
        try:
            orders.move(svc.store, svc.settings, SOURCES, r["order_id"], "reopen", note=note,
                        now=now)  # fmt: skip
        except orders.MoveRefused as exc:  # moved meanwhile by someone else: theirs
            log.info("order %s not reopened: %s", r["order_id"], exc)
            continue
        reopened.append(r["order_id"])
    return reopened


def follow_up(svc, now: datetime | None = None) -> dict[str, list[int]]:
    """The job worker's pass over the loop: fixes reopened at their source back to the
    queue, the signals' reports into work orders (services.signal_orders), then the new
    requests of auto-assigned types to their crews."""
    try:
        reopened = reopen_from_sources(svc, now)
    except Exception:  # auto-assign goes on; the job's runner logs the next failure too
        log.exception("reopening fixes reopened at their source failed")
        reopened = []
    try:
        from_signals = open_from_signals(svc, now)
    except Exception:  # the rest of the pass goes on
        log.exception("work orders from the signals failed")
        from_signals = []
    return {"reopened": reopened, "from_signals": from_signals,
            "assigned": auto_assign(svc, now)}


def auto_assign(svc, now: datetime | None = None) -> list[int]:
    """Each new request of a type in `[dispatch] auto_assign` given to the crew that
    reaches it first, as an operator would (the job worker's pass). A request with a
    possible duplicate is left for an operator to link first. The orders made."""
    codes = svc.settings.dispatch.auto_assign
    if not codes or svc.dispatch is None:
        return []
    now = now or datetime.now(UTC)
    made = []
    for row in queue(svc, AUTO, {"service_code": codes}, now).itertuples():
        if pd.notna(row.order_id):
            continue  # an order an operator opened: theirs to triage
        if orders.duplicate_suggestions(svc.store, svc.settings, (row.source, row.request_id)):
            continue
        ranked = svc.dispatch.rank({"service_code": row.service_code, "lon": row.lon,
                                    "lat": row.lat}, now)  # fmt: skip
        if ranked:
            made.append(assign(svc, AUTO, row.key, ranked[0]["crew_id"], now=now))
    return made
