"""What the store keeps, and for how long: readings older than the raw cutoff are rolled
up into 15-minute buckets and deleted, 15-minute buckets past theirs into hourly ones,
hourly ones into daily ones; the daily buckets, the ingest ledger, the quarantine and
ended sign-ins go after their own cutoffs. A lake's
maintenance (flushing inlined rows to Parquet, merging small files, expiring old
snapshots and deleting the files no snapshot needs) lives here too.

Rolling up a span and deleting it happen in one transaction, so a moment is held at one
grain only, raw or one of the rollups' (`waste_history` and `traffic_history` read them
as one: the finest grain still kept for each moment). Cutoffs fall on the hour; a bucket
rolled up in parts (a day, an hour at a time) or a reading that arrives late for a bucket
already rolled up is merged into it (counts add, means are weighted, the newest wins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from store.lake import CATALOG

GRAINS = (15, 60, 1440)  # minutes: each grain is rolled up into the next after its days


@dataclass(frozen=True)
class Cutoffs:
    """Rows older than these go: readings (into 15-minute rollups), 15-minute rollups
    (into hourly ones), hourly rollups (into daily ones), daily rollups and zone hours,
    ingest runs, quarantined records (by when they were last seen), sign-ins that ended
    before `sessions`, and those never ended that began before `sessions_begun` (past the
    longest a sign-in can last)."""

    raw: datetime
    quarter_hours: datetime
    hours: datetime
    rollups: datetime
    ingest_runs: datetime
    quarantine: datetime
    sessions: datetime
    sessions_begun: datetime
    crew_positions: datetime

    def grain_cutoffs(self) -> dict[int, datetime]:
        """Per rollup grain (minutes), the moment before which its buckets are rolled up
        into the next grain."""
        return {15: self.quarter_hours, 60: self.hours}


def hour_floor(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


# Readings into buckets of a grain (minutes), and a grain's buckets into the next grain's:
# the sources of the MERGEs below (one bucket of the coarser grain per feature and span).
def readings_into(table: str, grain: int, where: str) -> str:
    """The rollup rows of `table`'s ("waste_readings" or "traffic_readings") readings
    that `where` keeps, in buckets of `grain` minutes."""
    values = {
        "waste_readings": """container_id, {grain} AS grain_minutes,
           time_bucket(to_minutes({grain}), observed_at) AS bucket,
           count(*)::INTEGER AS readings, avg(fill_level) AS fill_avg,
           min(fill_level) AS fill_min, max(fill_level) AS fill_max,
           arg_max(fill_level, observed_at) AS fill_last, max(observed_at) AS last_at,
           avg(temperature_c) AS temperature_avg, arg_max(status, observed_at) AS status_last""",
        "traffic_readings": """segment_id, {grain} AS grain_minutes,
           time_bucket(to_minutes({grain}), observed_at) AS bucket,
           count(*)::INTEGER AS readings, avg(speed_kmh) AS speed_avg,
           avg(travel_time_s) FILTER (WHERE isfinite(travel_time_s)) AS travel_time_avg,
           avg(congestion_ratio) AS congestion_avg, max(congestion_ratio) AS congestion_max,
           avg(congested::INTEGER) AS congested_share, max(observed_at) AS last_at""",
    }[table].format(grain=int(grain))
    return f"SELECT {values} FROM {table} WHERE {where} GROUP BY ALL"


_WASTE_FROM_READINGS = readings_into("waste_readings", 15, "observed_at < $before")
_TRAFFIC_FROM_READINGS = readings_into("traffic_readings", 15, "observed_at < $before")


def _mean_of_means(column: str) -> str:
    """The mean of a span's buckets' means, weighted by their readings (a bucket may have
    no value)."""
    return (f"sum({column} * readings) / sum(readings) FILTER (WHERE {column} IS NOT NULL) "
            f"AS {column}")  # fmt: skip


_WASTE_FROM_GRAIN = f"""
    SELECT container_id, $coarser AS grain_minutes,
           time_bucket(to_minutes($coarser), bucket) AS bucket,
           sum(readings)::INTEGER AS readings, {_mean_of_means("fill_avg")},
           min(fill_min) AS fill_min, max(fill_max) AS fill_max,
           arg_max(fill_last, last_at) AS fill_last, max(last_at) AS last_at,
           {_mean_of_means("temperature_avg")}, arg_max(status_last, last_at) AS status_last
    FROM waste_rollups WHERE grain_minutes = $finer AND bucket < $before GROUP BY ALL"""
_TRAFFIC_FROM_GRAIN = f"""
    SELECT segment_id, $coarser AS grain_minutes,
           time_bucket(to_minutes($coarser), bucket) AS bucket,
           sum(readings)::INTEGER AS readings, {_mean_of_means("speed_avg")},
           {_mean_of_means("travel_time_avg")}, {_mean_of_means("congestion_avg")},
           max(congestion_max) AS congestion_max, {_mean_of_means("congested_share")},
           max(last_at) AS last_at
    FROM traffic_rollups WHERE grain_minutes = $finer AND bucket < $before GROUP BY ALL"""

_WASTE = """
MERGE INTO waste_rollups t USING ({source}) s
ON t.container_id = s.container_id AND t.grain_minutes = s.grain_minutes AND t.bucket = s.bucket
WHEN MATCHED THEN UPDATE SET
    readings = t.readings + s.readings,
    fill_avg = {fill_avg}, temperature_avg = {temperature_avg},
    fill_min = least(t.fill_min, s.fill_min), fill_max = greatest(t.fill_max, s.fill_max),
    fill_last = CASE WHEN s.last_at >= t.last_at THEN s.fill_last ELSE t.fill_last END,
    status_last = CASE WHEN s.last_at >= t.last_at THEN s.status_last ELSE t.status_last END,
    last_at = greatest(t.last_at, s.last_at)
WHEN NOT MATCHED THEN INSERT (container_id, grain_minutes, bucket, readings, fill_avg,
    fill_min, fill_max, fill_last, last_at, temperature_avg, status_last)
    VALUES (s.container_id, s.grain_minutes, s.bucket, s.readings, s.fill_avg, s.fill_min,
            s.fill_max, s.fill_last, s.last_at, s.temperature_avg, s.status_last)
"""

_TRAFFIC = """
MERGE INTO traffic_rollups t USING ({source}) s
ON t.segment_id = s.segment_id AND t.grain_minutes = s.grain_minutes AND t.bucket = s.bucket
WHEN MATCHED THEN UPDATE SET
    readings = t.readings + s.readings,
    speed_avg = {speed_avg}, travel_time_avg = {travel_time_avg},
    congestion_avg = {congestion_avg}, congested_share = {congested_share},
    congestion_max = greatest(t.congestion_max, s.congestion_max),
    last_at = greatest(t.last_at, s.last_at)
WHEN NOT MATCHED THEN INSERT (segment_id, grain_minutes, bucket, readings, speed_avg,
    travel_time_avg, congestion_avg, congestion_max, congested_share, last_at)
    VALUES (s.segment_id, s.grain_minutes, s.bucket, s.readings, s.speed_avg,
            s.travel_time_avg, s.congestion_avg, s.congestion_max, s.congested_share,
            s.last_at)
"""


def _weighted(column: str) -> str:
    """A stored bucket's mean combined with a late batch's, weighted by their readings
    (either side may have no value)."""
    return (f"CASE WHEN t.{column} IS NULL THEN s.{column} WHEN s.{column} IS NULL "
            f"THEN t.{column} ELSE (t.{column} * t.readings + s.{column} * s.readings) "
            f"/ (t.readings + s.readings) END")  # fmt: skip


def _waste_merge(source: str) -> str:
    return _WASTE.format(source=source, **{c: _weighted(c) for c in (
        "fill_avg", "temperature_avg")})  # fmt: skip


def _traffic_merge(source: str) -> str:
    return _TRAFFIC.format(source=source, **{c: _weighted(c) for c in (
        "speed_avg", "travel_time_avg", "congestion_avg", "congested_share")})  # fmt: skip


# per domain: (readings table, rollups table, readings into 15 minutes, a grain into the next)
ROLLUPS = {
    "waste": ("waste_readings", "waste_rollups", _waste_merge(_WASTE_FROM_READINGS),
              _waste_merge(_WASTE_FROM_GRAIN)),
    "traffic": ("traffic_readings", "traffic_rollups", _traffic_merge(_TRAFFIC_FROM_READINGS),
                _traffic_merge(_TRAFFIC_FROM_GRAIN)),
}  # fmt: skip


def roll_up_readings(cur: duckdb.DuckDBPyConnection, before: datetime) -> dict[str, int]:
    """Roll every reading observed before `before` into its 15-minute bucket, then delete
    those readings (inside the caller's transaction); readings moved per domain."""
    moved = {}
    for domain, (table, _, from_readings, _) in ROLLUPS.items():
        cur.execute(from_readings, {"before": before})
        moved[domain] = cur.execute(f"DELETE FROM {table} WHERE observed_at < ?",
                                    [before]).fetchone()[0]  # fmt: skip
    return moved


def coarsen(cur: duckdb.DuckDBPyConnection, finer: int, before: datetime) -> dict[str, int]:
    """Roll the `finer`-minute buckets that begin before `before` into the next grain's,
    then delete them (inside the caller's transaction); buckets moved per domain."""
    coarser = GRAINS[GRAINS.index(finer) + 1]
    moved = {}
    for domain, (_, table, _, from_grain) in ROLLUPS.items():
        cur.execute(from_grain, {"finer": finer, "coarser": coarser, "before": before})
        moved[domain] = cur.execute(
            f"DELETE FROM {table} WHERE grain_minutes = ? AND bucket < ?",
            [finer, before]).fetchone()[0]  # fmt: skip
    return moved


def oldest_bucket(cur: duckdb.DuckDBPyConnection, grain: int) -> datetime | None:
    """The oldest `grain`-minute bucket of either domain (None: none)."""
    return cur.execute("SELECT least((SELECT min(bucket) FROM waste_rollups WHERE grain_minutes "
                       "= $g), (SELECT min(bucket) FROM traffic_rollups WHERE grain_minutes "
                       "= $g))", {"g": grain}).fetchone()[0]  # fmt: skip


def oldest_reading(cur: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the oldest raw reading of either domain was observed (None: no readings)."""
    return cur.execute("SELECT least((SELECT min(observed_at) FROM waste_readings), "
                       "(SELECT min(observed_at) FROM traffic_readings))").fetchone()[0]


def prune(cur: duckdb.DuckDBPyConnection, cutoffs: Cutoffs) -> dict[str, int]:
    """Delete what is past its own cutoff (readings aside: `roll_up_readings`); rows
    deleted per kind."""
    gone = {}
    statements = {
        "waste_rollups": ("DELETE FROM waste_rollups WHERE bucket < ?", cutoffs.rollups),
        "traffic_rollups": ("DELETE FROM traffic_rollups WHERE bucket < ?", cutoffs.rollups),
        "zone_rollups": ("DELETE FROM zone_rollups WHERE bucket < ?", cutoffs.rollups),
        "waste_collections": ("DELETE FROM waste_collections WHERE collected_at < ?",
                              cutoffs.rollups),  # fmt: skip
        "ingest_runs": ("DELETE FROM ingest_runs WHERE coalesce(finished_at, started_at) < ? "
                        "AND status <> 'running'", cutoffs.ingest_runs),  # fmt: skip
        "quarantine": ("DELETE FROM quarantine WHERE coalesce(last_seen_at, received_at) < ?",
                       cutoffs.quarantine),  # fmt: skip
        "sessions": ("DELETE FROM sessions WHERE ended_at < ? OR started_at < ?",
                     cutoffs.sessions, cutoffs.sessions_begun),  # fmt: skip
        "crew_positions": ("DELETE FROM crew_positions WHERE observed_at < ?",
                           cutoffs.crew_positions),  # fmt: skip
    }
    for kind, (sql, *before) in statements.items():
        gone[kind] = cur.execute(sql, before).fetchone()[0]
    return gone


def report_runs_before(cur: duckdb.DuckDBPyConnection, before: datetime) -> list[tuple]:
    """(kind, slot) of the report runs whose slot is older than `before`: their files go."""
    return cur.execute("SELECT kind, slot FROM report_runs WHERE slot < ? ORDER BY slot",
                       [before]).fetchall()  # fmt: skip


def table_rows(cur: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> dict[str, int]:
    """Rows per table (what a retention pass reports, and the year bench follows)."""
    return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def flush_inlined(con: duckdb.DuckDBPyConnection) -> None:
    """The rows of small writes, inlined in a lake's catalog, written to Parquet: every
    read of a table reads its inlined rows from the catalog, which costs more (twice as
    much after an hour of the demo's waste readings) the more of them there are."""
    con.execute(f"CALL ducklake_flush_inlined_data('{CATALOG}')")


def maintain_lake(con: duckdb.DuckDBPyConnection, snapshots_before: datetime,
                  files_before: datetime) -> None:  # fmt: skip
    """A lake's upkeep: write the rows inlined in the catalog to Parquet, merge small
    adjacent files, expire the snapshots older than `snapshots_before` (time travel
    further back is given up) and delete the files no remaining snapshot reads that were
    given up before `files_before`: a read under way in another process may still be
    scanning a file merged away a moment ago (deleting it at once failed such reads with
    "Cannot open file" under load)."""
    flush_inlined(con)
    con.execute(f"CALL ducklake_merge_adjacent_files('{CATALOG}')")
    con.execute(f"CALL ducklake_expire_snapshots('{CATALOG}', older_than => ?)",
                [snapshots_before])  # fmt: skip
    con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG}', older_than => ?)",
                [files_before])  # fmt: skip


def since_hours(now: datetime, days: float) -> datetime:
    """The hour `days` before `now`."""
    return hour_floor(now - timedelta(days=days))
