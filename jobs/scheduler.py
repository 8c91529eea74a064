"""The scheduler: one APScheduler job per connector, at its own interval, and the
collection planner's job, which re-plans when new traffic or waste data have arrived."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from connectors.base import Connector
from connectors.runner import run_connector
from store import Store

log = logging.getLogger(__name__)


def build_scheduler(
    connectors: list[Connector], store: Store, planner=None, replan_minutes: int = 15
) -> BackgroundScheduler:
    """Poll each connector every `interval_s`; a slow or failing feed delays only itself.
    With a `planner` (jobs.collection.CollectionPlanner), look for new data to re-plan
    collection every `replan_minutes`, and once shortly after start."""
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        executors={"default": {"type": "threadpool", "max_workers": max(2, len(connectors) + 1)}},
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
    return scheduler
