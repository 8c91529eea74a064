"""Work orders from the cross-domain signals (issue 19): a signal that rests on
residents' reports (a sensor that disagrees with overflow reports, a full bin no round is
planned for, road reports on a segment that slowed) becomes one work order covering
those reports, with the signal's evidence as its first note, so the crew and the
inspector read why. A report that comes later joins the signal's order while it is open.
Reports already covered by an order stay where an operator put them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from analytics.work_orders import MoveRefused
from services import signals
from services import work_orders as orders
from services.access import Principal
from services.work_orders import NotAllowed
from store import work_orders as rows

log = logging.getLogger(__name__)

SIGNALS = Principal("signals", "operator", via="system")
ACTIVE = ("new", "triaged", "assigned", "in_progress")  # an order a report can still join


def open_from_signals(svc, now: datetime | None = None) -> list[int]:
    """The job worker's pass: the orders opened or joined for the signals now."""
    if not svc.settings.signals.open_orders:
        return []
    now = now or datetime.now(UTC)
    touched = []
    for signal in signals.find(svc.store, svc.settings, now):
        keys = [tuple(k.split("/", 1)) for k in signal.requests]
        if not keys:
            continue
        with svc.store.reading() as cur:
            found = rows.requests_by_key(cur, keys)
        free = [(r["source"], r["request_id"]) for r in found
                if r["order_id"] is None and r["status"] == "open"]  # fmt: skip
        if not free:
            continue
        try:
            touched.append(_order_for(svc, signal, found, free, now))
        except (MoveRefused, NotAllowed) as exc:  # moved meanwhile by someone: theirs
            log.info("signal %s: no order: %s", signal.key, exc)
    return touched


def _order_for(svc, signal, found: list[dict], free: list[tuple], now: datetime) -> int:
    why = f"{signal.title}: {signal.evidence}"
    for order_id in sorted({r["order_id"] for r in found if r["order_id"] is not None}):
        if orders.order_detail(svc.store, svc.settings, SIGNALS, order_id)["state"] in ACTIVE:
            for key in free:
                orders.link(svc.store, svc.settings, SIGNALS, order_id, key,
                            evidence=signal.title, now=now)  # fmt: skip
            return order_id
    return orders.open_order(svc.store, svc.settings, SIGNALS, free, note=why, now=now)
