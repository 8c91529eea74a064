"""`c3 worker`: the process that runs C3's jobs (the connectors, the collection planner,
the reports) on a shared store (a lake), beside web servers that only serve. Several may
run, on one machine or several: the one that holds the lease (store.lease) runs the jobs,
the others stand by and ask again every `--lease-interval` seconds. SIGTERM or Ctrl-C:
the jobs get their grace time, then the lease is given up for a standby to take."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from functools import partial

import typer

from cli.stopping import GRACE_S
from cli.wiring import configured_city, job_parts, open_store, setup_logging
from config import Settings, load_settings

log = logging.getLogger("c3")


def worker(
    lease_interval: float = typer.Option(
        5.0, min=0.5, help="Seconds between a standby's asks for the lease (and the "
        "holder's checks that it still has it)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Run the jobs (connectors, collection, reports) on a shared store: one worker of
    several is active at a time."""
    setup_logging(verbose)
    settings = load_settings()
    catalog = settings.store.catalog or ""
    if settings.store.kind != "ducklake" or not catalog.startswith("postgres:"):
        raise typer.BadParameter(
            "c3 worker runs the jobs beside web servers on a shared store: set [store] "
            "kind = 'ducklake' with a PostgreSQL catalog ('c3 serve' runs the jobs and the "
            "screens in one process on the DuckDB file)", param_hint="[store]")  # fmt: skip
    run_worker(settings, catalog.removeprefix("postgres:"), lease_interval)


def run_worker(settings: Settings, dsn: str, interval_s: float) -> None:
    from jobs.scheduler import RunningJobs, build_scheduler, stop_jobs
    from store.jobs import claim_tick
    from store.lease import Lease
    from store.notices import VersionBoard

    name = f"{socket.gethostname()}:{os.getpid()}"
    city = configured_city(settings)
    store = open_store(settings, city)
    parts = job_parts(settings, store, city)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    lease, scheduler, jobs = Lease(dsn), None, None
    board = VersionBoard(store, settings.redis_url, f"c3:{store.store_id}")  # tells the web
    log.info("worker %s: %d connectors; asking for the lease every %.1f s", name,
             len(parts.connectors), interval_s)  # fmt: skip
    try:
        while not stop.is_set():
            if lease.hold() and scheduler is None:
                jobs = RunningJobs()
                scheduler = build_scheduler(
                    parts.connectors, store, parts.planner,
                    settings.collection.recompute_minutes, parts.reporter, jobs,
                    claim=partial(claim_tick, store, worker=name), after=board.publish,
                    retention=parts.retention, flush=store.flush_inlined,
                    source_updates=parts.source_updates,
                    follow_up=parts.follow_up, outcomes=parts.outcomes)  # fmt: skip
                scheduler.start()
                log.info("worker %s: active (holds the lease): running the jobs", name)
            elif not lease.held and scheduler is not None:
                log.warning("worker %s: the lease is lost: stopping the jobs, standing by", name)
                stop_jobs(scheduler, jobs, "the lease was lost", GRACE_S)
                scheduler = None
            stop.wait(interval_s)
    finally:
        if scheduler is not None:
            stop_jobs(scheduler, jobs, "the worker was stopped", GRACE_S)
        lease.release()
        board.close()
        store.close()
        log.info("worker %s: stopped", name)
