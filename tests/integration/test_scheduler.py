"""The scheduler polls every connector; a dead feed does not hold up a healthy one."""

import time
from functools import partial

from config import ConnectorSettings
from connectors.runner import build_connector
from jobs.scheduler import build_scheduler
from store.jobs import claim_tick
from tests.helpers import TZ, demo_feeds


def test_each_connector_runs_on_its_own_and_failures_stay_local(store, sim_fixed):
    healthy = build_connector(next(f for f in demo_feeds(sim_fixed.url) if f.name == "waste"), TZ)
    dead = build_connector(
        ConnectorSettings(
            name="dead",
            kind="ngsi-v2",
            url="http://127.0.0.1:9",
            entity_type="WasteContainer",
            retries=0,
            timeout_s=0.5,
        ),
        TZ,
    )
    scheduler = build_scheduler([dead, healthy], store)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with store.reading() as cur:
                runs = dict(
                    cur.execute(
                        "SELECT connector, arg_max(status, run_id) FROM ingest_runs GROUP BY 1"
                    ).fetchall()
                )
            if len(runs) == 2:
                break
            time.sleep(0.2)
        job = scheduler.get_job("ingest:waste")
    finally:
        scheduler.shutdown(wait=True)
    assert runs == {"waste": "ok", "dead": "failed"}
    assert job.trigger.interval.total_seconds() == healthy.settings.interval_s
    assert job.coalesce is True and job.max_instances == 1  # a slow poll never piles up


def test_the_retention_pass_runs_hourly_and_once_per_hour_among_workers(store):
    """Two workers' schedulers on one store (a lake's standby that took over mid-hour):
    the retention pass of an hour runs once."""
    passes = []
    schedulers = [build_scheduler([], store, claim=partial(claim_tick, store, worker=name),
                                  retention=lambda: passes.append(1))
                  for name in ("a", "b")]  # fmt: skip
    jobs = [s.get_job("store:retention") for s in schedulers]
    assert all(job.trigger.interval.total_seconds() == 3600 for job in jobs)
    for job in jobs:
        job.func()
    assert passes == [1]
