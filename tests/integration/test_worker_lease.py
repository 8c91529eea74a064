"""Several processes on one lake (issue 17): of the `c3 worker`s exactly one holds the
lease and runs the jobs; killed with SIGKILL, its standby takes over within two lease
intervals, and no connector runs twice for one tick. `c3 serve` with several web
workers on the lake serves the screens, runs no job and outlives its Redis. The lake's
catalog is a real PostgreSQL; the feeds are the simulator's, over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

from sim.http import free_port
from store import Store
from store.jobs import claims
from store.lease import Lease
from store.ledger import bump_version
from tests.helpers import days_back_to_fixed_now, redis_answers, rows

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 1.0  # the workers' --lease-interval
POLL_S = 5  # the connectors' interval (the shortest a setting allows)


def test_one_process_holds_the_lease_until_its_connection_ends(lake):
    dsn = lake.catalog.removeprefix("postgres:")
    first, second = Lease(dsn), Lease(dsn)
    try:
        assert first.hold() and not second.hold()
        assert first.hold() and not second.hold()  # renewed, still the only holder
        first.release()  # what a killed process's closed connection does too
        assert second.hold() and not first.hold()
    finally:
        first.release()
        second.release()


def start_worker(config: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, C3_CONFIG=str(config))
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker", "--lease-interval", str(LEASE_S)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout_s:.0f} s for {what}")


def runs_by_connector(lake) -> Counter:
    store = Store(":memory:", lake=lake)
    try:
        return Counter(dict(rows(store, "SELECT connector, count(*) FROM ingest_runs "
                                        "WHERE status = 'ok' GROUP BY 1")))  # fmt: skip
    finally:
        store.close()


def assert_each_tick_run_once(lake) -> list[tuple]:
    """The ledger of a lake the workers ran on: no tick claimed twice, every feed polled,
    and no poll without its tick's claim. The claims (job, tick, worker)."""
    store = Store(":memory:", lake=lake)
    try:
        with store.reading() as cur:
            made = claims(cur)
        polls = Counter(dict(rows(store, "SELECT connector, count(*) FROM ingest_runs "
                                         "GROUP BY 1")))  # fmt: skip
    finally:
        store.close()
    ticks = Counter((job, tick) for job, tick, _ in made)
    assert [k for k, n in ticks.items() if n > 1] == []  # no tick claimed twice
    claimed = Counter(job.removeprefix("ingest:") for job, _ in ticks)
    assert len(polls) == 3 and all(polls[c] <= claimed[c] for c in polls)
    return made


def lake_config(tmp_path: Path, lake, sim_url: str, top: str = "") -> Path:
    """A c3.toml for a lake and the simulator's three feeds, polled every POLL_S."""
    config = tmp_path / "c3.toml"
    text = (f'data_dir = "{tmp_path}"\nreports = []\n{top}[store]\nkind = "ducklake"\n'
            f'catalog = "{lake.catalog}"\ndata_path = "{lake.data_path}"\n')  # fmt: skip
    for name, kind, path, entity in (("waste", "ngsi-v2", "", "WasteContainer"),
                                     ("traffic", "ngsi-v2", "", "TrafficFlowObserved"),
                                     ("complaints", "open311", "/open311/v2", None)):  # fmt: skip
        text += (f'[[connectors]]\nname = "{name}"\nkind = "{kind}"\n'
                 f'url = "{sim_url}{path}"\ninterval_s = {POLL_S}\n'
                 f"backfill_days = {days_back_to_fixed_now()}\n")  # fmt: skip
        text += f'entity_type = "{entity}"\n' if entity else ""
    config.write_text(text)
    return config


def test_a_standby_worker_takes_over_and_no_tick_runs_twice(lake, tmp_path, sim_fixed):
    config = lake_config(tmp_path, lake, sim_fixed.url)
    logs = {w: tmp_path / f"worker-{w}.log" for w in ("a", "b")}
    workers = {"a": start_worker(config, logs["a"])}
    try:
        wait_for(lambda: "active (holds the lease)" in logs["a"].read_text(), 120, "a active")
        workers["b"] = start_worker(config, logs["b"])
        wait_for(lambda: "asking for the lease" in logs["b"].read_text(), 120, "b standing by")
        wait_for(lambda: min(runs_by_connector(lake).values(), default=0) >= 2, 60,
                 "two polls of every feed by the active worker")  # fmt: skip
        assert "active" not in logs["b"].read_text()  # one holder at a time
        workers["a"].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: "active (holds the lease)" in logs["b"].read_text(), 30, "b active")
        took_over_s = time.monotonic() - killed
        print(f"standby took over {took_over_s:.2f} s after the kill (lease every {LEASE_S} s)")
        assert took_over_s <= 2 * LEASE_S + 1.0  # within two intervals (and the log's write)
        before = runs_by_connector(lake)
        wait_for(lambda: all(runs_by_connector(lake)[c] > before[c] for c in before), 60,
                 "polls of every feed by the new active worker")  # fmt: skip
        workers["b"].send_signal(signal.SIGTERM)
        assert workers["b"].wait(60) == 0
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.kill()
    made = assert_each_tick_run_once(lake)
    assert len({worker for _, _, worker in made}) == 2  # a's ticks, then b's


def start_redis(port: int) -> subprocess.Popen:
    """A Redis of this test's own (it is stopped mid-test), answering on `port`."""
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL)  # fmt: skip
    wait_for(lambda: redis_answers("127.0.0.1", port), 30, "the test's Redis")
    return redis


def test_four_web_workers_and_two_job_workers_share_a_lake_and_outlive_redis(
        lake, tmp_path, sim_fixed):  # fmt: skip
    """`c3 serve` with 4 web workers and two `c3 worker`s on one lake and one Redis: the
    web learns the data versions from the active job worker's notices; each connector's
    tick is run once (the ledger); and with Redis stopped, every page and API call is
    still answered, none with a 500, and the versions still move (read from the lake)."""
    port, redis_port = free_port(), free_port()
    redis = start_redis(redis_port)
    top = (f'auth = "none"\nweb_workers = 4\nhttp_port = {port}\n'
           f'redis_url = "redis://127.0.0.1:{redis_port}/0"\n')  # fmt: skip
    config = lake_config(tmp_path, lake, sim_fixed.url, top)
    env = dict(os.environ, C3_CONFIG=str(config))
    web = subprocess.Popen([sys.executable, "-m", "cli", "serve"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=(tmp_path / "web.log").open("w"))
    jobs = [start_worker(config, tmp_path / f"worker-{w}.log") for w in ("a", "b")]
    base = f"http://127.0.0.1:{port}"
    try:
        def versions():
            try:
                answer = requests.get(f"{base}/api/version", timeout=5)
            except requests.RequestException:
                return None
            found = answer.json() if answer.ok else {}
            return found if {"waste", "traffic", "complaints"} <= set(found) else None

        wait_for(versions, 240, "the web workers to show the job worker's data")
        redis.terminate()
        redis.wait(30)
        statuses = Counter()
        for _ in range(10):  # whichever web worker answers, from the one lake
            for path in ("/api/version", "/api/feeds", "/", "/wall", "/explore"):
                statuses[requests.get(f"{base}{path}", timeout=30).status_code] += 1
        assert statuses == Counter({200: 50}), statuses
        seen = versions()
        writer = Store(":memory:", lake=lake)  # a commit no notice can tell of now
        try:
            writer.write(lambda cur: bump_version(cur, "waste"))
        finally:
            writer.close()
        wait_for(lambda: (now := versions()) and now["waste"] > seen["waste"], 30,
                 "the web workers to read the new waste version from the lake")  # fmt: skip
        web.send_signal(signal.SIGTERM)
        assert web.wait(60) == 0
    finally:
        for process in (web, *jobs, redis):
            if process.poll() is None:
                process.kill()
    made = assert_each_tick_run_once(lake)
    job_pids = {f"{socket.gethostname()}:{p.pid}" for p in jobs}
    assert {worker for _, _, worker in made} <= job_pids  # the web runs no job
