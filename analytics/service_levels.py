"""When a complaint is due: its service level's hours counted from the request, either on
the clock (elapsed hours: a clock change moves the local time, not the hours) or in the
city's working time (working days and hours in local time, holidays left out, so a
request on Friday afternoon with 8 working hours is due on Monday).

Arithmetic is done in UTC; local time is used only to find where each working day
starts and ends, so a day the clocks change has its true length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from config.service_levels import WEEKDAYS, ServiceLevelSettings

# a target no working calendar can reach (a level of years with few working days) stops
# here rather than looping on: ten years of days
MAX_DAYS = 3660


@dataclass(frozen=True)
class WorkingClock:
    """The city's working time, in its own time zone."""

    tz: ZoneInfo
    days: frozenset[int]  # weekday numbers, Monday = 0
    start: time
    end: time
    holidays: frozenset[date]

    @classmethod
    def of(cls, levels: ServiceLevelSettings, tz: str) -> WorkingClock:
        hours = levels.working_hours
        return cls(
            tz=ZoneInfo(tz),
            days=frozenset(WEEKDAYS.index(d) for d in hours.days),
            start=time.fromisoformat(hours.start),
            end=time.fromisoformat(hours.end),
            holidays=frozenset(levels.holidays),
        )

    def shift(self, day: date) -> tuple[datetime, datetime] | None:
        """The working period of a local day, in UTC; None on a day off."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        opens = datetime.combine(day, self.start, self.tz).astimezone(UTC)
        closes = datetime.combine(day, self.end, self.tz).astimezone(UTC)
        return opens, closes


def due_at(requested: datetime, hours: float, clock: WorkingClock | None = None) -> datetime:
    """`hours` after `requested`: elapsed time, or working time when a clock is given."""
    if clock is None:  # in UTC: a zoned datetime plus hours would add wall-clock hours
        return requested.astimezone(UTC) + timedelta(hours=hours)
    left = timedelta(hours=hours)
    now = requested.astimezone(UTC)
    day = now.astimezone(clock.tz).date()
    for _ in range(MAX_DAYS):
        shift = clock.shift(day)
        if shift is not None:
            begin, closes = max(shift[0], now), shift[1]
            if begin < closes:
                if begin + left <= closes:
                    return begin + left
                left -= closes - begin
        day += timedelta(days=1)
    raise ValueError(f"{hours} working hours do not end within {MAX_DAYS} days")


def due_times(requests: pd.DataFrame, levels: ServiceLevelSettings, tz: str) -> pd.Series:
    """When each request is due: the feed's `expected_at` where it gives one, else its
    service level from `requested_at` (columns service_code, requested_at, expected_at)."""
    hours = requests["service_code"].map(levels.targets_h()).fillna(levels.default_target_hours)
    computed = requests["requested_at"] + pd.to_timedelta(hours.astype(float), unit="h")
    working = {code for code, level in levels.types.items() if level.working_hours}
    on_working_time = requests["service_code"].isin(working) & requests["requested_at"].notna()
    if on_working_time.any():
        clock = WorkingClock.of(levels, tz)
        rows = requests[on_working_time]
        computed = computed.astype(object)
        computed[on_working_time] = [
            due_at(at.to_pydatetime(), levels.level(code).target_hours, clock)
            for at, code in zip(rows["requested_at"], rows["service_code"], strict=True)
        ]
        computed = pd.to_datetime(computed, utc=True)
    if "expected_at" not in requests:
        return computed
    return requests["expected_at"].where(requests["expected_at"].notna(), computed)


def order_due_at(
    requested: datetime, service_code: str | None, levels: ServiceLevelSettings, tz: str
) -> datetime:
    """A work order's due time from its first request's time and type."""
    level = levels.level(service_code)
    clock = WorkingClock.of(levels, tz) if level.working_hours else None
    return due_at(requested, level.target_hours, clock)
