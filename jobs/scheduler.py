"""The scheduler: one APScheduler job per connector, at its own interval; the collection
planner's job, which re-plans when new traffic or waste data have arrived; and the
report job, which each minute produces the snapshot reports whose slot has come."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from connectors.base import Connector
from connectors.runner import run_connector
from store import Store

if TYPE_CHECKING:  # the planner and producer pull in routing and rendering
    from services.collection import CollectionPlanner
    from services.reports.producer import Reporter

log = logging.getLogger(__name__)


def build_scheduler(
    connectors: list[Connector],
    store: Store,
    planner: CollectionPlanner | None = None,
    replan_minutes: int = 15,
    reporter: Reporter | None = None,
) -> BackgroundScheduler:
    """Poll each connector every `interval_s`; a slow or failing feed delays only itself.
    With a `planner` (services.collection), look for new data to re-plan
    collection every `replan_minutes`, and once shortly after start. With a `reporter`
    (services.reports.producer), look every minute for report slots and e-mails due."""
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        executors={"default": {"type": "threadpool", "max_workers": max(3, len(connectors) + 2)}},
    )
    for connector in connectors:
        scheduler.add_job(
            run_connector,
            "interval",
            seconds=connector.settings.interval_s,
            args=[connector, store],
            id=f"ingest:{connector.name}",
            name=f"poll {connector.name}",
            next_run_time=datetime.now(UTC),
        )
    if planner is not None:
        scheduler.add_job(
            planner.run,
            "interval",
            minutes=replan_minutes,
            id="collection:plan",
            name="plan collection windows",
            # after the connectors' first poll, so the first plan reads fresh data
            next_run_time=datetime.now(UTC) + timedelta(seconds=5),
        )
    if reporter is not None:
        scheduler.add_job(
            reporter.tick,
            "interval",
            minutes=1,
            id="reports",
            name="produce and send snapshot reports",
            # a slot missed while C3 was down is produced soon after start, marked late
            next_run_time=datetime.now(UTC) + timedelta(seconds=20),
        )
    return scheduler
