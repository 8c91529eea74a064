"""The ingest ledger: run records, quarantine, connector watermarks and data versions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from store.ids import new_id


@dataclass
class RunRecord:
    connector: str
    domain: str
    started_at: datetime
    finished_at: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0  # records put in quarantine by this run
    held: int = 0  # records rejected again that the quarantine already held (of `unchanged`)
    status: str = "ok"  # ok | failed | aborted (C3 stopped while it ran: nothing applied)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.connector} {self.status}: fetched {self.fetched}, inserted {self.inserted}, "
            f"updated {self.updated}, unchanged {self.unchanged}, quarantined {self.quarantined}"
        ) + (f" ({self.held} rejected again, already in quarantine)" if self.held else "")
        return text + (f" ({self.error})" if self.error else "")


def write_run(cur: duckdb.DuckDBPyConnection, run: RunRecord) -> int:
    """Insert the run record; return its run_id."""
    run_id = new_id()
    cur.execute(
        """INSERT INTO ingest_runs (run_id, connector, domain, started_at, finished_at,
               window_start, window_end, fetched, inserted, updated, unchanged, quarantined,
               held, status, error, warnings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            run_id,
            run.connector,
            run.domain,
            run.started_at,
            run.finished_at,
            run.window_start,
            run.window_end,
            run.fetched,
            run.inserted,
            run.updated,
            run.unchanged,
            run.quarantined,
            run.held,
            run.status,
            run.error,
            "\n".join(run.warnings) or None,
        ],
    )
    return run_id


def _rejects_table(rejects: list[tuple[str, object]]) -> pa.Table:
    """Rejected records as the quarantine keeps them: the reason and the raw text."""
    return pa.table(
        {
            "reason": [reason for reason, _ in rejects],
            "raw": [
                raw if isinstance(raw, str) else json.dumps(raw, default=str) for _, raw in rejects
            ],
        }
    )


def held_in_quarantine(
    cur: duckdb.DuckDBPyConnection, connector: str, rejects: list[tuple[str, object]]
) -> int:
    """How many of `rejects` the quarantine already holds for `connector` (same reason,
    same record): repeats a run counts as unchanged. Ask before `write_quarantine`."""
    if not rejects:
        return 0
    cur.register("_c3_held", _rejects_table(rejects))
    try:
        return cur.execute(
            """SELECT count(*) FROM _c3_held r
               WHERE EXISTS (SELECT 1 FROM quarantine q WHERE q.connector = ?
                             AND q.reason = r.reason AND q.raw = r.raw)""",
            [connector],
        ).fetchone()[0]
    finally:
        cur.unregister("_c3_held")


def write_quarantine(
    cur: duckdb.DuckDBPyConnection,
    connector: str,
    run_id: int,
    received_at: datetime,
    rejects: list[tuple[str, object]],
) -> None:
    """Keep each rejected raw record with its reason; a repeat bumps its seen_count."""
    if not rejects:
        return
    cur.register("_c3_rejects", _rejects_table(rejects))
    try:
        cur.execute(
            """UPDATE quarantine SET seen_count = seen_count + r.n, last_seen_at = ?
               FROM (SELECT reason, raw, count(*) AS n FROM _c3_rejects GROUP BY ALL) r
               WHERE quarantine.connector = ? AND quarantine.reason = r.reason
                 AND quarantine.raw = r.raw""",
            [received_at, connector],
        )
        cur.execute(
            """INSERT INTO quarantine (connector, received_at, seq, run_id, reason, raw,
                                       seen_count, last_seen_at)
               SELECT ?, ?, ? + row_number() OVER (), ?, reason, raw, n, ? FROM (
                   SELECT reason, raw, count(*) AS n FROM _c3_rejects r
                   WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.connector = ?
                                     AND q.reason = r.reason AND q.raw = r.raw)
                   GROUP BY ALL)""",
            [connector, received_at, new_id(), run_id, received_at, connector],
        )
    finally:
        cur.unregister("_c3_rejects")


def get_watermark(cur: duckdb.DuckDBPyConnection, connector: str) -> datetime | None:
    row = cur.execute(
        "SELECT watermark FROM connector_state WHERE connector = ?", [connector]
    ).fetchone()
    return row[0] if row else None


def set_watermark(cur: duckdb.DuckDBPyConnection, connector: str, watermark: datetime) -> None:
    cur.execute(
        """MERGE INTO connector_state t
           USING (SELECT ? AS connector, ?::TIMESTAMPTZ AS watermark) s USING (connector)
           WHEN MATCHED THEN UPDATE
               SET watermark = greatest(t.watermark, s.watermark), updated_at = now()
           WHEN NOT MATCHED THEN INSERT VALUES (s.connector, s.watermark, now())""",
        [connector, watermark],
    )


def bump_version(cur: duckdb.DuckDBPyConnection, domain: str) -> None:
    """Mark `domain` as changed; screens and caches key on this number."""
    cur.execute(
        """MERGE INTO data_versions t USING (SELECT ? AS domain) s USING (domain)
           WHEN MATCHED THEN UPDATE SET version = t.version + 1, changed_at = now()
           WHEN NOT MATCHED THEN INSERT VALUES (s.domain, 1, now())""",
        [domain],
    )


def data_versions(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(cur.execute("SELECT domain, version FROM data_versions").fetchall())


def append_status_events(
    cur: duckdb.DuckDBPyConnection, source: str, batch_view: str, closings: str | None = None
) -> None:
    """Append the status events the requests in `batch_view` show (opened, then closed...).
    A change is dated by the request's update time; a closing, by its close time where
    `closings` (a relation of request_id, closed_at) gives one."""
    join, when = "", "coalesce(updated_at, requested_at)"
    if closings:
        join = f"LEFT JOIN {closings} c USING (request_id)"
        when = f"coalesce(CASE WHEN status = 'closed' THEN c.closed_at END, {when})"
    cur.execute(
        f"""MERGE INTO service_request_events t USING (
                SELECT DISTINCT ? AS source, request_id, 'open' AS status,
                       requested_at AS changed_at
                FROM {batch_view} WHERE requested_at IS NOT NULL
                UNION
                SELECT DISTINCT ?, request_id, status, {when}
                FROM {batch_view} {join}
                WHERE status IS NOT NULL AND status <> 'open'
                  AND {when} IS NOT NULL) s
            USING (source, request_id, status, changed_at)
            WHEN NOT MATCHED THEN INSERT VALUES (s.source, s.request_id, s.status, s.changed_at)""",
        [source, source],
    )


def append_applied_status_events(
    cur: duckdb.DuckDBPyConnection,
    source: str,
    batch_view: str,
    closings: dict[str, datetime] | None = None,
) -> None:
    """Status events of the requests in `batch_view` as stored after the upsert, not as the
    batch sent them: an older version a feed re-sent was not applied, so its status is
    not the latest. `closings` dates the closing of requests by id (a file's close dates)."""
    cur.execute(
        f"""CREATE OR REPLACE TEMP VIEW _c3_applied AS
            SELECT r.* FROM service_requests r
            SEMI JOIN {batch_view} b USING (source, request_id)"""
    )
    if closings:
        cur.register("_c3_closings", pa.table({
            "request_id": pa.array(list(closings), pa.string()),
            "closed_at": pa.array(list(closings.values()), pa.timestamp("us", tz="UTC")),
        }))  # fmt: skip
    try:
        append_status_events(cur, source, "_c3_applied", "_c3_closings" if closings else None)
    finally:
        cur.execute("DROP VIEW _c3_applied")
        if closings:
            cur.unregister("_c3_closings")
