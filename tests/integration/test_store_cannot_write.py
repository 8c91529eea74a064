"""A store that cannot write says why: on a real full file system (an 8 MB tmpfs) a write
fails with "No space left on device", not the rollback's own error; the run records it,
the wall says so, and everything recovers by itself once space returns. A write-ahead
log that cannot be replayed stops the opening with a readable error, and is left as it
was."""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from flask import Flask

from callbacks.wall import feeds_panel
from config import load_settings
from connectors.runner import build_connector, run_connector
from services.context import Services, attach_services
from sim.http import BackgroundServer
from store import Store, StoreCorrupt
from store.cache import Cache
from tests.helpers import TZ, rows
from tests.helpers.feeds import NOW, ScriptedFeed, assert_ledger_adds_up, container, waste_settings

ROOT = Path(__file__).resolve().parents[2]
# about 260 kB of write-ahead log
BATCH = "INSERT INTO t SELECT md5(i::VARCHAR) || md5((i + 1)::VARCHAR) FROM range(4000) r(i)"


@pytest.fixture
def small_fs(tmp_path):
    """A real 8 MB file system (tmpfs) that a test can fill up; unmounted afterwards, even
    when a failed test left a file on it open (lazily then: once nothing holds it). (4 MB
    was too small once the store's empty schema took 2.1 MB: the space a test frees after
    a full disk was then less than the 1 MB the store waits for.)"""
    where = tmp_path / "small-fs"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount an 8 MB tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(where)], check=True)


def fill(where, leave: int = 0):
    """Take every free byte of the file system at `where` but `leave`; the file to delete
    to free them."""
    filler = where / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (1 << 16, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == 28  # ENOSPC
    finally:
        os.close(fd)
    assert shutil.disk_usage(where).free < 4096
    if leave:
        os.truncate(filler, filler.stat().st_size - leave)
    return filler


def test_a_write_on_a_full_disk_fails_with_its_own_error_and_then_recovers(small_fs):
    store = Store(small_fs / "c3.duckdb")
    try:
        with store.transaction() as cur:
            cur.execute("CREATE TABLE t (x VARCHAR)")
        filler = fill(small_fs)
        with pytest.raises(duckdb.Error) as failed:
            with store.transaction() as cur:
                cur.execute("INSERT INTO t SELECT repeat('a', 1000) || i FROM range(20000) r(i)")
        assert "No space left on device" in str(failed.value)
        assert "cannot rollback" not in str(failed.value)
        assert "No space left on device" in store.write_failure.error
        assert store.write_failure.free_bytes < 4096
        filler.unlink()
        with store.transaction() as cur:
            cur.execute("INSERT INTO t VALUES ('b')")
        assert store.write_failure is None  # recovered by itself
        assert rows(store, "SELECT x FROM t") == [("b",)]
    finally:
        store.close()


def test_a_run_on_a_full_disk_keeps_why_the_wall_says_it_and_the_next_run_recovers(small_fs):
    store = Store(small_fs / "c3.duckdb")
    try:
        bins = [container(i) for i in range(300)]
        feed = ScriptedFeed(bins)
        with BackgroundServer(feed.app) as server:
            connector = build_connector(waste_settings(server.url, retries=0), TZ)
            assert run_connector(connector, store, now=NOW).status == "ok"
            feed.entities = [container(i, fillingLevel=0.9) for i in range(300)]
            filler = fill(small_fs)
            full = run_connector(connector, store, now=NOW + timedelta(minutes=1))
            assert full.status == "failed"
            assert "No space left on device" in full.error
            assert "cannot rollback" not in full.error
            titles = [a["title"] for a in wall_store_alerts(store)]
            assert titles == ["The store cannot write: disk full, 0.0 MB free"]
            filler.unlink()  # space returns
            again = run_connector(connector, store, now=NOW + timedelta(minutes=2))
        assert again.status == "ok" and again.updated == 300
        assert store.write_failure is None
        assert wall_store_alerts(store) == []
        assert rows(store, "SELECT DISTINCT fill_level FROM waste_readings WHERE observed_at = ?",
                    [datetime(2026, 11, 24, 9, 59, tzinfo=UTC)]) == [(0.9,)]  # fmt: skip
        assert_ledger_adds_up(store)
    finally:
        store.close()


def test_a_checkpoint_on_a_full_disk_is_survived_by_reopening_the_database(small_fs):
    """A full disk as the write-ahead log outgrows its threshold: the commit is durable but
    its checkpoint fails, and DuckDB invalidates the database (every read and write would
    fail from then on). The store keeps the first error, reopens the database, reads on,
    says so on the wall, clears once space is back, and closes cleanly."""
    store = Store(small_fs / "c3.duckdb", config={"checkpoint_threshold": "200KB"})
    try:
        with store.transaction() as cur:
            cur.execute("CREATE TABLE t (x VARCHAR)")
        filler = fill(small_fs, leave=600_000)  # the log fits, the checkpoint does not
        for _ in range(2):  # the second one's checkpoint fails
            with store.transaction() as cur:
                cur.execute(BATCH)  # durable: not an error
        failure = store.write_failure
        assert failure.kind == "disk full" and "No space left on device" in failure.error
        assert "autocheckpoint failed" in failure.error  # the first error, kept
        assert store.invalidated is None  # reopened at once
        assert rows(store, "SELECT count(*) FROM t") == [(8000,)]  # the log replayed
        titles = [a["title"] for a in wall_store_alerts(store)]
        assert titles == ["The store cannot write: disk full, 0.0 MB free"]
        filler.unlink()  # space returns
        with store.transaction() as cur:
            cur.execute("INSERT INTO t VALUES ('b')")
        assert store.write_failure is None
        assert wall_store_alerts(store) == []
        assert store.checkpoint_and_close() is True
        assert not (small_fs / "c3.duckdb.wal").exists()
    finally:
        store.close()
    reopened = Store(small_fs / "c3.duckdb")
    try:
        assert rows(reopened, "SELECT count(*) FROM t") == [(8001,)]
    finally:
        reopened.close()


def test_a_database_that_cannot_be_reopened_yet_still_shows_the_alert_and_stops_quietly(
    small_fs, monkeypatch
):
    """While the invalidated database cannot be reopened, reads fail: the wall's feeds
    panel still raises the store alert, and C3's stop neither raises nor hangs."""
    store = Store(small_fs / "c3.duckdb", config={"checkpoint_threshold": "200KB"})
    try:
        with store.transaction() as cur:
            cur.execute("CREATE TABLE t (x VARCHAR)")
        filler = fill(small_fs, leave=600_000)
        monkeypatch.setattr(Store, "_connect", fail_to_connect)
        for _ in range(2):
            with store.transaction() as cur:
                cur.execute(BATCH)
        assert store.invalidated is not None
        with pytest.raises(duckdb.Error, match="cannot be used until C3 reopens it"):
            rows(store, "SELECT count(*) FROM t")
        titles = [a["title"] for a in wall_store_alerts(store)]
        assert titles == ["The store cannot write: disk full, 0.0 MB free; it cannot be read "
                          "either until C3 reopens it"]  # fmt: skip
        filler.unlink()
        assert "disk full" in store.write_failure.kind  # no write has succeeded since
        assert store.checkpoint_and_close() is False  # logged, not raised
    finally:
        store.close()  # never raises either


def fail_to_connect(_store):
    raise duckdb.IOException("IO Error: cannot open the file again (in this test)")


def wall_store_alerts(store):
    """The store's alerts on the wall's feeds tile (one feed, polled each minute)."""
    server = Flask(__name__)
    svc = Services(settings=load_settings(), store=store, cache=Cache(None),
                   map_bounds=(0, 0, 1, 1), feed_intervals={"bins": 60})  # fmt: skip
    attach_services(server, svc)
    with server.test_request_context():
        *_, alerts = getattr(feeds_panel, "__wrapped__", feeds_panel)("token")
    return [a for a in alerts if a["place"] == "data store"]  # not the feed's own


def test_a_write_ahead_log_that_cannot_be_replayed_stops_with_what_to_do(tmp_path):
    db = tmp_path / "c3.duckdb"
    wal = tmp_path / "c3.duckdb.wal"
    # a C3 killed before its checkpoint leaves its last writes in the log
    killed = ("import os, sys\nfrom store import Store\ns = Store(sys.argv[1])\n"
              "with s.transaction() as cur:\n"
              "    cur.execute(\"CREATE TABLE big AS SELECT range i, repeat('b', 100) s "
              "FROM range(20000)\")\nos._exit(0)\n")  # fmt: skip
    subprocess.run([sys.executable, "-c", killed, str(db)], cwd=ROOT, check=True)
    size = wal.stat().st_size
    assert size > 100_000
    with wal.open("r+b") as log:  # a few damaged blocks in the middle
        log.seek(size // 2)
        log.write(b"\xa5" * 4096)
    damaged = wal.read_bytes()
    with pytest.raises(StoreCorrupt) as caught:
        Store(db)
    message = str(caught.value)
    assert str(db) in message
    assert "write-ahead log" in message and "cannot be replayed" in message
    assert "Corrupt WAL file" in message  # DuckDB's reason, in one line
    assert f"Restore {db} from a backup, or move {wal} aside knowingly" in message
    assert "the changes in it are then lost" in message
    assert "Stack Trace" not in message and "\n" not in message
    assert wal.read_bytes() == damaged  # never deleted, moved or changed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c3.duckdb", "c3.duckdb.wal"]
    # the command says it in plain words too, without a traceback, and leaves the log
    env = dict(os.environ, C3_DATA_DIR=str(tmp_path), C3_CONFIG=os.devnull)
    ran = subprocess.run([sys.executable, "-m", "cli", "ingest", "--once"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert ran.stderr.startswith(f"c3: {message}\n")
    assert wal.read_bytes() == damaged
