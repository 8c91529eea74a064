"""Synthetic city mode: a grid city of the asked size, its history from the simulator, in a
DuckDB file that the dashboard reads like any other store."""

from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
from typer.testing import CliRunner

from cli import cli
from geo.synthetic import build_basemap, grid_city
from sim.synthetic import (
    NotSynthetic,
    SyntheticParams,
    build_from,
    build_synthetic_store,
    ensure_synthetic_store,
)
from store import Store
from store.zone_rollups import year_by_month

NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)  # a Tuesday, 09:00 in Helsinki
SMALL = SyntheticParams(containers=500, segments=300, requests=2000, days=2)
DATA_TABLES = {
    "zones": "zone_id",
    "road_segments": "segment_id",
    "waste_containers": "container_id",
    "traffic_readings": "segment_id, observed_at",
    "waste_readings": "container_id, observed_at",
    "waste_collections": "container_id, collected_at",
    "service_requests": "source, request_id",
    "service_request_events": "source, request_id, status, changed_at",
}


def build(path, params=SMALL, now=NOW):
    return build_from(path, params, now, progress=lambda _: None)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    summary = build(tmp_path_factory.mktemp("synthetic") / "c3.duckdb")
    store = Store(summary.path)
    yield summary, store
    store.close()


def query(store, sql, params=()):
    with store.reading() as cur:
        return cur.execute(sql, list(params)).fetchall()


def table_contents(path) -> dict:
    """Every data table's rows in key order (geometry as WKT), for comparing two builds."""
    store = Store(path)
    try:
        with store.reading() as cur:
            out = {}
            for table, key in DATA_TABLES.items():
                columns = [r[0] for r in cur.execute(f"DESCRIBE {table}").fetchall()]
                select = ", ".join("ST_AsText(geom) AS geom" if c == "geom" else c for c in columns)
                out[table] = cur.execute(f"SELECT {select} FROM {table} ORDER BY {key}").fetchall()
            return out
    finally:
        store.close()


def test_the_store_holds_as_many_features_as_asked(built):
    _, store = built
    counts = {
        t: query(store, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("waste_containers", "road_segments", "service_requests")
    }
    assert counts == {"waste_containers": 500, "road_segments": 300, "service_requests": 2000}
    assert query(store, "SELECT count(*) FROM zones")[0][0] >= 2


@pytest.mark.parametrize(
    ("table", "key", "count", "step_min"),
    [("traffic_readings", "segment_id", 300, 15), ("waste_readings", "container_id", 500, 30)],
)
def test_readings_cover_the_days_at_their_interval(built, table, key, count, step_min):
    _, store = built
    start = NOW - timedelta(days=2)
    slots = 2 * 24 * 60 // step_min
    times = [r[0] for r in query(store, f"SELECT DISTINCT observed_at FROM {table} ORDER BY 1")]
    assert len(times) == slots
    assert start <= times[0] < start + timedelta(minutes=step_min)
    assert NOW - timedelta(minutes=step_min) <= times[-1] < NOW
    assert {b - a for a, b in zip(times, times[1:], strict=False)} == {timedelta(minutes=step_min)}
    features, per_feature = query(
        store,
        f"SELECT count(DISTINCT {key}), count(*) // count(DISTINCT {key}) FROM {table}",
    )[0]
    assert (features, per_feature) == (count, slots)  # every feature at every slot


def test_bins_fill_and_are_collected(built):
    _, store = built
    low, high, collections = query(
        store,
        """SELECT min(fill_level), max(fill_level),
                  (SELECT count(*) FROM waste_collections
                   WHERE collected_at >= $1 - INTERVAL 2 DAY AND collected_at < $1)
           FROM waste_readings""",
        [NOW],
    )[0]
    assert low < 0.1 and high > 0.8
    assert collections > 500 / 7  # each bin is emptied at least weekly


def test_every_container_segment_and_request_lies_in_a_zone(built):
    _, store = built
    for table in ("waste_containers", "road_segments", "service_requests"):
        missing = query(
            store,
            f"SELECT count(*) FROM {table} t LEFT JOIN zones z USING (zone_id) "
            "WHERE z.zone_id IS NULL",
        )[0][0]
        assert missing == 0, table
    inside = query(
        store,
        """SELECT bool_and(ST_Contains(z.geom, ST_Point(c.lon, c.lat)))
           FROM waste_containers c JOIN zones z USING (zone_id)""",
    )[0][0]
    assert inside


def test_requests_are_spread_over_the_days_open_and_closed_with_their_events(built):
    _, store = built
    statuses = dict(query(store, "SELECT status, count(*) FROM service_requests GROUP BY ALL"))
    assert set(statuses) == {"open", "closed"} and min(statuses.values()) > 100
    first, last, days = query(
        store,
        "SELECT min(requested_at), max(requested_at), count(DISTINCT requested_at::DATE) "
        "FROM service_requests",
    )[0]
    assert NOW - timedelta(days=2) <= first < NOW - timedelta(days=2) + timedelta(hours=6)
    assert NOW - timedelta(hours=6) < last <= NOW and days == 3
    # as the Open311 ingest stores them: 'open' when filed, 'closed' when closed, if so
    wrong = query(
        store,
        """SELECT r.request_id, r.status,
                  count(*) FILTER (e.status = 'open' AND e.changed_at = r.requested_at) AS opened,
                  count(*) FILTER (e.status = 'closed' AND e.changed_at = r.updated_at) AS closed,
                  count(*) AS events
           FROM service_requests r LEFT JOIN service_request_events e USING (source, request_id)
           GROUP BY ALL
           HAVING opened <> 1 OR events <> (CASE r.status WHEN 'closed' THEN 2 ELSE 1 END)
               OR closed <> (CASE r.status WHEN 'closed' THEN 1 ELSE 0 END)""",
    )
    assert wrong == []
    closed_late = query(
        store,
        "SELECT count(*) FROM service_requests WHERE status = 'closed' AND updated_at > $1",
        [NOW],
    )[0][0]
    assert closed_late == 0


def test_the_store_records_its_ingest_and_data_versions(built):
    _, store = built
    versions = dict(query(store, "SELECT domain, version FROM data_versions"))
    assert {"city", "waste", "traffic", "complaints"} <= set(versions)
    domains = {r[0] for r in query(store, "SELECT domain FROM ingest_runs WHERE status = 'ok'")}
    assert {"waste", "traffic", "complaints"} <= domains


def test_the_same_seed_builds_the_same_data_and_another_seed_other_data(built, tmp_path):
    summary, _ = built
    again = build(tmp_path / "again.duckdb")
    first, second = table_contents(summary.path), table_contents(again.path)
    for table in DATA_TABLES:
        assert first[table] == second[table], table
    other = build(tmp_path / "other.duckdb", SyntheticParams(500, 300, 2000, 2, seed=8))
    different = table_contents(other.path)
    assert different["waste_containers"] != first["waste_containers"]
    assert different["service_requests"] != first["service_requests"]


def test_a_file_is_reused_only_when_built_from_the_same_parameters(tmp_path):
    path = tmp_path / "c3.duckdb"
    small = SyntheticParams(containers=50, segments=40, requests=100, days=1)
    first = ensure_synthetic_store(path, small, now=NOW, progress=lambda _: None)
    assert first.built
    reused = ensure_synthetic_store(path, small, progress=lambda _: None)
    assert not reused.built and reused.now == NOW and reused.rows == first.rows
    rebuilt = ensure_synthetic_store(path, small, rebuild=True, now=NOW, progress=lambda _: None)
    assert rebuilt.built
    bigger = SyntheticParams(containers=60, segments=40, requests=100, days=1)
    changed = ensure_synthetic_store(path, bigger, now=NOW, progress=lambda _: None)
    assert changed.built and changed.rows["waste_containers"] == 60


def test_a_store_that_is_not_synthetic_is_never_overwritten(tmp_path):
    path = tmp_path / "real.duckdb"
    Store(path).close()
    params = SyntheticParams(containers=10, segments=10, requests=10, days=1)
    with pytest.raises(NotSynthetic):
        ensure_synthetic_store(path, params, rebuild=True, progress=lambda _: None)
    with pytest.raises(FileExistsError):
        build_synthetic_store(path, 10, 10, 10, 1)


def test_cli_builds_the_file_and_prints_its_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("C3_DATA_DIR", str(tmp_path))
    db = tmp_path / "s.duckdb"
    args = ["synthetic", "--containers", "40", "--segments", "30", "--requests", "50"]
    args += ["--days", "1", "--db", str(db), "--no-serve"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert db.exists()
    lines = {line.split()[0]: line.split()[-1] for line in result.output.splitlines() if line}
    assert lines["waste_containers"] == "40" and lines["road_segments"] == "30"
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "reusing" in again.output


def test_grid_city_has_the_city_models_shape(city):
    grid = grid_city(1234)
    assert len(grid.segments) == 1234 and grid.segments["segment_id"].is_unique
    assert list(grid.segments.columns) == list(city.segments.columns)
    assert list(grid.zones.columns) == list(city.zones.columns)
    assert set(grid.pois["kind"]) <= {"restaurant", "cafe", "bar", "fast_food", "pub", "shop"}
    assert grid.segments["zone_id"].notna().all() and grid.zones["zone_id"].is_unique
    assert {"primary", "secondary", "residential"} <= set(grid.segments["road_class"])
    assert grid.graph.number_of_nodes() > 0
    assert nx.is_strongly_connected(grid.graph)  # one piece, drivable both ways
    layers = {f["properties"]["layer"] for f in build_basemap(grid)["features"]}
    assert {"building", "road-major", "road-minor"} <= layers


def test_zone_count_follows_the_city_size():
    assert 40 <= len(grid_city(20_000).zones) <= 60
    assert len(grid_city(2_000, zones=9).zones) == 9


def test_rollup_days_add_a_year_held_once_per_moment_and_the_years_kpis(tmp_path):
    """`--rollup-days`: each feature's days and each zone's hours before the readings,
    like the readings (their window repeated back), never beside a raw reading of the same
    moment; a year's monthly KPIs then cover twelve local months."""
    params = SyntheticParams(containers=60, segments=40, requests=100, days=8, rollup_days=365)
    summary = build(tmp_path / "c3.duckdb", params)
    store = Store(summary.path)
    try:
        first_raw = NOW - timedelta(days=8)
        ((oldest, newest, grains),) = query(store, "SELECT min(bucket), max(bucket), "
                                                   "list(DISTINCT grain_minutes) FROM "
                                                   "traffic_rollups")  # fmt: skip
        assert grains == [1440]
        assert first_raw - timedelta(days=366) <= oldest < first_raw - timedelta(days=360)
        assert newest + timedelta(days=1) <= first_raw  # rollups end where the readings begin
        per_feature = query(store, "SELECT count(*), count(DISTINCT bucket) FROM waste_rollups "
                                   "GROUP BY container_id")  # fmt: skip
        assert len(per_feature) == 60 and all(n == days > 350 for n, days in per_feature)
        ((twice,),) = query(store, "SELECT count(*) FROM (SELECT domain, zone_id, kind, "
                                   "bucket FROM zone_rollups GROUP BY ALL "
                                   "HAVING count(*) > 1)")  # fmt: skip
        assert twice == 0
        ((hours_before, hours_raw),) = query(store, "SELECT count(DISTINCT bucket) FILTER "
                                                    "(WHERE bucket < ?), count(DISTINCT bucket) "
                                                    "FILTER (WHERE bucket >= ?) FROM zone_rollups",
                                             [first_raw, first_raw])  # fmt: skip
        assert hours_raw == 8 * 24 and 360 * 24 < hours_before <= 365 * 24 + 24
        with store.reading() as cur:
            months = year_by_month(cur, "traffic", NOW, "Europe/Helsinki").to_pylist()
        assert len(months) == 12 and all(m["readings"] > 0 for m in months)
        assert all(0.5 < m["value_avg"] < 5 for m in months)  # congestion ratios
    finally:
        store.close()


def test_on_a_lake_the_synthetic_city_is_copied_into_it_once(tmp_path, monkeypatch, lake):
    """`c3 synthetic` with a lake configured copies its file into the (empty) lake, and
    keeps it there when asked again; a lake holding other data is not written."""
    monkeypatch.setenv("C3_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C3_STORE__KIND", "ducklake")
    monkeypatch.setenv("C3_STORE__CATALOG", lake.catalog)
    monkeypatch.setenv("C3_STORE__DATA_PATH", lake.data_path)
    args = ["synthetic", "--containers", "40", "--segments", "30", "--requests", "50",
            "--days", "1", "--rollup-days", "30", "--db", str(tmp_path / "s.duckdb"),
            "--no-serve"]  # fmt: skip
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "copying" in first.output and "copied" in first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "reusing the lake" in again.output, again.output
    other = CliRunner().invoke(cli, [*args[:-3], "--seed", "9", *args[-3:]])
    assert other.exit_code == 2 and "the lake holds other data" in other.output, other.output
    held = Store(":memory:", lake=lake)
    try:
        assert query(held, "SELECT count(*) FROM waste_containers") == [(40,)]
        assert query(held, "SELECT count(*) > 0 FROM zone_rollups") == [(True,)]
    finally:
        held.close()
