"""Named queries behind the collection windows: the travel-time medians of the stored
traffic history per segment, day type and slot (the day types come in as data, from
analytics.profiles), the latest conditions, recent fill levels, collections, where the
containers are, and the stored plans, their windows and routes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from config.retention import PROFILE_DAYS  # four weeks: every weekday seen four times
from store.ids import new_id

OBSERVED_MINUTES = 20  # a reading this recent counts as "now" on its segment

# Readings aggregated per segment, local slot and the day type of their local date, which
# the caller gives as two lists ($dates, $day_types): the rule is not written here.
PROFILE_SQL = """
WITH day_types AS (
    SELECT unnest($dates::DATE[]) AS local_date, unnest($day_types::VARCHAR[]) AS day_type
)
SELECT segment_id, day_type, slot,
       median(travel_time_s) AS travel_time_s, count(*) AS readings
FROM (
    SELECT segment_id, travel_time_s, local::DATE AS local_date,
           (hour(local) * 60 + minute(local)) // $slot_minutes AS slot
    FROM (SELECT segment_id, travel_time_s, timezone($tz, observed_at) AS local
          FROM {source} WHERE isfinite(travel_time_s))
) JOIN day_types USING (local_date)
GROUP BY ALL
"""
PROFILE_HISTORY = (
    "(SELECT segment_id, observed_at, travel_time_s FROM traffic_readings "
    "WHERE observed_at > $since AND observed_at <= $until)"
)


def profile_medians(
    cur: duckdb.DuckDBPyConnection,
    source: str,
    tz: str,
    day_types: pd.DataFrame,
    slot_minutes: int,
    params: dict | None = None,
) -> pd.DataFrame:
    """Median travel time (s) per segment, day type and slot of readings in `source` (a
    table or subquery with `segment_id`, `observed_at` TIMESTAMPTZ and `travel_time_s`;
    its own $parameters in `params`), aggregated in DuckDB. `day_types` (local_date,
    day_type) must cover every local date of the readings: others are left out. Index:
    (segment_id, day_type, slot); columns `travel_time_s` and `readings` behind each value."""
    frame = cur.execute(
        PROFILE_SQL.format(source=source),
        {
            **(params or {}),
            "tz": tz,
            "dates": list(day_types["local_date"]),
            "day_types": list(day_types["day_type"]),
            "slot_minutes": slot_minutes,
        },
    ).df()
    frame["slot"] = frame["slot"].astype(int)
    return frame.set_index(["segment_id", "day_type", "slot"]).sort_index()


def local_date_span(
    cur: duckdb.DuckDBPyConnection, source: str, tz: str, params: dict | None = None
) -> tuple[date, date] | None:
    """The first and last local dates of the readings in `source` (as `profile_medians`
    takes it); None when it has none."""
    first, last = cur.execute(
        f"SELECT timezone($tz, min(observed_at))::DATE, timezone($tz, max(observed_at))::DATE "
        f"FROM {source} WHERE isfinite(travel_time_s)",
        {**(params or {}), "tz": tz},
    ).fetchone()
    return None if first is None else (first, last)


def profile_window(now: datetime) -> tuple[datetime, datetime]:
    """The history the profiles are made of: readings after the first moment, up to the
    second."""
    return now - timedelta(days=PROFILE_DAYS), now


def observed_travel_times(cur: duckdb.DuckDBPyConnection, now: datetime) -> pd.DataFrame:
    """Each segment's latest travel time (segment_id, travel_time_s) of the last
    OBSERVED_MINUTES up to `now`: the congestion now."""
    return cur.execute(
        "SELECT segment_id, arg_max(travel_time_s, observed_at) AS travel_time_s "
        "FROM traffic_readings WHERE observed_at > ? AND observed_at <= ? "
        "AND isfinite(travel_time_s) GROUP BY segment_id",
        [now - timedelta(minutes=OBSERVED_MINUTES), now],
    ).df()


def collection_inputs(
    cur: duckdb.DuckDBPyConnection,
    now: datetime,
    tz: str,
    day_types: pd.DataFrame,
    slot_minutes: int,
    fill_hours: float = 12,
) -> dict[str, pd.DataFrame]:
    """`profiles` (`profile_medians`) of the `profile_window`, whose local dates
    `day_types` must cover, `observed` (segment_id, travel_time_s: the latest reading of the
    last OBSERVED_MINUTES), `fills` of the last `fill_hours` (container_id, observed_at,
    fill_level), `collections` (container_id, collected_at) and `containers`
    (container_id, zone_id, zone_kind, capacity_l, lon, lat), all up to `now`."""
    since, until = profile_window(now)
    window = {"since": since, "until": until}
    return {
        "profiles": profile_medians(cur, PROFILE_HISTORY, tz, day_types, slot_minutes, window),
        "observed": observed_travel_times(cur, now),
        "fills": cur.execute(
            "SELECT container_id, observed_at, fill_level FROM waste_readings "
            "WHERE observed_at > ? AND observed_at <= ?",
            [now - timedelta(hours=fill_hours), now],
        ).df(),
        "collections": cur.execute(
            "SELECT container_id, max(collected_at) AS collected_at FROM waste_collections "
            "WHERE collected_at <= ? GROUP BY container_id",
            [now],
        ).df(),
        "containers": cur.execute(
            "SELECT c.container_id, c.zone_id, z.kind AS zone_kind, c.capacity_l, c.lon, c.lat "
            "FROM waste_containers c JOIN zones z USING (zone_id) WHERE c.lon IS NOT NULL"
        ).df(),
    }


KEEP_PLANS = 24  # older plans (and their routes) are pruned when a new one lands


def data_up_to(cur: duckdb.DuckDBPyConnection, now: datetime) -> datetime | None:
    """The newest traffic or waste reading at or before `now`."""
    return cur.execute(
        "SELECT greatest((SELECT max(observed_at) FROM traffic_readings WHERE observed_at <= $1),"
        " (SELECT max(observed_at) FROM waste_readings WHERE observed_at <= $1))",
        [now],
    ).fetchone()[0]


def write_plan(
    cur: duckdb.DuckDBPyConnection,
    plan: dict,
    windows: pd.DataFrame,
    zones: pd.DataFrame,
    routes: list[tuple[str, datetime, str]],
) -> int:
    """Store a plan (computed_at, data_up_to, first_start, horizon_h, versions, seconds,
    settings), its `windows` (zone_id, start_at, minutes, overflowing, allowed, cost,
    rank), `zones` (zone_id, stops, reason) and `routes` (zone_id, start_at, JSON);
    prune old plans. Returns the plan_id."""
    plan_id = new_id()
    cur.execute(
        "INSERT INTO collection_plans (plan_id, computed_at, data_up_to, first_start, "
        "horizon_h, versions, seconds, settings) VALUES ($plan_id, $computed_at, $data_up_to, "
        "$first_start, $horizon_h, $versions, $seconds, $settings)",
        {**plan, "plan_id": plan_id},
    )
    cur.register("_c3_windows", windows)
    cur.register("_c3_zones", zones)
    try:
        cur.execute(
            "INSERT INTO collection_windows SELECT ?, zone_id, start_at, minutes, overflowing, "
            "allowed, cost, rank FROM _c3_windows",
            [plan_id],
        )
        cur.execute(
            "INSERT INTO collection_zones SELECT ?, zone_id, stops, reason FROM _c3_zones",
            [plan_id],
        )
    finally:
        cur.unregister("_c3_windows")
        cur.unregister("_c3_zones")
    for zone_id, start_at, routes_json in routes:
        save_routes(cur, plan_id, zone_id, start_at, routes_json)
    old = "plan_id NOT IN (SELECT plan_id FROM collection_plans ORDER BY plan_id DESC LIMIT ?)"
    for table in ("collection_routes", "collection_zones", "collection_windows"):
        cur.execute(f"DELETE FROM {table} WHERE {old}", [KEEP_PLANS])
    cur.execute(f"DELETE FROM collection_plans WHERE {old}", [KEEP_PLANS])
    return plan_id


def save_routes(cur, plan_id: int, zone_id: str, start_at: datetime, routes_json: str) -> None:
    """Store a window's routes (JSON); a window routed already keeps its first."""
    cur.execute(
        "MERGE INTO collection_routes t USING (SELECT ?::BIGINT AS plan_id, ? AS zone_id, "
        "?::TIMESTAMPTZ AS start_at, ? AS routes) s USING (plan_id, zone_id, start_at) "
        "WHEN NOT MATCHED THEN INSERT VALUES (s.plan_id, s.zone_id, s.start_at, s.routes)",
        [plan_id, zone_id, start_at, routes_json],
    )


def latest_plan(cur: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest plan's row, as a dict; None before the first."""
    frame = cur.execute("SELECT * FROM collection_plans ORDER BY plan_id DESC LIMIT 1").df()
    return None if frame.empty else frame.iloc[0].to_dict()


def plan_current_at(cur: duckdb.DuckDBPyConnection, at: datetime) -> int | None:
    """The stored plan that was current at `at`: from data up to then, its first start
    the next quarter hour (None when no stored plan was made then)."""
    row = cur.execute(
        "SELECT plan_id FROM collection_plans WHERE data_up_to <= $at "
        "AND first_start > $at - INTERVAL 15 MINUTE AND first_start <= $at + INTERVAL 15 MINUTE "
        "ORDER BY data_up_to DESC, plan_id DESC LIMIT 1",
        {"at": at},
    ).fetchone()
    return row[0] if row else None


def plan_windows_frame(cur: duckdb.DuckDBPyConnection, plan_id: int) -> pd.DataFrame:
    """Every window of a plan with its zone's name, stops and reason."""
    return cur.execute(
        "SELECT w.*, coalesce(z.name, w.zone_id) AS zone_name, cz.stops, cz.reason "
        "FROM collection_windows w JOIN collection_zones cz USING (plan_id, zone_id) "
        "LEFT JOIN zones z USING (zone_id) WHERE plan_id = ? ORDER BY zone_name, start_at",
        [plan_id],
    ).df()


def stored_routes(cur, plan_id: int, zone_id: str, start_at: datetime) -> str | None:
    """A window's stored routes (JSON); None when not routed yet."""
    row = cur.execute(
        "SELECT routes FROM collection_routes WHERE plan_id = ? AND zone_id = ? AND start_at = ?",
        [plan_id, zone_id, start_at],
    ).fetchone()
    return row[0] if row else None


def has_window(cur, plan_id: int, zone_id: str, start_at: datetime) -> bool:
    """Whether a plan ranked a zone's round at `start_at`."""
    return bool(
        cur.execute(
            "SELECT count(*) FROM collection_windows "
            "WHERE plan_id = ? AND zone_id = ? AND start_at = ?",
            [plan_id, zone_id, start_at],
        ).fetchone()[0]
    )
