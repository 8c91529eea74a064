"""Feed freshness: is a connector live, delayed, stale or failing?"""

from __future__ import annotations

from datetime import datetime

STATES = ("live", "delayed", "stale", "failing", "never")


def feed_state(
    now: datetime,
    last_success_at: datetime | None,
    last_status: str | None,
    interval_s: float,
    stale_after_intervals: float,
) -> str:
    """live: succeeded within ~1.5 intervals; delayed: within the stale limit; stale: older.

    A feed whose latest run failed is 'failing' until it succeeds again, unless it is
    already stale (stale says more: the data on screen is old).
    """
    if last_success_at is None:
        return "failing" if last_status == "failed" else "never"
    age = (now - last_success_at).total_seconds()
    if age > interval_s * stale_after_intervals:
        return "stale"
    if last_status == "failed":
        return "failing"
    return "live" if age <= interval_s * 1.5 else "delayed"
