"""The scheduler polls every connector; a dead feed does not hold up a healthy one."""

import time
from functools import partial

import pytest

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


@pytest.mark.parametrize(("job_id", "part", "every_s"), [
    ("store:retention", "retention", 3600),  # the retention pass, hourly
    ("store:flush", "flush", 300),  # a lake's inlined rows to Parquet, every five minutes
    ("outcomes:week", "outcomes", 3600),  # the wall's week outcomes: looked for hourly
])  # fmt: skip
def test_the_stores_jobs_run_at_their_interval_and_once_per_tick_among_workers(
        store, job_id, part, every_s):  # fmt: skip
    """Two workers' schedulers on one store (a lake's standby that took over mid-tick):
    the job of a tick runs once."""
    runs = []
    schedulers = [build_scheduler([], store, claim=partial(claim_tick, store, worker=name),
                                  **{part: lambda: runs.append(1)})
                  for name in ("a", "b")]  # fmt: skip
    jobs = [s.get_job(job_id) for s in schedulers]
    assert all(job.trigger.interval.total_seconds() == every_s for job in jobs)
    for job in jobs:
        job.func()
    assert runs == [1]
