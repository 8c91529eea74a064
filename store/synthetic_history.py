"""A synthetic city's older history (`c3 synthetic --rollup-days`, sim.synthetic): what a
store holds of the year before its raw readings, built from them so that it looks like them.

The raw window's readings are rolled into each zone's hours (store.zone_rollups) and into
each feature's days (the daily grain of store.retention); both are then repeated back in
time, the window's length at a time, until `rollup_days` before the window (a 35-day
window is five weeks: weekdays stay weekdays). Older features' history is held as daily
buckets only, as a store holds what is past `retention.rollup_hourly_days`: at ten times
the synthetic city, a year of 15-minute and hourly buckets would be billions of rows,
beyond a build on one machine, while a screen reads one grain per moment either way."""

from __future__ import annotations

from datetime import datetime, timedelta

from store.retention import hour_floor, readings_into
from store.zone_rollups import roll_zone_hours

_WINDOW = "observed_at >= $from AND observed_at < $to"
_FEATURE_DAYS = {f"{domain}_rollups": readings_into(f"{domain}_readings", 1440, _WINDOW)
                 for domain in ("waste", "traffic")}  # fmt: skip
_SCRATCH = "synthetic_window"  # the window's rows, while they are copied back
_SHIFTED = {  # a table's columns, its time columns moved back $back days
    "waste_rollups": "container_id, grain_minutes, bucket - to_days($back) AS bucket, "
                     "readings, fill_avg, fill_min, fill_max, fill_last, "
                     "last_at - to_days($back) AS last_at, temperature_avg, status_last",
    "traffic_rollups": "segment_id, grain_minutes, bucket - to_days($back) AS bucket, "
                       "readings, speed_avg, travel_time_avg, congestion_avg, congestion_max, "
                       "congested_share, last_at - to_days($back) AS last_at",
    "zone_rollups": "domain, zone_id, kind, bucket - to_days($back) AS bucket, readings, "
                    "features, value_avg, value_max, high_share",
}


def write_older_history(store, start: datetime, end: datetime, rollup_days: int) -> dict:
    """Zone hours of the raw window [start, end), then feature days and zone hours for the
    `rollup_days` before it, repeated from the window's whole days (those before `start`'s
    own day, and zone hours before `start`'s hour, so that no moment is held twice). Each
    step is a transaction of a day's readings or one copy of the window (bounded memory:
    at ten times the synthetic city one statement over the whole window ran out of it).
    Rows written per table."""
    day, hour = timedelta(days=1), timedelta(hours=1)
    written = {"zone_rollups": 0}
    since = hour_floor(start)
    while since < end:
        upto = min(since + day, hour_floor(end) + hour)
        written["zone_rollups"] += store.write(lambda cur, s=since, u=upto: roll_zone_hours(
            cur, s, u))  # fmt: skip
        since = upto
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    whole = (first + day, end.replace(hour=0, minute=0, second=0, microsecond=0))
    days = (whole[1] - whole[0]).days
    if rollup_days <= 0 or days < 1:
        return written
    limits = {"from": whole[0], "to": whole[1], "oldest": first - timedelta(days=rollup_days)}
    for table, source in _FEATURE_DAYS.items():
        store.write(lambda cur, t=table: cur.execute(
            f"CREATE TABLE {_SCRATCH} AS SELECT * FROM {t} LIMIT 0"))  # fmt: skip
        for n in range(days):
            span = {"from": whole[0] + n * day, "to": whole[0] + (n + 1) * day}
            store.write(lambda cur, q=source, p=span: cur.execute(
                f"INSERT INTO {_SCRATCH} {q}", p))  # fmt: skip
        written[table] = _repeat_back(store, table, days, {**limits, "before": first})
    store.write(lambda cur: cur.execute(
        f"CREATE TABLE {_SCRATCH} AS SELECT * FROM zone_rollups "
        "WHERE bucket >= $from AND bucket < $to", {"from": whole[0], "to": whole[1]}))  # fmt: skip
    written["zone_rollups"] += _repeat_back(store, "zone_rollups", days,
                                            {**limits, "before": hour_floor(start)})
    return written


def _repeat_back(store, table: str, days: int, limits: dict) -> int:
    """Insert the window's rows (the scratch table, dropped after) into `table` moved back
    `days`, twice that, … while they fall in [oldest, before); rows inserted."""
    rows, k = 0, 1
    while limits["from"] - timedelta(days=(k - 1) * days) > limits["oldest"]:
        rows += store.write(lambda cur, k=k: cur.execute(
            f"INSERT INTO {table} SELECT * FROM (SELECT {_SHIFTED[table]} FROM {_SCRATCH}) "
            "WHERE bucket >= $oldest AND bucket < $before",
            {"back": k * days, "oldest": limits["oldest"], "before": limits["before"]},
        ).fetchone()[0])  # fmt: skip
        k += 1
    store.write(lambda cur: cur.execute(f"DROP TABLE {_SCRATCH}"))
    return rows
