"""The retention pass the job worker runs each hour: old readings rolled up and deleted (a
day of them per transaction), old rollups, ledger runs, quarantined records, sign-ins and
report files deleted, each after its `[retention]` setting; and on a lake, its
maintenance (store.retention)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import duckdb

from config import Settings
from services.reports.archive import expire_reports
from store import Store
from store.bulk import checkpoint
from store.retention import Cutoffs, hour_floor, oldest_reading, prune, roll_up_readings

log = logging.getLogger(__name__)

# A lake's file that no snapshot reads any more is deleted this long after it was given
# up (merged, or its snapshots expired): no read of C3 lasts that long, and one under way
# in another process may be scanning it still.
FILES_GRACE = timedelta(hours=1)


def cutoffs(settings: Settings, now: datetime) -> Cutoffs:
    """The moments before which each kind of data goes, at `now`."""
    keep, access = settings.retention, settings.access
    longest_sign_in = max(access.wall_session_days, access.session_hours / 24)
    return Cutoffs(
        raw=hour_floor(now - timedelta(days=keep.raw_days)),
        rollups=hour_floor(now - timedelta(days=keep.rollup_days)),
        ingest_runs=now - timedelta(days=keep.ingest_runs_days),
        quarantine=now - timedelta(days=keep.quarantine_days),
        sessions=now - timedelta(days=keep.session_days),
        sessions_begun=now - timedelta(days=longest_sign_in + keep.session_days),
    )


def free_deleted_blocks(store: Store) -> None:
    """Checkpoint the file now, so the blocks of the rows just deleted are free for the
    next writes to reuse (left to the automatic checkpoint, new readings land in new
    blocks first and the file keeps growing). Skipped, not waited for, when a long read
    holds the file: the next pass frees them."""
    try:
        with store.reading() as cur:
            checkpoint(cur)
    except duckdb.Error as exc:
        log.info("retention: the checkpoint waits for the next pass (%s)", exc)


def roll_up_by_day(store: Store, before: datetime) -> dict[str, int]:
    """Roll up and delete the readings observed before `before`, a day of them per
    transaction, oldest first: a store's first pass over months of readings never holds
    the feeds' commits back for long. Readings moved per domain."""
    moved = {"waste_readings": 0, "traffic_readings": 0}
    while True:
        with store.reading() as cur:
            oldest = oldest_reading(cur)
        if oldest is None or oldest >= before:
            return moved
        upto = min(hour_floor(oldest) + timedelta(days=1), before)
        for domain, n in store.write(lambda cur, upto=upto: roll_up_readings(cur, upto)).items():
            moved[f"{domain}_readings"] += n


def run_retention(store: Store, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """One retention pass at `now` (default: now); rows (and report files) deleted per kind."""
    now = now or datetime.now(UTC)
    at = cutoffs(settings, now)
    gone = roll_up_by_day(store, at.raw)
    gone.update(store.write(lambda cur: prune(cur, at)))
    gone["report_files"] = expire_reports(
        settings.report_folder, now - timedelta(days=settings.retention.report_days),
        settings.timezone)  # fmt: skip
    if any(gone.values()):
        log.info("retention: %s", ", ".join(f"{n} {kind}" for kind, n in gone.items() if n))
        if store.lake is None:
            free_deleted_blocks(store)
    if store.lake is not None:
        store.maintain_lake(now - timedelta(hours=settings.retention.snapshot_hours),
                            now - FILES_GRACE)  # fmt: skip
    return gone
