"""Feed freshness: is a connector live, delayed, degraded or stale?"""

from __future__ import annotations

from datetime import datetime


def degraded(fetched: int | None, rejected: int | None, share: float) -> bool:
    """A run refused more than `share` (0-1) of the records it fetched: put in quarantine,
    or rejected again while the quarantine holds them. Its data is mostly wrong, so the
    feed is not live however recently it ran."""
    if not fetched or not rejected:
        return False
    return bool(rejected > share * fetched)


def feed_state(
    now: datetime,
    last_success_at: datetime | None,
    last_status: str | None,
    interval_s: float,
    stale_after_intervals: float,
    is_degraded: bool = False,
) -> str:
    """live: succeeded within 1.5 intervals; delayed: within the stale limit; else stale.
    A live or delayed feed whose last run was mostly rejected (`is_degraded`) is degraded.

    A feed whose latest run failed is stale at once: no new data is arriving, whatever
    the age of the last success (the badge also says the run failed, and why).
    """
    if last_success_at is None:
        return "stale" if last_status == "failed" else "never"
    age = (now - last_success_at).total_seconds()
    if last_status == "failed" or age > interval_s * stale_after_intervals:
        return "stale"
    if is_degraded:
        return "degraded"
    return "live" if age <= interval_s * 1.5 else "delayed"


def operator_state(
    now: datetime,
    last_success_at: datetime | None,
    last_status: str | None,
    interval_s: float,
    stale_after_intervals: float,
    is_degraded: bool = False,
) -> str:
    """`/feeds`' state: 'failing' when the latest run failed (the wall counts it stale),
    otherwise live / delayed / degraded / stale / never as `feed_state` says."""
    if last_status == "failed":
        return "failing"
    return feed_state(
        now, last_success_at, last_status, interval_s, stale_after_intervals, is_degraded
    )
