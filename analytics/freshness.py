"""Feed freshness: is a connector live, delayed, degraded or stale?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


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


# How old a feed's newest observation may be before the feed is stale by its data, by
# domain. Readings are sent all the time: a traffic feed whose newest reading is 2 h old,
# or a waste feed with no container reporting in a day, or a crews feed with no vehicle
# reporting in 2 h, has stopped, however well its
# runs go. Complaints are not judged by their age: a city can file and update none for
# hours (a night, a small town's weekend), so only their runs say whether they are live.
DATA_STALE_AFTER_S = {"traffic": 2 * 3600, "waste": 24 * 3600, "crews": 2 * 3600}


def data_limit_s(
    domain: str | None, interval_s: float, stale_after_intervals: float
) -> float | None:
    """How old a feed's newest observation may be: its domain's limit, never less than its
    run limit (a daily export's readings are a day old when it arrives); None: not judged."""
    limit = DATA_STALE_AFTER_S.get(domain or "")
    return None if limit is None else max(limit, interval_s * stale_after_intervals)


@dataclass(frozen=True)
class Freshness:
    state: str  # live | delayed | degraded | stale | failing | never
    stale_by: str | None  # "run": runs fail or stopped; "data": runs succeed, data is old
    newest_observed_at: datetime | None  # the newest observation the feed has delivered
    limit_s: float | None = None  # how old that may be (None: not judged by its data)

    def data_age_s(self, now: datetime) -> float | None:
        at = self.newest_observed_at
        return None if at is None else (now - at).total_seconds()


def assess(
    now: datetime,
    run: Mapping,
    interval_s: float,
    stale_after_intervals: float,
    degraded_share: float,
    *,
    operator: bool = False,
) -> Freshness:
    """A feed's state from its runs (a row of `store.queries.feed_status`: last success,
    status, fetched and rejected, domain, newest observation; {} before any run), and
    which made it stale: its runs, or the age of the newest observation it delivered
    (beyond `data_limit_s`) while its runs succeed. `operator` says 'failing' for a
    failed latest run (`/feeds`), where the wall says 'stale'."""
    state = (operator_state if operator else feed_state)(
        now,
        run.get("last_success_at"),
        run.get("last_status"),
        interval_s,
        stale_after_intervals,
        degraded(run.get("last_fetched"), run.get("last_rejected"), degraded_share),
    )
    newest = run.get("newest_observed_at")
    limit = data_limit_s(run.get("domain"), interval_s, stale_after_intervals)
    if state in ("stale", "failing"):
        return Freshness(state, "run", newest, limit)
    if state != "never" and limit is not None and newest is not None:
        if (now - newest).total_seconds() > limit:
            return Freshness("stale", "data", newest, limit)
    return Freshness(state, None, newest, limit)


def short_age(seconds: float) -> str:
    """An age as the wall says it: '40 min', '5 h', '6 d'."""
    if seconds < 90 * 60:
        return f"{max(0, int(seconds // 60))} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def local_day(when: datetime, tz: str, ref: datetime, clock: bool = True) -> str:
    """A moment in city time as 'Tue 24 Nov 10:00' (the year too when it is not `ref`'s)."""
    zone = ZoneInfo(tz)
    local, year = when.astimezone(zone), ref.astimezone(zone).year
    text = f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if local.year != year else "")
    return text + (f" {local:%H:%M}" if clock else "")


def data_note(fresh: Freshness, now: datetime, tz: str) -> str | None:
    """Why a feed is stale by its data: 'newest observation 6 d old (Tue 24 Nov 10:00);
    runs succeed'; None for a feed its runs judge."""
    if fresh.stale_by != "data":
        return None
    age = short_age(fresh.data_age_s(now))
    return (f"newest observation {age} old ({local_day(fresh.newest_observed_at, tz, now)}); "
            "runs succeed")  # fmt: skip
