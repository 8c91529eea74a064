"""Upserts on natural keys: replays change nothing, changes update, counts add up."""

from datetime import UTC, datetime, timedelta

import pytest

from store import Store
from store.schema import to_arrow
from store.upsert import upsert

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(empty_store):
    """An empty store: a DuckDB file, then a lake (tests/integration/conftest.py)."""
    return empty_store


def readings(n, fill=0.5):
    return [
        {
            "container_id": f"c{i % 10}",
            "observed_at": T0 + timedelta(minutes=i // 10),
            "fill_level": fill,
            "status": "ok",
            "source": "test",
        }
        for i in range(n)
    ]


def rows_of(db, table):
    with db.reading() as cur:
        return cur.execute(
            f"SELECT * EXCLUDE (geom) FROM {table} ORDER BY ALL"
            if table == "waste_containers"
            else f"SELECT * FROM {table} ORDER BY ALL"
        ).fetchall()


def test_same_batch_twice_leaves_the_same_rows(db):
    batch = to_arrow("waste_readings", readings(100))
    with db.transaction() as cur:
        first = upsert(cur, "waste_readings", batch)
    before = rows_of(db, "waste_readings")
    with db.transaction() as cur:
        second = upsert(cur, "waste_readings", batch)
    assert (first.inserted, first.updated, first.unchanged) == (100, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 100)
    assert rows_of(db, "waste_readings") == before


def test_changed_values_update_in_place(db):
    with db.transaction() as cur:
        upsert(cur, "waste_readings", to_arrow("waste_readings", readings(20, fill=0.5)))
        counts = upsert(cur, "waste_readings", to_arrow("waste_readings", readings(30, fill=0.7)))
    assert (counts.inserted, counts.updated, counts.unchanged) == (10, 20, 0)
    fills = {r[2] for r in rows_of(db, "waste_readings")}
    assert fills == {0.7}
    assert len(rows_of(db, "waste_readings")) == 30


def test_duplicate_keys_in_one_batch_keep_the_last(db):
    rows = readings(1, fill=0.2) + readings(1, fill=0.9)
    with db.transaction() as cur:
        counts = upsert(cur, "waste_readings", to_arrow("waste_readings", rows))
    assert (counts.inserted, counts.updated, counts.unchanged) == (1, 0, 1)
    assert [r[2] for r in rows_of(db, "waste_readings")] == [0.9]


def test_point_geometry_follows_a_moved_container(db):
    row = {"container_id": "c1", "waste_type": "glass", "lon": 24.93, "lat": 60.16}
    with db.transaction() as cur:
        upsert(cur, "waste_containers", to_arrow("waste_containers", [row]))
        moved = upsert(
            cur, "waste_containers", to_arrow("waste_containers", [dict(row, lat=60.17)])
        )
        where = cur.execute("SELECT ST_Y(geom) FROM waste_containers").fetchone()[0]
    assert moved.updated == 1
    assert where == pytest.approx(60.17)


def test_a_failed_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError), db.transaction() as cur:
        upsert(cur, "waste_readings", to_arrow("waste_readings", readings(5)))
        raise RuntimeError("crash mid-ingest")
    assert rows_of(db, "waste_readings") == []


def test_reopening_the_file_keeps_schema_and_rows(tmp_path):
    path = tmp_path / "again.duckdb"
    first = Store(path)
    with first.transaction() as cur:
        upsert(cur, "waste_readings", to_arrow("waste_readings", readings(3)))
    version = first.schema_version
    first.close()
    second = Store(path)
    assert second.schema_version == version >= 1
    assert len(rows_of(second, "waste_readings")) == 3
    second.close()


def test_a_feed_that_omits_a_column_does_not_blank_it(db):
    stamp = {"container_id": "c1", "collected_at": T0}
    with db.transaction() as cur:
        upsert(
            cur,
            "waste_collections",
            to_arrow("waste_collections", [dict(stamp, vehicle_id="truck-2")]),
        )
        again = upsert(cur, "waste_collections", to_arrow("waste_collections", [stamp]))
    assert again.unchanged == 1
    assert rows_of(db, "waste_collections") == [("c1", T0, "truck-2")]


def test_a_moved_container_changes_zone(store, city):
    from store.zoning import assign_zones

    zones = city.zones.to_crs("EPSG:3067")
    inside = zones.representative_point().to_crs("EPSG:4326")
    (a, pa_), (b, pb) = list(zip(city.zones["zone_id"], inside, strict=True))[:2]
    row = {"container_id": "c1", "lon": pa_.x, "lat": pa_.y}
    with store.transaction() as cur:
        for point in (pa_, pb):
            batch = to_arrow("waste_containers", [dict(row, lon=point.x, lat=point.y)])
            upsert(cur, "waste_containers", batch)
            assign_zones(cur, "waste_containers", batch)
            zone = cur.execute("SELECT zone_id FROM waste_containers").fetchone()[0]
            assert zone == (a if point is pa_ else b)
