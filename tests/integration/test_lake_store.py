"""The store on DuckLake (issue 17): its catalog in a real PostgreSQL (the machine's on
127.0.0.1:5432, or a private one `make test` starts), its data under a temporary path.
The migrations written for the embedded file apply to a lake, once, whoever opens it
first; and the demo's feeds, read over HTTP by the real connectors, leave a lake with
exactly the rows, ledger and versions they leave in an embedded file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli.wiring import store_of
from config import Settings
from store import Store
from store.city import load_city_model
from store.lake import tables_without_stats
from store.migrations import _migration_files
from tests.helpers import days_back_to_fixed_now, rows, seed_demo_day

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("waste_containers", "waste_readings", "road_segments", "traffic_readings",
          "service_requests", "service_request_events", "zones")  # fmt: skip


def test_the_migrations_apply_to_a_lake_once(lake):
    first = Store(":memory:", lake=lake)
    try:
        assert first.schema_version == max(n for n, _, _ in _migration_files())
        with first.transaction() as cur:
            cur.execute("INSERT INTO users (name, role, departments, zones, password_hash) "
                        "VALUES ('ada', 'admin', [], [], 'x')")  # fmt: skip
    finally:
        first.close()
    second = Store(":memory:", lake=lake)  # another process, later: nothing to apply
    try:
        assert second.schema_version == first.schema_version
        assert rows(second, "SELECT count(*) FROM schema_migrations") == [
            (len(_migration_files()),)]  # fmt: skip
        assert rows(second, "SELECT name FROM users") == [("ada",)]
        assert second.store_id == first.store_id
    finally:
        second.close()


def test_the_demo_feeds_leave_the_same_rows_in_a_lake_as_in_a_file(lake, tmp_path, city,
                                                                   demo_city):  # fmt: skip
    now = datetime.now(UTC)
    stores = {"file": Store(tmp_path / "c3.duckdb"), "lake": Store(":memory:", lake=lake)}
    try:
        for store in stores.values():
            load_city_model(store, city)
            seed_demo_day(store, demo_city, now)
        for table in TABLES:
            counts = {k: rows(s, f"SELECT count(*) FROM {table}") for k, s in stores.items()}
            assert counts["lake"] == counts["file"] and counts["file"][0][0] > 0, table
        ledger = "SELECT connector, fetched, inserted, updated, status FROM ingest_runs ORDER BY 1"
        assert rows(stores["lake"], ledger) == rows(stores["file"], ledger)
        versions = "SELECT domain, version FROM data_versions ORDER BY 1"
        assert rows(stores["lake"], versions) == rows(stores["file"], versions)
        fills = "SELECT container_id, zone_id FROM waste_containers ORDER BY 1"
        assert rows(stores["lake"], fills) == rows(stores["file"], fills)
    finally:
        for store in stores.values():
            store.close()


def test_two_processes_ingest_the_same_feeds_into_one_lake_at_once(lake, tmp_path, sim_fixed):
    """Two `c3 ingest --once` on one lake at the same moment, as two machines would, both
    polling the same feeds: both finish, the ledger has both runs, and the lake holds
    each feed's rows once. (A lake has no unique keys, and DuckLake lets concurrent
    inserts through: without the writers taking turns, both would insert the new rows.)"""
    feeds = {"waste": ("ngsi-v2", "", "WasteContainer"),
             "traffic": ("ngsi-v2", "", "TrafficFlowObserved"),
             "complaints": ("open311", "/open311/v2", None)}  # fmt: skip
    runs = []
    for machine in ("a", "b"):
        config = tmp_path / f"c3-{machine}.toml"
        text = (f'data_dir = "{tmp_path}"\n[store]\nkind = "ducklake"\n'
                f'catalog = "{lake.catalog}"\ndata_path = "{lake.data_path}"\n')  # fmt: skip
        for name, (kind, path, entity) in feeds.items():
            text += (f'[[connectors]]\nname = "{name}"\nkind = "{kind}"\n'
                     f'url = "{sim_fixed.url}{path}"\n'
                     f"backfill_days = {days_back_to_fixed_now()}\n")  # fmt: skip
            text += f'entity_type = "{entity}"\n' if entity else ""
        config.write_text(text)
        env = dict(os.environ, C3_CONFIG=str(config), COLUMNS="200")
        runs.append(subprocess.Popen([sys.executable, "-m", "cli", "ingest", "--once"],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True))  # fmt: skip
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-2000:]
        assert out.count(" ok ") == 3, out
    store = Store(":memory:", lake=lake)
    try:
        ledger = rows(store, "SELECT connector, count(*) FROM ingest_runs WHERE status = 'ok' "
                             "GROUP BY 1 ORDER BY 1")  # fmt: skip
        assert ledger == [("complaints", 2), ("traffic", 2), ("waste", 2)]
        for table, key in (("waste_containers", "container_id"),
                           ("road_segments", "segment_id"),
                           ("service_requests", "request_id")):  # fmt: skip
            total, distinct = rows(store, f"SELECT count(*), count(DISTINCT {key}) FROM {table}")[0]
            assert total == distinct > 0, table
        versions = dict(rows(store, "SELECT domain, version FROM data_versions"))
        assert versions["waste"] >= 1 and versions["traffic"] >= 1 and versions["complaints"] >= 1
    finally:
        store.close()


def test_maintenance_merges_a_lakes_small_files_and_expires_old_snapshots(lake):
    """Ten feed polls of 2,000 rows each leave ten Parquet files and ten snapshots; the
    maintenance job leaves one file, one snapshot, and the same rows. The files merged
    away stay on disk for a read under way elsewhere, and go at a pass after the grace."""
    store = Store(":memory:", lake=lake)
    files = "SELECT count(*) FROM ducklake_list_files('c3', 'waste_readings')"
    try:
        primed = rows(store, files)[0][0]  # the file that gave the empty table its statistics
        for poll in range(10):
            store.write(lambda cur, poll=poll: cur.execute(
                "INSERT INTO waste_readings (container_id, observed_at, fill_level) "
                "SELECT 'bin-' || i, TIMESTAMPTZ '2026-11-30 00:00:00+00' + to_minutes(?), 0.5 "
                "FROM range(2000) t(i)", [poll]))  # fmt: skip
        snapshots = "SELECT count(*) FROM ducklake_snapshots('c3')"
        assert rows(store, files) == [(primed + 10,)]
        before = rows(store, snapshots)[0][0]
        folder = Path(lake.data_path) / "main" / "waste_readings"
        written = set(folder.glob("*.parquet"))
        store.maintain_lake(datetime.now(UTC), datetime.now(UTC) - timedelta(hours=1))
        assert rows(store, files) == [(primed + 1,)]  # the ten polls' files: one
        assert rows(store, snapshots)[0][0] < before
        assert rows(store, "SELECT count(*), count(DISTINCT observed_at) FROM waste_readings"
                    ) == [(20_000, 10)]  # fmt: skip
        assert written < set(folder.glob("*.parquet"))  # merged, none deleted yet
        store.maintain_lake(datetime.now(UTC), datetime.now(UTC) + timedelta(seconds=1))
        assert len(list(folder.glob("*.parquet"))) == primed + 1  # past the grace: gone
    finally:
        store.close()


def test_each_process_caps_duckdbs_memory_and_spills_under_its_data_dir(lake, tmp_path):
    """Four web workers and a job worker on one machine each take DuckDB's memory cap
    ([store] memory_limit), not DuckDB's default of 80 % of the machine's memory each."""
    settings = Settings(data_dir=tmp_path, store={
        "kind": "ducklake", "catalog": lake.catalog, "data_path": lake.data_path,
        "memory_limit": "512MB"})  # fmt: skip
    store = store_of(settings)
    try:
        setting = "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        assert rows(store, setting) == [("488.2 MiB", str(tmp_path / "tmp"))]
    finally:
        store.close()


def test_every_lake_table_has_statistics_and_keeps_its_rows(lake):
    """DuckLake looks up again, at every mention, the statistics of a table that never had
    a data file (two catalog round trips each): the store gives each empty table its
    statistics when it opens the lake, and leaves it empty."""
    first = Store(":memory:", lake=lake)
    try:
        with first.reading() as cur:
            assert tables_without_stats(cur, lake) == []  # the empty tables too
        with first.transaction() as cur:  # a table a later migration adds
            cur.execute("CREATE TABLE later (name VARCHAR NOT NULL, n INTEGER, seen TIMESTAMPTZ)")
            cur.execute("INSERT INTO users (name, role, departments, zones, password_hash) "
                        "VALUES ('ada', 'admin', [], [], 'x')")  # fmt: skip
        with first.reading() as cur:
            assert tables_without_stats(cur, lake) == ["later"]
    finally:
        first.close()
    again = Store(":memory:", lake=lake)
    try:
        with again.reading() as cur:
            assert tables_without_stats(cur, lake) == []
            assert cur.execute("SELECT count(*) FROM later").fetchone()[0] == 0
            assert cur.execute("SELECT name FROM users").fetchall() == [("ada",)]
    finally:
        again.close()
