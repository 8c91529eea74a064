"""The complaint loop's rules (issue #18): who may open, link and move a work order, its
due time from the service levels, every change written with its event in one
transaction, and the duplicates a request may be, with their evidence.

An order is opened on one or more source requests and covers them all; a request joins
at most one order. Nothing is deleted: a duplicate is a request linked to the order of
the one it repeats, and keeps its own row and status history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from analytics import duplicates
from analytics.service_levels import order_due_at
from analytics.work_orders import SOURCE_UPDATES, MoveRefused, linked_update, next_state
from services.access import Principal
from store import Store, source_updates
from store import work_orders as rows
from store.ids import new_id

# who may take each action; a department acts on complaints within its zones
ACTION_ROLES = {
    "open": {"operator", "admin", "department"},
    "link": {"operator", "admin", "department"},
    "triage": {"operator", "admin", "department"},
    "assign": {"operator", "admin", "department"},
    "start": {"crew", "operator", "admin"},
    "done": {"crew", "operator", "admin"},
    "validate": {"inspector", "operator", "admin"},
    "reject": {"inspector", "operator", "admin"},
    "cancel": {"operator", "admin", "department"},
    "reopen": {"operator", "admin"},  # the job that follows the sources, as an operator
}
COMPLAINTS = "complaints"
# what a crew, a wall or anyone without personal data never receives of a request
PERSONAL_FIELDS = ("description", "address")


class NotAllowed(PermissionError):
    """The principal may not take this action (shown as it is)."""


def crew_of(settings, who: Principal) -> str | None:
    """The crew a crew-role principal works in: the crew it is a member of (or whose id
    it signs in as); the demo's visitor switched to the crew role is the first crew."""
    if who.role != "crew":
        return None
    crews = settings.field_crews
    if who.via == "demo":
        return crews[0].crew_id if crews else None
    return next((c.crew_id for c in crews if who.name in c.members or who.name == c.crew_id),
                None)  # fmt: skip


def may(settings, who: Principal, action: str, order: dict | None = None) -> bool:
    """Whether `who` may take `action` (on `order`, when given)."""
    if who.role not in ACTION_ROLES.get(action, ()):
        return False
    if who.role == "department":
        return COMPLAINTS in who.domains and (order is None or who.sees_zone(order["zone_id"]))
    if who.role == "crew" and order is not None:
        return order.get("crew_id") is not None and order["crew_id"] == crew_of(settings, who)
    return True


def _check(settings, who: Principal, action: str, order: dict | None = None) -> None:
    if not may(settings, who, action, order):
        raise NotAllowed(f"{who.role} {who.name!r} may not {action} this work order")


def _event(order_id: int, who: Principal, action: str, at: datetime, before: str | None,
           after: str, **more) -> dict:  # fmt: skip
    return {"event_id": new_id(), "order_id": order_id, "happened_at": at, "who": who.name,
            "role": who.role, "action": action, "from_state": before, "to_state": after,
            **more}  # fmt: skip


def open_order(store: Store, settings, who: Principal, keys: list[tuple[str, str]],
               note: str | None = None, now: datetime | None = None) -> int:  # fmt: skip
    """A new work order covering the requests `keys` (the first one sets its type, place
    and due time); refused when one is unknown or covered by an order already."""
    _check(settings, who, "open")
    now = now or datetime.now(UTC)

    def work(cur) -> int:
        found = {(r["source"], r["request_id"]): r for r in rows.requests_by_key(cur, keys)}
        missing = [f"{s}/{i}" for s, i in keys if (s, i) not in found]
        if missing or not keys:
            raise MoveRefused(f"no request {', '.join(missing) or '(none given)'}")
        taken = [f"{k[0]}/{k[1]} (order {r['order_id']})" for k, r in found.items()
                 if r["order_id"] is not None]  # fmt: skip
        if taken:
            raise MoveRefused(f"already covered by a work order: {', '.join(taken)}")
        first = found[keys[0]]
        if who.role == "department" and not who.sees_zone(first["zone_id"]):
            raise NotAllowed(f"the request {keys[0][1]} is outside {who.name!r}'s zones")
        order_id = new_id()
        rows.insert_order(cur, {
            **{c: first[c] for c in ("service_code", "department", "zone_id", "lon", "lat")},
            "order_id": order_id, "state": "new", "address": street(first["address"]),
            "requested_at": first["requested_at"],
            # the feed's own expected time wins, as in the queue and the KPIs
            "due_at": first["expected_at"] or order_due_at(
                first["requested_at"], first["service_code"], settings.service_levels,
                settings.timezone),
            "created_at": now, "created_by": who.name, "reopened": 0, "updated_at": now,
        })  # fmt: skip
        rows.append_event(cur, _event(order_id, who, "open", now, None, "new", note=note))
        for key in keys:
            rows.link_request(cur, order_id, key, now, who.name, None if key == keys[0]
                              else "opened together")  # fmt: skip
        return order_id

    return store.write(work)


def link(store: Store, settings, who: Principal, order_id: int, key: tuple[str, str],
         evidence: str | None = None, now: datetime | None = None) -> None:  # fmt: skip
    """Add the request `key` to an open order (a duplicate: one order covers both)."""
    now = now or datetime.now(UTC)

    def work(cur) -> None:
        order = _order(cur, order_id)
        _check(settings, who, "link", order)
        next_state(order["state"], "link")
        found = rows.requests_by_key(cur, [key])
        if not found:
            raise MoveRefused(f"no request {key[0]}/{key[1]}")
        if who.role == "department" and not who.sees_zone(found[0]["zone_id"]):
            raise NotAllowed(f"the request {key[1]} is outside {who.name!r}'s zones")
        if found[0]["order_id"] is not None:
            raise MoveRefused(f"request {key[1]} is covered by order {found[0]['order_id']}")
        rows.link_request(cur, order_id, key, now, who.name, evidence)
        note = f"{key[1]}: {evidence}" if evidence else key[1]
        rows.append_event(cur, _event(order_id, who, "link", now, order["state"],
                                      order["state"], note=note))
        primary = rows.order_requests(cur, order_id)[0]["request_id"]
        _tell_sources(cur, settings, order_id, [key], linked_update(primary), now)

    store.write(work)


def move(store: Store, settings, who: Principal, order_id: int, action: str,
         note: str | None = None,
         crew_id: str | None = None, photo: str | None = None,
         now: datetime | None = None) -> dict:  # fmt: skip
    """Take `action` on an order (triage, assign, start, done, validate, reject): its
    state and times set, the event appended. Returns the order as it is after."""
    now = now or datetime.now(UTC)
    return store.write(_mover(settings, who, order_id, action, note, crew_id, photo, now))


def triage_and_assign(store: Store, settings, who: Principal, order_id: int, crew_id: str,
                      now: datetime | None = None) -> dict:  # fmt: skip
    """An order given to `crew_id`, triaged first if it is new: one transaction, so a
    refused assignment leaves it new, in the queue."""
    now = now or datetime.now(UTC)
    triage = _mover(settings, who, order_id, "triage", None, None, None, now)
    assign = _mover(settings, who, order_id, "assign", None, crew_id, None, now)

    def work(cur) -> dict:
        state = _order(cur, order_id)["state"]
        if state == "in_progress":  # a stale screen's press: the crew is at it
            raise MoveRefused("the job is started: hand it to another crew on /field")
        if state == "new":
            triage(cur)
        return assign(cur)

    return store.write(work)


def _mover(settings, who: Principal, order_id: int, action: str, note: str | None,
           crew_id: str | None, photo: str | None, now: datetime):  # fmt: skip
    """The work of one move, to run in a write transaction (checked before it starts)."""
    if action == "assign" and not crew_id:
        raise MoveRefused("assign needs a crew")
    if action == "assign" and crew_id not in {c.crew_id for c in settings.field_crews}:
        raise MoveRefused(f"no crew {crew_id!r} in [[crews]]")
    if action in ("reject", "cancel") and not (note or "").strip():
        raise MoveRefused(f"{'a rejected fix' if action == 'reject' else 'cancelling'} "
                          "needs its reason")  # fmt: skip

    def work(cur) -> dict:
        said = note
        order = _order(cur, order_id)
        _check(settings, who, action, order)
        after = next_state(order["state"], action)
        changes = {"state": after, "updated_at": now}
        if action in ("triage", "assign") and order["first_response_at"] is None:
            changes["first_response_at"] = now
        if action == "assign":
            changes["crew_id"] = crew_id
        elif action == "done":
            changes["done_at"] = now
        elif action == "validate":
            changes["closed_at"] = now
        elif action == "reject":
            changes.update(done_at=None, reopened=order["reopened"] + 1)
        elif action == "reopen":  # to be triaged and assigned again, maybe to another crew
            changes.update(done_at=None, closed_at=None, crew_id=None,
                           reopened=order["reopened"] + 1)  # fmt: skip
        elif action == "cancel":  # its requests back to the queue; the events keep them
            released = [r["request_id"] for r in rows.order_requests(cur, order_id)]
            rows.release_requests(cur, order_id)
            said = f"{note} (released: {', '.join(released)})"
        rows.update_order(cur, order_id, changes)
        rows.append_event(cur, _event(order_id, who, action, now, order["state"], after,
                                      crew_id=changes.get("crew_id", order["crew_id"]),
                                      note=said, photo=photo))  # fmt: skip
        if action in SOURCE_UPDATES:  # the linked ones were closed when they were linked
            primary = rows.order_requests(cur, order_id)[:1]
            keys = [(r["source"], r["request_id"]) for r in primary]
            _tell_sources(cur, settings, order_id, keys, SOURCE_UPDATES[action], now)
        return {**order, **changes}

    return work


def _tell_sources(cur, settings, order_id: int, keys: list[tuple[str, str]],
                  update: tuple[str, str], now: datetime) -> None:  # fmt: skip
    """Queue `update` (status, words) for each request of `keys` whose feed takes updates,
    in the transaction of the change itself (sent later: services.source_updates)."""
    taking = {f.name for f in settings.feeds if f.post_updates != "off"}
    status, words = update
    source_updates.queue(cur, [
        {"update_id": new_id(), "connector": source, "request_id": request_id,
         "order_id": order_id, "status": status, "description": words, "updated_at": now,
         "queued_at": now, "attempts": 0, "next_attempt_at": now}
        for source, request_id in keys if source in taking
    ])  # fmt: skip


def _order(cur, order_id: int) -> dict:
    order = rows.order(cur, order_id)
    if order is None:
        raise MoveRefused(f"no work order {order_id}")
    return order


def street(address: str | None) -> str | None:
    """The street of an address, without the house number (what a crew may see)."""
    if not isinstance(address, str) or not address:  # none, or a frame's NaN
        return None
    words = [w for w in address.split(",")[0].split() if not any(c.isdigit() for c in w)]
    return " ".join(words) or None  # "12 Main St", "Main St 12a" -> "Main St"


def visible(request: dict, who: Principal) -> dict:
    """A request as `who` may see it: without the complainant's words and address unless
    they may see personal data (a crew never does)."""
    if who.personal_data and who.role not in ("crew", "wall"):
        return request
    return {**request, **{f: None for f in PERSONAL_FIELDS if f in request},
            "street": street(request.get("address"))}  # fmt: skip


def order_detail(store: Store, settings, who: Principal, order_id: int) -> dict:
    """An order with the requests it covers (as `who` may see them) and its events."""
    with store.reading() as cur:
        order = _order(cur, order_id)
        if who.role == "department" and not who.sees_zone(order["zone_id"]):
            raise NotAllowed(f"work order {order_id} is outside {who.name!r}'s zones")
        if who.role == "crew" and order["crew_id"] != crew_of(settings, who):
            raise NotAllowed(f"work order {order_id} is not {who.name!r}'s")
        covered = rows.order_requests(cur, order_id)
        history = rows.events(cur, order_id)
    return {**order, "requests": [visible(r, who) for r in covered], "events": history}


def duplicate_suggestions(store: Store, settings, key: tuple[str, str],
                          limit: int = 5) -> list[dict]:  # fmt: skip
    """The requests `key` may repeat, best first, each with its evidence (a line the
    operator reads) and the order that covers it, if any."""
    levels = settings.service_levels
    with store.reading() as cur:
        found = rows.requests_by_key(cur, [key])
        if not found or found[0]["lon"] is None:
            return []
        request = found[0]
        rule = duplicates.rule_for(request["service_code"], levels)
        window = timedelta(hours=rule.hours)
        near = rows.requests_near(cur, request["lon"], request["lat"], rule.distance_m,
                                  request["requested_at"] - window,
                                  request["requested_at"] + window, sorted(rule.types))  # fmt: skip
    if near.empty:
        return []
    near["requested_at"] = pd.to_datetime(near["requested_at"], utc=True)
    orders = near.set_index(["source", "request_id"])["order_id"]
    suggested = duplicates.suggest(request, near, levels, limit)
    for s in suggested:
        covering = orders.get((s["source"], s["request_id"]))
        s["order_id"] = None if pd.isna(covering) else int(covering)
        s["evidence"] = duplicates.evidence_line(s)
    return suggested
