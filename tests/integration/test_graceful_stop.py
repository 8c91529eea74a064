"""Stopping C3: SIGTERM on a running `c3 serve` stops its poll at the next page (an
aborted run in the ledger, nothing of it applied), checkpoints and closes the DuckDB
file (no write-ahead log left to replay) and exits 0; a job that does not end is given
a bounded time."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from flask import request

from connectors.runner import Stop, build_connector, run_connector
from jobs.scheduler import RunningJobs, stop_jobs
from sim.http import BackgroundServer, free_port
from store import Store
from store.ledger import get_watermark
from tests.helpers import TZ, rows
from tests.helpers.feeds import NOW, ScriptedFeed, assert_ledger_adds_up, container, waste_settings

ROOT = Path(__file__).resolve().parents[2]


class HeldFeed(ScriptedFeed):
    """A broker that answers its first page at once and holds every later one until the
    test releases it (`asked` tells that one is waiting)."""

    def __init__(self, entities):
        super().__init__(entities)
        self.asked, self.release = threading.Event(), threading.Event()

    def entities_view(self):
        if int(request.args["offset"]) > 0:
            self.asked.set()
            self.release.wait(120)
        return super().entities_view()


def six_bins():
    """Three pages of two; the first page holds one bad record (quarantined)."""
    return [container(0, fillingLevel=1.5)] + [container(i) for i in range(1, 6)]


class Output:
    """The lines a process prints, read as they come."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()

    def _pump(self, stream):
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; output:\n{''.join(self.lines)}")

    def rest(self) -> str:
        while (line := self._queue.get(timeout=30)) is not None:
            self.lines.append(line)
        return "".join(self.lines)


def test_sigterm_aborts_the_running_poll_checkpoints_the_store_and_exits_0(tmp_path):
    feed = HeldFeed(six_bins())
    config = tmp_path / "c3.toml"
    with BackgroundServer(feed.app) as server:
        config.write_text(
            f'data_dir = "{tmp_path}"\nhttp_port = {free_port()}\n'
            '[[connectors]]\nname = "bins"\nkind = "ngsi-v2"\nentity_type = "WasteContainer"\n'
            f'url = "{server.url}"\npage_size = 2\ntimeout_s = 120\nretries = 0\n'
        )
        env = dict(os.environ, C3_CONFIG=str(config))
        serve = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve"], cwd=ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        out = Output(serve)
        try:
            out.wait_for("C3 is running", 120)
            assert feed.asked.wait(60), "the poll never asked for its second page"
            serve.send_signal(signal.SIGTERM)  # the poll waits for its second page
            out.wait_for("stopping: waiting for 1 running job (poll bins)", 30)
            feed.release.set()
            assert serve.wait(timeout=30) == 0
        finally:
            feed.release.set()
            if serve.poll() is None:
                serve.kill()
        output = out.rest()
    assert feed.calls == 2  # the third page was never asked for
    assert "store checkpointed and closed" in output
    assert "Traceback" not in output
    db = tmp_path / "c3.duckdb"
    wal = tmp_path / "c3.duckdb.wal"
    assert not wal.exists() or wal.stat().st_size == 0, "a write-ahead log left to replay"
    store = Store(db)
    try:
        runs = rows(store, "SELECT status, error, fetched, inserted, updated, unchanged, "
                           "quarantined, run_id FROM ingest_runs")  # fmt: skip
        assert [r[:7] for r in runs] == [("aborted", "stopped by SIGTERM", 4, 0, 0, 0, 1)]
        assert rows(store, "SELECT run_id FROM quarantine") == [(runs[0][7],)]
        assert rows(store, "SELECT count(*) FROM waste_readings") == [(0,)]
        assert_ledger_adds_up(store)
    finally:
        store.close()


def test_a_poll_asked_to_stop_ends_at_its_next_page_and_applies_nothing(store):
    stop = Stop()

    class StoppedWhileAnswering(ScriptedFeed):
        def entities_view(self):
            stop.request("stopped by SIGINT")  # C3 is asked to stop while the page comes
            return super().entities_view()

    feed = StoppedWhileAnswering(six_bins())
    with BackgroundServer(feed.app) as server:
        connector = build_connector(waste_settings(server.url, page_size=2), TZ)
        run = run_connector(connector, store, now=NOW, stop=stop)
    assert (run.status, run.error) == ("aborted", "stopped by SIGINT")
    assert (run.fetched, run.quarantined) == (2, 1)
    assert feed.calls == 1
    assert rows(store, "SELECT count(*) FROM waste_readings") == [(0,)]
    assert rows(store, "SELECT count(*) FROM quarantine") == [(1,)]
    with store.reading() as cur:
        assert get_watermark(cur, "bins") is None
    assert_ledger_adds_up(store)


def test_a_job_that_does_not_end_is_given_a_bounded_time():
    jobs, started, release = RunningJobs(), threading.Event(), threading.Event()

    def report():
        started.set()
        release.wait(60)

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(jobs.tracked("reports", report), "interval", minutes=1,
                      next_run_time=datetime.now(UTC))  # fmt: skip
    scheduler.start()
    try:
        assert started.wait(10)
        clock = time.monotonic()
        assert stop_jobs(scheduler, jobs, "stopped by SIGTERM", grace_s=0.5) == ["reports"]
        assert 0.5 <= time.monotonic() - clock < 5
        assert not scheduler.running and jobs.stop.is_set()
        release.set()
        assert jobs.wait_idle(10) == []
        assert jobs.tracked("late", lambda: "ran")() is None  # stopping: nothing new starts
    finally:
        release.set()
