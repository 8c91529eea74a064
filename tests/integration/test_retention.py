"""Retention (issue 17), on both stores: readings past `retention.raw_days` are rolled up
into 15-minute buckets and deleted, those into hourly and then daily ones after their own
days (weighted means, each reading counted once); a feature's history and the time
slider read the rollups there without the user noticing; a late reading merges into its
bucket; each zone's hours hold a year's KPIs; the ledger, quarantine, sign-ins and report
files go after their own cutoffs; and over a simulated stretch of months the store's size
levels off."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from config import Settings
from config.retention import RetentionSettings
from services.retention import run_retention
from store.explore import container_history, frame, segment_history
from store.upsert import upsert
from store.zone_rollups import year_by_month
from tests.helpers import rows

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def some_ids(store, n=3):
    """n containers (the feeds bring them: any ids do) and n segments of the city model."""
    containers = [f"bin-{i}" for i in range(n)]
    segments = [r[0] for r in rows(store, f"SELECT segment_id FROM road_segments ORDER BY 1 "
                                          f"LIMIT {n}")]  # fmt: skip
    return containers, segments


def readings(containers, segments, start, end):
    """One reading per feature every 5 minutes in [start, end): a fill rising through each
    hour, a speed that depends on the minute, so every bucket's mean is known."""
    waste, traffic = [], []
    at = start
    while at < end:
        for i, c in enumerate(containers):
            waste.append({"container_id": c, "observed_at": at, "source": "t", "status": "ok",
                          "fill_level": (at.minute / 60 + i / 10) % 1, "temperature_c": 5.0})
        for i, s in enumerate(segments):
            speed = 20.0 + at.minute / 5 + i
            traffic.append({"segment_id": s, "observed_at": at, "source": "t",
                            "speed_kmh": speed, "travel_time_s": 3600 / speed,
                            "congestion_ratio": 1 + at.minute / 60, "congested": at.minute >= 30})
        at += STEP
    return waste, traffic


def store_readings(store, waste, traffic):
    def write(cur):
        for table, batch in (("waste_readings", waste), ("traffic_readings", traffic)):
            if batch:
                upsert(cur, table, pa.Table.from_pylist(batch))

    store.write(write)


def settings(tmp_path, **keep):
    return Settings(data_dir=tmp_path, retention=RetentionSettings(**keep))


def test_old_readings_become_15_minute_buckets_that_the_history_reads(store, tmp_path):
    containers, segments = some_ids(store)
    old_start = NOW - timedelta(days=40)
    waste, traffic = readings(containers, segments, old_start, old_start + timedelta(hours=6))
    recent = readings(containers, segments, NOW - timedelta(hours=2), NOW)
    store_readings(store, waste + recent[0], traffic + recent[1])
    since, until = old_start, old_start + timedelta(hours=6)
    with store.reading() as cur:
        before = container_history(cur, containers[0], since, until)["readings"]

    gone = run_retention(store, settings(tmp_path), now=NOW)

    assert gone["waste_readings"] == len(waste) and gone["traffic_readings"] == len(traffic)
    raw_old = "SELECT count(*) FROM {} WHERE observed_at < ?"
    assert rows(store, raw_old.format("waste_readings"), [NOW - timedelta(days=35)]) == [(0,)]
    assert rows(store, "SELECT count(*) FROM waste_readings") == [(len(recent[0]),)]
    with store.reading() as cur:
        after = container_history(cur, containers[0], since, until)["readings"]
        traffic_after = segment_history(cur, segments[0], since, until, "UTC")["readings"]
    # one point per 15 minutes, each the mean of the three raw readings it replaced
    assert after.num_rows == before.num_rows // 3 == 24
    raw = before.to_pylist()
    for i, point in enumerate(after.to_pylist()):
        three = raw[3 * i: 3 * i + 3]
        assert point["observed_at"] == three[0]["observed_at"]
        mean = sum(r["fill_level"] for r in three) / 3
        assert abs(point["fill_level"] - mean) < 1e-9
    speeds = [p["speed_kmh"] for p in traffic_after.to_pylist()]
    assert len(speeds) == 24 and speeds[0] == 20.0 + (0 + 1 + 2) / 3
    # every reading is counted once, in the 15-minute grain only (its days are not over)
    assert rows(store, "SELECT grain_minutes, sum(readings) FROM waste_rollups GROUP BY 1"
                ) == [(15, len(waste))]  # fmt: skip
    # the time slider, at an old moment, shows the bucket's mean
    with store.reading() as cur:
        at = old_start + timedelta(minutes=20)
        shown = json.loads(frame(cur, at))
    assert shown["waste"][containers[0]] == round(after.to_pylist()[1]["fill_level"], 2)
    assert shown["grain"] == 15  # the slider's label says "15-minute means"


def test_a_late_reading_is_merged_into_its_bucket(store, tmp_path):
    containers, segments = some_ids(store, 1)
    start = NOW - timedelta(days=40)
    waste, traffic = readings(containers, segments, start, start + timedelta(minutes=15))
    store_readings(store, waste, traffic)
    run_retention(store, settings(tmp_path), now=NOW)
    late = [{**waste[0], "observed_at": start + timedelta(minutes=14), "fill_level": 0.9}]
    store_readings(store, late, [])
    run_retention(store, settings(tmp_path), now=NOW + timedelta(hours=1))
    ((count, mean, last, top),) = rows(
        store, "SELECT readings, fill_avg, fill_last, fill_max FROM waste_rollups "
               "WHERE grain_minutes = 15 AND bucket = ?", [start])  # fmt: skip
    fills = [r["fill_level"] for r in waste] + [0.9]
    assert count == 4 and abs(mean - sum(fills) / 4) < 1e-9
    assert last == 0.9 and top == 0.9  # the newest reading of the bucket, and its peak
    assert rows(store, "SELECT count(*) FROM waste_readings") == [(0,)]


def test_the_ledger_quarantine_sign_ins_and_report_files_go_after_their_days(store, tmp_path):
    old, fresh = NOW - timedelta(days=100), NOW - timedelta(days=1)

    def seed(cur):
        for run_id, at in ((1, old), (2, fresh)):
            cur.execute("INSERT INTO ingest_runs (run_id, connector, started_at, finished_at, "
                        "status) VALUES (?, 'bins', ?, ?, 'ok')", [run_id, at, at])  # fmt: skip
            cur.execute("INSERT INTO quarantine (connector, received_at, seq, reason, raw, "
                        "last_seen_at) VALUES ('bins', ?, ?, 'bad', '{}', ?)",
                        [at, run_id, at])  # fmt: skip
        # a wall display signed in 100 days ago is still signed in (walls stay a year)
        for sid, ended in (("ended-long-ago", old), ("ended-yesterday", fresh), ("wall", None)):
            cur.execute("INSERT INTO sessions VALUES (?, 'ada', 'local', ?, ?)",
                        [sid, old, ended])  # fmt: skip

    store.write(seed)
    reports = tmp_path / "reports" / "city-daily"
    reports.mkdir(parents=True)
    for name in ("2025-10-01T0700.html", "2025-10-01T0700.pdf", "2026-11-29T0700.html",
                 "notes.txt"):  # fmt: skip
        (reports / name).write_text("x")

    gone = run_retention(store, settings(tmp_path), now=NOW)

    assert rows(store, "SELECT run_id FROM ingest_runs") == [(2,)]
    assert rows(store, "SELECT seq FROM quarantine") == [(2,)]
    assert rows(store, "SELECT sid FROM sessions ORDER BY 1") == [("ended-yesterday",), ("wall",)]
    assert sorted(p.name for p in reports.iterdir()) == ["2026-11-29T0700.html", "notes.txt"]
    assert (gone["ingest_runs"], gone["quarantine"], gone["sessions"],
            gone["report_files"]) == (1, 1, 1, 2)  # fmt: skip


def test_over_months_of_readings_the_store_levels_off(store, tmp_path):
    """Four months, five days at a time, 28 days raw and 60 days of history in all: once
    both windows are full, each step adds as many rows as it removes."""
    containers, segments = some_ids(store, 2)
    keep = settings(tmp_path, raw_days=28, rollup_15min_days=35, rollup_hourly_days=45,
                    rollup_days=60)
    start, step = NOW - timedelta(days=120), timedelta(days=5)
    totals = []
    for n in range(24):
        begin = start + n * step
        store_readings(store, *readings(containers, segments, begin, begin + step))
        run_retention(store, keep, now=begin + step)
        totals.append(rows(store, "SELECT (SELECT count(*) FROM waste_readings) + "
                                  "(SELECT count(*) FROM traffic_readings) + "
                                  "(SELECT count(*) FROM waste_rollups) + "
                                  "(SELECT count(*) FROM traffic_rollups)")[0][0])  # fmt: skip
    per_step = 5 * 2 * 2 * 288  # five days of raw readings, both domains
    assert totals[2] == 3 * per_step  # nothing old yet: every raw reading kept
    assert totals[8] > totals[5] > totals[2]  # growing while the windows fill
    assert totals[-1] == totals[-6]  # level: as much in as out
    assert max(totals[14:]) == totals[-1]
    assert rows(store, "SELECT min(bucket) FROM waste_rollups")[0][0] >= (
        start + 24 * step - timedelta(days=61))


def test_older_buckets_become_hourly_then_daily_with_the_same_means(store, tmp_path):
    """Two days of readings 100 and 400 days back: past their days the 15-minute buckets
    become hourly and then daily ones; each reading is still counted once, the means are
    weighted by readings, the history reads one point per day there, and the time slider
    at a moment of such a day shows the day's mean."""
    containers, segments = some_ids(store, 2)
    days, midnight = {}, NOW.replace(hour=0)
    for back in (100, 400):
        start = midnight - timedelta(days=back)
        days[back] = readings(containers, segments, start, start + timedelta(days=2))
    # one more reading in one bucket: an unequal bucket, so an unweighted mean would differ
    extra = {**days[400][0][0], "observed_at": days[400][0][0]["observed_at"] +
             timedelta(minutes=1), "fill_level": 1.0}  # fmt: skip
    days[400][0].append(extra)
    for waste, traffic in days.values():
        store_readings(store, waste, traffic)

    gone = run_retention(store, settings(tmp_path), now=NOW)

    assert gone["waste_15min_buckets"] > 0 and gone["waste_60min_buckets"] > 0
    held = dict(rows(store, "SELECT grain_minutes, sum(readings) FROM waste_rollups "
                            "GROUP BY 1"))  # fmt: skip
    assert held == {60: len(days[100][0]), 1440: len(days[400][0])}
    for back, grain in ((100, 60), (400, 1440)):
        start = midnight - timedelta(days=back)
        mine = [r["fill_level"] for r in days[back][0] if r["container_id"] == containers[0]
                and start <= r["observed_at"] < start + timedelta(minutes=grain)]
        ((mean,),) = rows(store, "SELECT fill_avg FROM waste_rollups WHERE container_id = ? "
                                 "AND bucket = ?", [containers[0], start])  # fmt: skip
        assert abs(mean - sum(mine) / len(mine)) < 1e-9
    start = midnight - timedelta(days=400)
    with store.reading() as cur:
        history = container_history(cur, containers[0], start, start + timedelta(days=2))
        shown = json.loads(frame(cur, start + timedelta(hours=13)))
    points = history["readings"].to_pylist()
    assert [p["observed_at"] for p in points] == [start, start + timedelta(days=1)]
    assert shown["waste"][containers[0]] == round(points[0]["fill_level"], 2)
    assert segments[0] in shown["traffic"] and shown["grain"] == 1440


def test_each_zones_hours_give_a_years_kpis_by_month(store, tmp_path):
    """The zone hours are rolled from the raw readings before those go, and a year's
    monthly KPIs read them alone: the same readings count and mean as the raw rows."""
    zone = rows(store, "SELECT zone_id FROM zones ORDER BY 1 LIMIT 1")[0][0]
    containers = ["bin-z0"]
    store.write(lambda cur: cur.execute("INSERT INTO waste_containers (container_id, zone_id, "
                                        "waste_type) VALUES ('bin-z0', ?, 'mixed')", [zone]))
    start = NOW - timedelta(days=60)
    waste, _ = readings(containers[:1], [], start, start + timedelta(days=1))
    store_readings(store, waste, [])
    run_retention(store, settings(tmp_path), now=NOW)
    assert rows(store, "SELECT count(*) FROM waste_readings") == [(0,)]

    with store.reading() as cur:
        year = year_by_month(cur, "waste", NOW, "UTC", [zone]).to_pylist()
    (month,) = year
    fills = [r["fill_level"] for r in waste]
    assert month["month"] == start.date().replace(day=1)
    assert month["readings"] == len(waste)
    assert abs(month["value_avg"] - sum(fills) / len(fills)) < 1e-9
    assert month["high_share"] == sum(f > 0.8 for f in fills) / len(fills)
    with store.reading() as cur:  # another zone's year has none of them
        assert year_by_month(cur, "waste", NOW, "UTC", ["elsewhere"]).num_rows == 0
    # a reading that comes late (a file export, a feed catching up) for an hour already
    # rolled is counted at the next pass, and the hour is not counted twice
    recent = NOW - timedelta(days=2)
    store_readings(store, readings(containers, [], recent, recent + timedelta(hours=1))[0], [])
    run_retention(store, settings(tmp_path), now=NOW + timedelta(hours=1))
    store_readings(store, [{**waste[0], "observed_at": recent + timedelta(minutes=7),
                            "fill_level": 1.0}], [])  # fmt: skip
    run_retention(store, settings(tmp_path), now=NOW + timedelta(hours=2))
    ((counted,),) = rows(store, "SELECT sum(readings) FROM zone_rollups WHERE bucket = ?",
                         [recent])  # fmt: skip
    assert counted == 12 + 1
