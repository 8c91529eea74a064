"""The scheduler: one APScheduler job per connector, at its own interval."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from connectors.base import Connector
from connectors.runner import run_connector
from store import Store

log = logging.getLogger(__name__)


def build_scheduler(connectors: list[Connector], store: Store) -> BackgroundScheduler:
    """Poll each connector every `interval_s`; a slow or failing feed delays only itself."""
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        executors={"default": {"type": "threadpool", "max_workers": max(2, len(connectors))}},
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
    return scheduler
