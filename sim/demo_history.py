"""Loading the demo city's history into a store: the simulator's batches, upserted and
recorded in the ledger as one run (what `c3 demo` does before the connectors take over)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sim import backfill
from sim.model import DemoCity
from store import Store
from store.ledger import RunRecord, bump_version, write_run
from store.upsert import upsert
from store.zoning import assign_zones

log = logging.getLogger(__name__)


@dataclass
class BackfillSummary:
    traffic_rows: int
    waste_rows: int
    collections: int
    seconds: float


def backfill_demo(
    store: Store, city: DemoCity, days: int, step_minutes: int, now: datetime | None = None
) -> BackfillSummary:
    """Load `days` of simulated traffic and waste history ending at `now` (idempotent)."""
    clock = time.monotonic()
    now = now or datetime.now(UTC)
    end_s = int(now.timestamp())
    start_s = end_s - days * 86400
    times = backfill.history_times(start_s, end_s, step_minutes * 60)
    run = RunRecord(
        "sim-backfill",
        "demo",
        started_at=now,
        window_start=datetime.fromtimestamp(start_s, UTC),
        window_end=now,
    )
    totals = {"traffic": 0, "waste": 0, "collections": 0}
    with store.transaction() as cur:
        containers = backfill.containers_batch(city)
        upsert(cur, "waste_containers", containers)
        assign_zones(cur, "waste_containers", containers)
        for table, key, batches in (
            ("traffic_readings", "traffic", backfill.traffic_batches(city, times)),
            ("waste_readings", "waste", backfill.waste_batches(city, times)),
            (
                "waste_collections",
                "collections",
                [backfill.collections_batch(city, start_s, end_s)],
            ),
        ):
            for batch in batches:
                counts = upsert(cur, table, batch)
                totals[key] += batch.num_rows
                run.fetched += batch.num_rows
                run.inserted += counts.inserted
                run.updated += counts.updated
                run.unchanged += counts.unchanged
        for domain in ("traffic", "waste"):
            bump_version(cur, domain)
        run.finished_at = datetime.now(UTC)
        write_run(cur, run)
    summary = BackfillSummary(
        totals["traffic"], totals["waste"], totals["collections"], time.monotonic() - clock
    )
    log.info("backfill: %s", summary)
    return summary
