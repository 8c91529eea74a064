"""The scheduler: one APScheduler job per connector, at its own interval; the collection
planner's job, which re-plans when new traffic or waste data have arrived; the
report job, which each minute produces the snapshot reports whose slot has come; and
the hourly retention pass.

Every job runs through `RunningJobs`, which knows what is running: when C3 stops,
`stop_jobs` starts no new job, asks running polls to stop at their next page, and
gives the others a bounded time to finish."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from connectors.base import Connector
from connectors.runner import Stop, run_connector
from store import Store
from store.jobs import tick_of

if TYPE_CHECKING:  # the planner and producer pull in routing and rendering
    from services.collection import CollectionPlanner
    from services.reports.producer import Reporter

log = logging.getLogger(__name__)
RETENTION_S = 3600  # the retention pass: hourly, as its cutoffs fall on the hour
FLUSH_S = 300  # a lake's inlined rows: an hour of them doubled the cost of every read
SOURCE_UPDATES_S = 15  # a status change reaches the source within this
FOLLOW_UP_S = 60  # a new request of an auto-assigned type waits at most this for a crew
OUTCOMES_S = 3600  # the week's outcomes: looked for hourly, computed once a day
OUTCOMES_FIRST_S = 90  # after the first plan and the catch-up reports have started


class RunningJobs:
    """The scheduler's jobs running now, and `stop`, which asks them to end: once it is
    set no job starts, and a running connector poll ends at its next page."""

    def __init__(self) -> None:
        self.stop = Stop()
        self._running: list[str] = []
        self._changed = threading.Condition()

    def tracked(self, name: str, func: Callable) -> Callable:
        """`func` as a job that counts as running under `name` while it runs."""

        @functools.wraps(func)
        def job(*args, **kwargs):
            if self.stop.is_set():
                return None  # C3 is stopping: nothing new starts
            with self._changed:
                self._running.append(name)
            try:
                return func(*args, **kwargs)
            finally:
                with self._changed:
                    self._running.remove(name)
                    self._changed.notify_all()

        return job

    def running(self) -> list[str]:
        with self._changed:
            return list(self._running)

    def wait_idle(self, timeout_s: float) -> list[str]:
        """Wait up to `timeout_s` for every running job to end; those still running."""
        with self._changed:
            self._changed.wait_for(lambda: not self._running, timeout_s)
            return list(self._running)


def stop_jobs(
    scheduler: BackgroundScheduler, jobs: RunningJobs, why: str, grace_s: float
) -> list[str]:
    """Start no new job, have running polls stop at their next page (recorded as aborted,
    `why` as their error), and give every running job up to `grace_s` seconds to end;
    the names of those still running then."""
    jobs.stop.request(why)
    if scheduler.running:
        scheduler.shutdown(wait=False)
    running = jobs.running()
    if not running:
        return []
    plural = "" if len(running) == 1 else "s"
    log.info("stopping: waiting for %d running job%s (%s)…", len(running), plural,
             ", ".join(running))  # fmt: skip
    left = jobs.wait_idle(grace_s)
    if left:
        log.warning("stopping: %s still running after %.0f s; not waiting longer",
                    ", ".join(left), grace_s)  # fmt: skip
    else:
        log.info("stopping: every job has ended")
    return left


def once_per_tick(claim: Callable[[str, datetime], bool] | None, job: str, interval_s: float,
                  func: Callable) -> Callable:  # fmt: skip
    """`func`, run only when `claim(job, tick)` takes this interval's tick (a worker that
    took the lease over mid-interval does not run what its predecessor ran); as it is
    without a `claim` (one process runs the jobs)."""
    if claim is None:
        return func

    @functools.wraps(func)
    def claimed(*args, **kwargs):
        tick = tick_of(datetime.now(UTC), interval_s)
        if not claim(job, tick):
            log.info("%s: the run of %s was made already; skipped", job, f"{tick:%H:%M:%S}")
            return None
        return func(*args, **kwargs)

    return claimed


def then(after: Callable[[], None] | None, func: Callable) -> Callable:
    """`func`, followed by `after()` (whatever `func` did, even if it raised)."""
    if after is None:
        return func

    @functools.wraps(func)
    def followed(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            after()

    return followed


def build_scheduler(
    connectors: list[Connector],
    store: Store,
    planner: CollectionPlanner | None = None,
    replan_minutes: int = 15,
    reporter: Reporter | None = None,
    jobs: RunningJobs | None = None,
    claim: Callable[[str, datetime], bool] | None = None,
    after: Callable[[], None] | None = None,
    retention: Callable[[], object] | None = None,
    flush: Callable[[], object] | None = None,
    source_updates: Callable[[], object] | None = None,
    follow_up: Callable[[], object] | None = None,
    outcomes: Callable[[], object] | None = None,
) -> BackgroundScheduler:
    """Poll each connector every `interval_s`; a slow or failing feed delays only itself.
    With a `planner` (services.collection), look for new data to re-plan
    collection every `replan_minutes`, and once shortly after start. With a `reporter`
    (services.reports.producer), look every minute for report slots and e-mails due.
    Jobs run through `jobs` (a RunningJobs), which stops them when C3 stops. With a
    `claim` (a `c3 worker` of several), a connector's poll and the planner's run claim
    their tick first (the reports claim their slots already). `after` runs after each
    poll and plan, and after the outcomes (the change notices: store.notices). The
    periodic jobs (`retention`, `flush`, `source_updates`, `follow_up`, `outcomes`) run
    as `_add_periodic` says."""
    jobs = jobs or RunningJobs()
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        executors={"default": {"type": "threadpool", "max_workers": max(3, len(connectors) + 2)}},
    )
    for connector in connectors:
        poll = then(after, once_per_tick(claim, f"ingest:{connector.name}",
                                         connector.settings.interval_s, run_connector))
        scheduler.add_job(
            jobs.tracked(f"poll {connector.name}", poll),
            "interval",
            seconds=connector.settings.interval_s,
            args=[connector, store],
            kwargs={"stop": jobs.stop},
            id=f"ingest:{connector.name}",
            name=f"poll {connector.name}",
            next_run_time=datetime.now(UTC),
        )
    if planner is not None:
        scheduler.add_job(
            jobs.tracked("plan collection",
                         then(after, once_per_tick(claim, "collection:plan", replan_minutes * 60,
                                                   planner.run))),
            "interval",
            minutes=replan_minutes,
            id="collection:plan",
            name="plan collection windows",
            # after the connectors' first poll, so the first plan reads fresh data
            next_run_time=datetime.now(UTC) + timedelta(seconds=5),
        )
    if reporter is not None:
        scheduler.add_job(
            jobs.tracked("reports", reporter.tick),
            "interval",
            minutes=1,
            id="reports",
            name="produce and send snapshot reports",
            # a slot missed while C3 was down is produced soon after start, marked late
            next_run_time=datetime.now(UTC) + timedelta(seconds=20),
        )
    _add_periodic(scheduler, jobs, claim, [
        ("store:retention", "retention", RETENTION_S, retention,
         "roll up and delete old data; a lake's maintenance", 180),
        ("store:flush", "flush", FLUSH_S, flush, "write a lake's inlined rows to Parquet",
         FLUSH_S),
        ("source:updates", "source updates", SOURCE_UPDATES_S, source_updates,
         "tell the feeds' sources what became of their requests", SOURCE_UPDATES_S),
        ("complaints:follow-up", "complaints follow-up", FOLLOW_UP_S, follow_up,
         "reopen fixes the sources reopened; give new requests of the auto-assigned types "
         "to the nearest crew", FOLLOW_UP_S),
        ("outcomes:week", "week outcomes", OUTCOMES_S, outcomes and then(after, outcomes),
         "the last week's outcomes, for the wall", OUTCOMES_FIRST_S),
    ])  # fmt: skip
    return scheduler


def _add_periodic(scheduler: BackgroundScheduler, jobs: RunningJobs, claim, periodic) -> None:
    """The store's and the loop's periodic jobs: (id, label, seconds, work or None, name,
    first after seconds); each claims its tick where several workers share a lake.
    `retention` (services.retention) runs each hour, first a few minutes after start;
    `flush` (a lake's inlined rows to Parquet: Store.flush_inlined) every FLUSH_S;
    `source_updates` (what the work orders owe the feeds' sources:
    services.source_updates) every SOURCE_UPDATES_S; `follow_up` (services.triage: fixes
    reopened at the source back to the queue, then auto-assign) every FOLLOW_UP_S;
    `outcomes` (services.outcomes.record_week: the last week's outcomes for the wall)
    every OUTCOMES_S."""
    for job_id, label, interval_s, work, name, first_after_s in periodic:
        if work is not None:
            scheduler.add_job(
                jobs.tracked(label, once_per_tick(claim, job_id, interval_s, work)),
                "interval",
                seconds=interval_s,
                id=job_id,
                name=name,
                next_run_time=datetime.now(UTC) + timedelta(seconds=first_after_s),
            )


def poll_now(scheduler: BackgroundScheduler) -> list[str]:
    """Have every connector's job run now, in the scheduler's own pool (a job already
    running is not started twice); the names of the connectors asked."""
    asked = []
    for job in scheduler.get_jobs():
        if job.id.startswith("ingest:"):
            job.modify(next_run_time=datetime.now(UTC))
            asked.append(job.id.removeprefix("ingest:"))
    return asked
