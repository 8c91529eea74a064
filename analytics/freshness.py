"""Feed freshness: is a connector live, delayed or stale?"""

from __future__ import annotations

from datetime import datetime


def feed_state(
    now: datetime,
    last_success_at: datetime | None,
    last_status: str | None,
    interval_s: float,
    stale_after_intervals: float,
) -> str:
    """live: succeeded within 1.5 intervals; delayed: within the stale limit; else stale.

    A feed whose latest run failed is stale at once: no new data is arriving, whatever
    the age of the last success (the badge also says the run failed, and why).
    """
    if last_success_at is None:
        return "stale" if last_status == "failed" else "never"
    age = (now - last_success_at).total_seconds()
    if last_status == "failed" or age > interval_s * stale_after_intervals:
        return "stale"
    return "live" if age <= interval_s * 1.5 else "delayed"


def operator_state(
    now: datetime,
    last_success_at: datetime | None,
    last_status: str | None,
    interval_s: float,
    stale_after_intervals: float,
) -> str:
    """`/feeds`' state: 'failing' when the latest run failed (the wall counts it stale),
    otherwise live / delayed / stale / never as `feed_state` says."""
    if last_status == "failed":
        return "failing"
    return feed_state(now, last_success_at, last_status, interval_s, stale_after_intervals)
