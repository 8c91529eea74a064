"""The retention pass the job worker runs each hour: the zone hours rolled from the new
raw readings (store.zone_rollups); old readings rolled up into 15-minute buckets, those
into hourly and those into daily ones, each after its `[retention]` days (a day or a week
of them per transaction); old daily buckets, ledger runs, quarantined records, sign-ins
and report files deleted; and on a lake, its maintenance (store.retention)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import duckdb

from config import Settings
from services.reports.archive import expire_reports
from store import Store
from store.bulk import checkpoint
from store.retention import (
    Cutoffs,
    coarsen,
    hour_floor,
    oldest_bucket,
    oldest_reading,
    prune,
    roll_up_readings,
)
from store.zone_rollups import hours_to_roll, roll_zone_hours

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)

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
        quarter_hours=hour_floor(now - timedelta(days=keep.rollup_15min_days)),
        hours=hour_floor(now - timedelta(days=keep.rollup_hourly_days)),
        rollups=hour_floor(now - timedelta(days=keep.rollup_days)),
        ingest_runs=now - timedelta(days=keep.ingest_runs_days),
        quarantine=now - timedelta(days=keep.quarantine_days),
        sessions=now - timedelta(days=keep.session_days),
        sessions_begun=now - timedelta(days=longest_sign_in + keep.session_days),
        crew_positions=now - timedelta(days=keep.crew_position_days),
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


def roll_up_in_spans(store: Store, before: datetime, oldest: Callable, roll: Callable,
                    span: timedelta) -> dict[str, int]:  # fmt: skip
    """Roll up what is older than `before`, a `span` of it per transaction, oldest first
    (`oldest(cur)` finds where it begins, `roll(cur, upto)` moves it): a store's first pass
    over months never holds the feeds' commits back for long. Rows moved per domain."""
    moved = {"waste": 0, "traffic": 0}
    while True:
        with store.reading() as cur:
            start = oldest(cur)
        if start is None or start >= before:
            return moved
        upto = min(hour_floor(start) + span, before)
        for domain, n in store.write(lambda cur, upto=upto: roll(cur, upto)).items():
            moved[domain] += n


def roll_up_by_day(store: Store, before: datetime) -> dict[str, int]:
    """Roll the readings observed before `before` into 15-minute buckets and delete them,
    a day at a time. Readings moved per table."""
    moved = roll_up_in_spans(store, before, oldest_reading, roll_up_readings, timedelta(days=1))
    return {f"{domain}_readings": n for domain, n in moved.items()}


def coarsen_grains(store: Store, at: Cutoffs) -> dict[str, int]:
    """Roll the 15-minute buckets past their cutoff into hourly ones (a day at a time),
    then the hourly ones past theirs into daily ones (a week at a time). Buckets moved per
    grain and domain."""
    moved = {}
    for grain, before in at.grain_cutoffs().items():
        for domain, n in roll_up_in_spans(
            store, before, lambda cur, g=grain: oldest_bucket(cur, g),
            lambda cur, upto, g=grain: coarsen(cur, g, upto),
            timedelta(days=1 if grain == 15 else 7),
        ).items():  # fmt: skip
            moved[f"{domain}_{grain}min_buckets"] = n
    return moved


def roll_up_zone_hours(store: Store, now: datetime) -> int:
    """Roll every hour before this one whose raw readings the zone hours do not count yet
    (new, or late) into the zone hours, a day's span of such hours per transaction (a
    first pass over weeks of readings stays within memory); zone hours written."""
    with store.reading() as cur:
        hours = hours_to_roll(cur, hour_floor(now))
    spans: dict[datetime, list[datetime]] = {}
    for hour in hours:
        spans.setdefault(hour.replace(hour=0), []).append(hour)
    return sum(store.write(lambda cur, s=span: roll_zone_hours(cur, s[0], s[-1] + HOUR))
               for span in spans.values())  # fmt: skip


def run_retention(store: Store, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """One retention pass at `now` (default: now); rows (and report files) deleted per kind."""
    now = now or datetime.now(UTC)
    at = cutoffs(settings, now)
    zone_hours = roll_up_zone_hours(store, now)
    gone = roll_up_by_day(store, at.raw)
    gone.update(coarsen_grains(store, at))
    gone.update(store.write(lambda cur: prune(cur, at)))
    gone["report_files"] = expire_reports(
        settings.report_folder, now - timedelta(days=settings.retention.report_days),
        settings.timezone)  # fmt: skip
    if zone_hours:
        log.info("retention: %d zone hours rolled up", zone_hours)
    if any(gone.values()):
        log.info("retention: %s", ", ".join(f"{n} {kind}" for kind, n in gone.items() if n))
        if store.lake is None:
            free_deleted_blocks(store)
    if store.lake is not None:
        store.maintain_lake(now - timedelta(hours=settings.retention.snapshot_hours),
                            now - FILES_GRACE)  # fmt: skip
    return gone
