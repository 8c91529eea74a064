"""When each report kind runs (issue #6): the latest slot of its cron line in the city's
time zone, and the `report_runs` ledger that lets a slot run once only, across restarts.
The scheduler asks every minute; a slot missed while C3 was down is produced once when
it comes back (only the newest missed slot: coalesced), marked late."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from config import ReportKind
from store import Store
from store.reports import claim, finish

log = logging.getLogger(__name__)
# how far back to look for the last slot, widening: far enough for a yearly report
LOOKBACKS = (timedelta(days=1), timedelta(days=32), timedelta(days=366))


def last_slot(cron: str, tz: str, now: datetime) -> datetime | None:
    """The newest time at or before `now` that `cron` (crontab, local time) fires."""
    trigger = CronTrigger.from_crontab(cron, timezone=tz)
    for back in LOOKBACKS:  # a short look first: a frequent cron has many slots a year
        found, when = None, trigger.get_next_fire_time(None, now - back)
        while when is not None and when <= now:
            found = when
            when = trigger.get_next_fire_time(when, when + timedelta(seconds=1))
        if found is not None:
            return found
    return None


def run_due(
    store: Store,
    kinds: list[ReportKind],
    tz: str,
    now: datetime,
    produce: Callable[[ReportKind, datetime, bool], str | None],
    late_after: timedelta = timedelta(minutes=15),
) -> list[tuple[str, datetime, bool]]:
    """Produce every kind whose newest slot has not run yet; returns (kind, slot, late)
    of what ran. `produce` returns the parts it could not fill, if any; a failure is
    recorded on its slot (not retried by the schedule)."""
    ran = []
    for kind in kinds:
        slot = last_slot(kind.cron, tz, now)
        if slot is None:
            continue
        late = now - slot > late_after
        if not claim(store, kind.name, slot, now, late):
            continue
        try:
            missing = produce(kind, slot, late)
        except Exception as exc:  # the ledger keeps the reason; the next slot still runs
            log.exception("report %s for %s failed", kind.name, slot)
            finish(store, kind.name, slot, now, f"{type(exc).__name__}: {exc}")
        else:
            finish(store, kind.name, slot, now, None, missing)
        ran.append((kind.name, slot, late))
    return ran
