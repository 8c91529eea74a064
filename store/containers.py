"""Named reads of the waste container register (`waste_containers`): which containers the
store knows, and how many."""

from __future__ import annotations

import duckdb


def container_ids(cur: duckdb.DuckDBPyConnection) -> set[str]:
    """The id of every container in the register."""
    return {r[0] for r in cur.execute("SELECT container_id FROM waste_containers").fetchall()}


def container_count(cur: duckdb.DuckDBPyConnection) -> int:
    """How many containers the register holds."""
    return cur.execute("SELECT count(*) FROM waste_containers").fetchone()[0]
