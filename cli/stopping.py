"""How a running C3 stops: SIGTERM or SIGINT (Ctrl-C) to the `c3` process (gunicorn's
master) stops its web worker (cli.web). There, at once, no new job starts and a running
connector poll stops at its next page (recorded as aborted) while the requests in
flight are answered; then the other jobs get a bounded time to finish, and the store is
checkpointed and closed, so the next start has no write-ahead log to replay. One log
line per step."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

log = logging.getLogger("c3")

GRACE_S = 10.0  # how long running jobs may take to finish once C3 is asked to stop


class Stopping:
    """A web worker's stop, in two halves: `begin(why)` as soon as it is asked to stop
    (the jobs are told to end, in a thread, while the web server answers the requests in
    flight), `finish(why)` once the web server has ended (the jobs get what is left of
    their grace time, then the store is checkpointed and closed)."""

    def __init__(self, scheduler, jobs, store, then: Callable[[], None] | None = None) -> None:
        self.scheduler, self.jobs, self.store, self.then = scheduler, jobs, store, then
        self._thread: threading.Thread | None = None
        self._left: list[str] = []

    def begin(self, why: str) -> None:
        if self._thread is not None:
            return  # stopping already
        log.info("stopping on %s: the dashboard answers no new request, no new job starts",
                 why)  # fmt: skip
        self._thread = threading.Thread(target=self._stop_jobs, args=(why,), name="c3-stop")
        self._thread.start()

    def _stop_jobs(self, why: str) -> None:
        from jobs.scheduler import stop_jobs

        self._left = stop_jobs(self.scheduler, self.jobs, f"stopped by {why}", GRACE_S)

    def finish(self, why: str) -> None:
        """Stop (`why`, unless begun already), close the store, then run `then` (the
        demo's simulator stops after the polls that read it). A job still running
        after the grace time cannot be waited for: the process then ends at once (0 when
        the store was closed, else 1, DuckDB replaying its log next time)."""
        self.begin(why)
        self._thread.join()
        closed = self.store.checkpoint_and_close()
        if closed:
            log.info("store checkpointed and closed")
        else:
            log.warning("store not checkpointed (a write still in progress, or the checkpoint "
                        "could not be written: see the error above); DuckDB replays its "
                        "write-ahead log at the next start")  # fmt: skip
        if self.then is not None:
            self.then()
        if self._left or not closed:
            logging.shutdown()
            sys.stdout.flush()
            os._exit(0 if closed else 1)  # a worker thread still running would be waited for
        log.info("C3 stopped")
