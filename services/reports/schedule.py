"""When each report kind runs (issue #6): the latest slot of its cron line in the city's
time zone, and the `report_runs` ledger that lets a slot run once only, across restarts.
The scheduler asks every minute; a slot missed while C3 was down is produced once when
it comes back (only the newest missed slot: coalesced), marked late."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from config import ReportKind
from store import Store
from store.reports import claim, finish

log = logging.getLogger(__name__)
# how far back to look for the last slot, widening: far enough for a yearly report
LOOKBACKS = (timedelta(days=1), timedelta(days=32), timedelta(days=366))


def _next_after(trigger: CronTrigger, when: datetime) -> datetime | None:
    """The first fire time strictly after `when`, in UTC. Asked from a UTC moment with no
    previous fire time: APScheduler 3 steps from the previous one in wall time, which
    repeats a slot in the hour the clocks go back (and Python compares two times of the
    same zone by wall time, so the repeat would look like progress)."""
    following = trigger.get_next_fire_time(None, when.astimezone(UTC) + timedelta(seconds=1))
    return None if following is None else following.astimezone(UTC)


def _wall(when: datetime, tz: str) -> datetime:
    return when.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def last_slot(cron: str, tz: str, now: datetime) -> datetime | None:
    """The newest time at or before `now` that `cron` (crontab, local time) fires."""
    trigger = CronTrigger.from_crontab(cron, timezone=tz)
    for back in LOOKBACKS:  # a short look first: a frequent cron has many slots a year
        found, when = None, _next_after(trigger, now - back - timedelta(seconds=1))
        while when is not None and when <= now:
            # the hour the clocks go back repeats its wall times: run the first one only,
            # as cron does (a report's file is named by its wall time)
            if found is None or _wall(when, tz) != _wall(found, tz):
                found = when
            when = _next_after(trigger, when)
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
            finish(store, kind.name, slot, datetime.now(UTC), f"{type(exc).__name__}: {exc}")
        else:
            finish(store, kind.name, slot, datetime.now(UTC), None, missing)
        ran.append((kind.name, slot, late))
    return ran
