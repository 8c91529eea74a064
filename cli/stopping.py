"""How a running C3 stops: SIGTERM or SIGINT (Ctrl-C) ends the web server's loop, no new
job starts, a running connector poll stops at its next page (recorded as aborted), the
other jobs get a bounded time to finish, and the store is checkpointed and closed, so
the next start has no write-ahead log to replay. One log line per step."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from jobs.scheduler import RunningJobs, stop_jobs

log = logging.getLogger("c3")

GRACE_S = 10.0  # how long running jobs may take to finish once C3 is asked to stop
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopSignals:
    """SIGTERM and SIGINT, from the moment this is made: before `arm()` a signal is only
    noted (the web server has not started: it then does not start); armed, it ends the
    server's loop, as Ctrl-C does; after `disarm()` (stopping) a repeat does nothing."""

    def __init__(self) -> None:
        self.name: str | None = None
        self._armed = False
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                signal.signal(sig, self._received)

    def _received(self, signum, _frame) -> None:
        if self.name is not None:
            return  # stopping already
        self.name = signal.Signals(signum).name
        if self._armed:
            self._armed = False
            raise KeyboardInterrupt  # the web server's loop ends on it, its socket closed

    def arm(self) -> bool:
        """From now on a signal ends the server's loop; False when one came already."""
        self._armed = self.name is None
        return self._armed

    def disarm(self) -> str:
        """Stopping: what asked for it (the signal's name, or the web server's end)."""
        self._armed = False
        if self.name is None:
            self.name = "the web server's end"
        return self.name


def stop_gracefully(scheduler, jobs: RunningJobs, store, why: str) -> None:
    """Stop the jobs (see jobs.scheduler.stop_jobs), then checkpoint and close `store`.
    A job still running after the grace time cannot be waited for: the process then
    ends at once (0 when the store was closed, else 1, DuckDB replaying its log next time)."""
    log.info("stopping on %s: the dashboard no longer answers, no new job starts", why)
    left = stop_jobs(scheduler, jobs, f"stopped by {why}", GRACE_S)
    closed = store.checkpoint_and_close()
    if closed:
        log.info("store checkpointed and closed")
    else:
        log.warning("store left open: a write is still in progress; DuckDB replays its "
                    "write-ahead log at the next start")  # fmt: skip
    if left or not closed:
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0 if closed else 1)  # a worker thread still running would be waited for
    log.info("C3 stopped")
