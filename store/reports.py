"""Named queries of the snapshot reports (issue #6): the `report_runs` ledger and its
deliveries; the state of the city at a moment that the wall's queries do not give
(requests open then, feed runs up to then); the zones' names and the shapes the map
picture draws. No complainant's text, address or contact leaves these queries."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

from store import Store
from store.explore import REQUEST_SPANS

# A claim this old whose run never finished was lost (the process died while producing
# it): the slot may be taken again. A report takes seconds to a minute or two.
STALE_CLAIM = timedelta(minutes=30)
# one run's claim of a slot, as the row MERGE INTO report_runs compares (kind, slot, now, late)
CLAIM = "SELECT ? AS kind, ?::TIMESTAMPTZ AS slot, ?::TIMESTAMPTZ AS claimed_at, ? AS late"


def claim(store: Store, kind: str, slot: datetime, now: datetime, late: bool) -> bool:
    """Take the slot for this run; False when a run (this process or another, before a
    restart) has already taken it, unless that run was lost while producing it."""
    with store.transaction() as cur:
        taken = cur.execute(
            f"MERGE INTO report_runs t USING ({CLAIM}) s USING (kind, slot) "
            "WHEN MATCHED AND t.status = 'running' AND t.claimed_at < ? THEN UPDATE "
            "SET claimed_at = s.claimed_at, late = s.late "
            "WHEN NOT MATCHED THEN INSERT (kind, slot, claimed_at, late, status, on_demand) "
            "VALUES (s.kind, s.slot, s.claimed_at, s.late, 'running', false)",
            [kind, slot, now, late, now - STALE_CLAIM],
        ).fetchone()[0]  # rows inserted or updated: 0 when another run holds the slot
    return taken > 0


def reclaim(store: Store, kind: str, slot: datetime, now: datetime) -> bool:
    """Take the slot for an on-demand run (a re-run replaces what ran before); False
    while another run of the slot is producing it."""
    with store.transaction() as cur:
        taken = cur.execute(
            f"MERGE INTO report_runs t USING ({CLAIM}) s USING (kind, slot) "
            "WHEN MATCHED AND (t.status <> 'running' OR t.claimed_at < ?) THEN UPDATE "
            "SET claimed_at = s.claimed_at, late = false, status = 'running', on_demand = true, "
            "finished_at = NULL, error = NULL, missing = NULL "
            "WHEN NOT MATCHED THEN INSERT (kind, slot, claimed_at, late, status, on_demand) "
            "VALUES (s.kind, s.slot, s.claimed_at, false, 'running', true)",
            [kind, slot, now, False, now - STALE_CLAIM],
        ).fetchone()[0]
    return taken > 0


def finish(store: Store, kind: str, slot: datetime, now: datetime, error: str | None,
           missing: str | None = None) -> None:  # fmt: skip
    with store.transaction() as cur:
        cur.execute(
            "UPDATE report_runs SET finished_at = ?, status = ?, error = ?, missing = ? "
            "WHERE kind = ? AND slot = ?",
            [now, "failed" if error else "ok", error, missing, kind, slot],
        )


def report_runs(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every run with its delivery, newest slot first."""
    return cur.execute(
        """SELECT r.kind, r.slot, r.claimed_at, r.finished_at, r.late, r.status, r.error,
                  r.missing, r.on_demand, d.status AS delivery, d.attempts, d.last_error,
                  d.sent_at
           FROM report_runs r LEFT JOIN report_deliveries d USING (kind, slot)
           ORDER BY r.slot DESC, r.kind"""
    ).df()


def run_outcome(
    cur: duckdb.DuckDBPyConnection, kind: str, slot: datetime
) -> tuple[bool, str | None]:
    """(late, missing parts) of one run; (False, None) when it is not in the ledger."""
    row = cur.execute(
        "SELECT late, missing FROM report_runs WHERE kind = ? AND slot = ?", [kind, slot]
    ).fetchone()
    return (bool(row[0]), row[1]) if row else (False, None)


def queue_delivery(store: Store, kind: str, slot: datetime, recipients: list[str],
                   now: datetime) -> None:  # fmt: skip
    with store.transaction() as cur:
        cur.execute(
            "MERGE INTO report_deliveries t USING (SELECT ? AS kind, ?::TIMESTAMPTZ AS slot, "
            "? AS recipients, ?::TIMESTAMPTZ AS next_attempt_at) s USING (kind, slot) "
            "WHEN MATCHED THEN UPDATE SET recipients = s.recipients, status = 'pending', "
            "attempts = 0, next_attempt_at = s.next_attempt_at, last_error = NULL, "
            "sent_at = NULL "
            "WHEN NOT MATCHED THEN INSERT (kind, slot, recipients, status, attempts, "
            "next_attempt_at) VALUES (s.kind, s.slot, s.recipients, 'pending', 0, "
            "s.next_attempt_at)",
            [kind, slot, ",".join(recipients), now],
        )


SENDING_FOR = timedelta(minutes=10)  # a delivery taken this long ago and not recorded: lost


def take_due_deliveries(store: Store, now: datetime) -> list[tuple[str, datetime, list[str], int]]:
    """Take the pending deliveries whose attempt is due, so that no other thread sends
    them too: (kind, slot, recipients, attempts made). A taken delivery whose outcome is
    never recorded (the process died) is due again after SENDING_FOR."""
    with store.transaction() as cur:
        due = "status IN ('pending', 'sending') AND next_attempt_at <= ?"
        rows = cur.execute(
            f"SELECT kind, slot, recipients, attempts FROM report_deliveries WHERE {due}", [now]
        ).fetchall()
        cur.execute(
            f"UPDATE report_deliveries SET status = 'sending', next_attempt_at = ? WHERE {due}",
            [now + SENDING_FOR, now],
        )
    return [(k, s, r.split(","), a) for k, s, r, a in sorted(rows, key=lambda row: row[1])]


def record_delivery(store: Store, kind: str, slot: datetime, now: datetime, error: str | None,
                    retry_at: datetime | None) -> None:  # fmt: skip
    """One attempt's outcome: sent, pending again at `retry_at`, or failed for good."""
    status = "sent" if error is None else "pending" if retry_at else "failed"
    with store.transaction() as cur:
        cur.execute(
            "UPDATE report_deliveries SET attempts = attempts + 1, status = ?, last_error = ?, "
            "next_attempt_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END "
            "WHERE kind = ? AND slot = ?",
            [status, error, retry_at, status, now, kind, slot],
        )


def open_requests_at(cur: duckdb.DuckDBPyConnection, at: datetime,
                     zones: list[str]) -> pd.DataFrame:  # fmt: skip
    """Requests open at `at` as they were then (filed by then, not closed by then; the
    rule of /explore's time slider), with what the wall may show: type, times, zone, and
    position (no text, no address)."""
    return cur.execute(
        f"""
        SELECT request_id, service_code, service_name, requested_at, expected_at, zone_id,
               lon, lat
        FROM ({REQUEST_SPANS})
        WHERE requested_at <= $at AND (closed_at IS NULL OR closed_at > $at)
          AND (len($zones) = 0 OR list_contains($zones, zone_id))
        """,
        {"at": at, "zones": zones},
    ).df()


def complaint_period(cur: duckdb.DuckDBPyConnection, since: datetime, at: datetime,
                     zones: list[str]) -> dict:  # fmt: skip
    """Requests filed in (since, at], and the median hours to close of those closed then."""
    opened, closed, median_h = cur.execute(
        f"""
        SELECT count(*) FILTER (requested_at > $since AND requested_at <= $at),
               count(*) FILTER (closed_at > $since AND closed_at <= $at),
               median(epoch(closed_at - requested_at) / 3600)
                   FILTER (closed_at > $since AND closed_at <= $at)
        FROM ({REQUEST_SPANS})
        WHERE len($zones) = 0 OR list_contains($zones, zone_id)
        """,
        {"since": since, "at": at, "zones": zones},
    ).fetchone()
    return {"opened": opened, "closed": closed, "median_close_h": median_h}


def zone_names(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """zone_id -> the zone's name (its id when it has none)."""
    return dict(cur.execute("SELECT zone_id, coalesce(name, zone_id) FROM zones").fetchall())


def zone_shapes(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every zone: id, name and outline as WKB."""
    return cur.execute(
        "SELECT zone_id, coalesce(name, zone_id) AS name, ST_AsWKB(geom) AS wkb FROM zones"
    ).df()


def segment_shapes(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every road segment: id, name, zone and line as WKB."""
    return cur.execute(
        "SELECT segment_id, name, zone_id, ST_AsWKB(geom) AS wkb FROM road_segments"
    ).df()


# per domain: its readings, what each reading is of, and where that thing's zone is
READINGS = {
    "waste": ("waste_history", "container_id", "waste_containers"),
    "traffic": ("traffic_history", "segment_id", "road_segments"),
}


def newest_reading(cur: duckdb.DuckDBPyConnection, domain: str, at: datetime,
                   zones: list[str]) -> datetime | None:  # fmt: skip
    """The newest reading of `domain` (waste or traffic) stored at or before `at`, in
    `zones` (every zone when none): what a report with no reading in its period can say."""
    table, key, things = READINGS[domain]
    return cur.execute(
        f"""
        SELECT max(observed_at) FROM {table}
        WHERE observed_at <= $at
          AND (len($zones) = 0
               OR {key} IN (SELECT {key} FROM {things} WHERE list_contains($zones, zone_id)))
        """,
        {"at": at, "zones": zones},
    ).fetchone()[0]
