"""Named queries of the `/feeds` screen (issue #7): each connector's runs over a period,
its quarantine counts, and the quarantined records with their reasons."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd


def runs_since(cur: duckdb.DuckDBPyConnection, since: datetime) -> pd.DataFrame:
    """Every run finished since `since`, oldest first: connector, times, ledger (with the
    records rejected again that the quarantine already held), status, error and warnings
    (times read without an offset, attributes kept in extras)."""
    return cur.execute(
        """SELECT connector, started_at, finished_at, fetched, inserted, updated, unchanged,
                  quarantined, coalesce(held, 0) AS held, status, error, warnings
           FROM ingest_runs WHERE finished_at >= ? AND connector <> 'sim-backfill'
           ORDER BY finished_at""",
        [since],
    ).df()


def quarantine_counts(cur: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Per connector: (distinct records held, times rejected in all)."""
    rows = cur.execute(
        "SELECT connector, count(*), sum(seen_count) FROM quarantine GROUP BY connector"
    ).fetchall()
    return {name: (int(n), int(seen)) for name, n, seen in rows}


def quarantined(cur: duckdb.DuckDBPyConnection, connector: str, limit: int = 1000) -> pd.DataFrame:
    """A connector's quarantined records, newest first, with their reasons."""
    return cur.execute(
        """SELECT received_at, coalesce(last_seen_at, received_at) AS last_seen_at, seen_count,
                  reason, raw
           FROM quarantine WHERE connector = ? ORDER BY last_seen_at DESC, seq DESC LIMIT ?""",
        [connector, limit],
    ).df()


def last_errors(cur: duckdb.DuckDBPyConnection) -> dict[str, tuple[datetime, str]]:
    """Per connector: when its newest failed run finished, and why."""
    rows = cur.execute(
        """SELECT connector, max(finished_at), arg_max(error, finished_at)
           FROM ingest_runs WHERE status = 'failed' GROUP BY connector"""
    ).fetchall()
    return {name: (at, error) for name, at, error in rows}


def connector_domain(cur: duckdb.DuckDBPyConnection, connector: str) -> str | None:
    """The domain of a connector's data (waste, traffic, complaints), from its last run;
    None before it has run."""
    row = cur.execute(
        "SELECT arg_max(domain, finished_at) FROM ingest_runs WHERE connector = ?", [connector]
    ).fetchone()
    return row[0] if row else None
