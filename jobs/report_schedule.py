"""When each report kind runs (issue #6): the latest slot of its cron line in the city's
time zone, and the `report_runs` ledger that lets a slot run once only, across restarts.
The scheduler asks every minute; a slot missed while C3 was down is produced once when
it comes back (only the newest missed slot: coalesced), marked late."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from config import ReportKind
from store import Store

LOOKBACK = timedelta(days=366)  # far enough back to find the last slot of a yearly report


def last_slot(cron: str, tz: str, now: datetime) -> datetime | None:
    """The newest time at or before `now` that `cron` (crontab, local time) fires."""
    trigger = CronTrigger.from_crontab(cron, timezone=tz)
    found, when = None, trigger.get_next_fire_time(None, now - LOOKBACK)
    while when is not None and when <= now:
        found = when
        when = trigger.get_next_fire_time(when, when + timedelta(seconds=1))
    return found


def claim(store: Store, kind: str, slot: datetime, now: datetime, late: bool) -> bool:
    """Take the slot for this run; False when a run (this process or another, before a
    restart) has already taken it."""
    with store.transaction() as cur:
        taken = cur.execute(
            "INSERT INTO report_runs (kind, slot, claimed_at, late, status) "
            "VALUES (?, ?, ?, ?, 'running') ON CONFLICT DO NOTHING RETURNING kind",
            [kind, slot, now, late],
        ).fetchone()
    return taken is not None


def finish(store: Store, kind: str, slot: datetime, now: datetime, error: str | None) -> None:
    with store.transaction() as cur:
        cur.execute(
            "UPDATE report_runs SET finished_at = ?, status = ?, error = ? "
            "WHERE kind = ? AND slot = ?",
            [now, "failed" if error else "ok", error, kind, slot],
        )


def run_due(
    store: Store,
    kinds: list[ReportKind],
    tz: str,
    now: datetime,
    produce: Callable[[ReportKind, datetime, bool], None],
    late_after: timedelta = timedelta(minutes=15),
) -> list[tuple[str, datetime, bool]]:
    """Produce every kind whose newest slot has not run yet; returns (kind, slot, late)
    of what ran. A failure is recorded on its slot (not retried by the schedule)."""
    ran = []
    for kind in kinds:
        slot = last_slot(kind.cron, tz, now)
        if slot is None:
            continue
        late = now - slot > late_after
        if not claim(store, kind.name, slot, now, late):
            continue
        try:
            produce(kind, slot, late)
        except Exception as exc:  # the ledger keeps the reason; the next slot still runs
            finish(store, kind.name, slot, now, f"{type(exc).__name__}: {exc}")
        else:
            finish(store, kind.name, slot, now, None)
        ran.append((kind.name, slot, late))
    return ran
