"""The time an `/explore` view covers: a range (last 24 h / 7 d / 30 d / custom dates in the
city's time zone) and the time slider's moment inside it, with the slider's step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
DEFAULT_RANGE = "7d"


@dataclass(frozen=True)
class TimeView:
    since: datetime
    until: datetime
    at: datetime  # the slider's moment; `live` when it is the range's end and that is now
    step_s: int
    ends_now: bool  # a relative range (last 24 h ...) or a custom one that reaches today

    @property
    def live(self) -> bool:
        return self.ends_now and self.at >= self.until


def step_for(span: timedelta) -> int:
    """Slider step: fine enough to see a rush hour, coarse enough to play a month."""
    if span <= timedelta(days=2):
        return 15 * 60
    if span <= timedelta(days=10):
        return 3600
    return 3 * 3600


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def resolve(
    range_key: str | None,
    start: str | None,
    end: str | None,
    at_s: int | float | None,
    now: datetime,
    tz: str,
) -> TimeView:
    """The view's range and moment. Custom `start`/`end` are local dates (end inclusive);
    `at_s` (epoch seconds) is clamped into the range, and missing means the range's end."""
    zone = ZoneInfo(tz)
    if range_key == "custom" and start and end:
        first, last = sorted((date.fromisoformat(start), date.fromisoformat(end)))
        since = _local_midnight(first, zone)
        until = min(_local_midnight(last + timedelta(days=1), zone), now)
        since = min(since, until)
    else:
        until = now
        since = now - RANGES.get(range_key or DEFAULT_RANGE, RANGES[DEFAULT_RANGE])
    step = step_for(until - since)
    if at_s is None:
        at = until
    else:
        at = min(max(datetime.fromtimestamp(float(at_s), UTC), since), until)
    return TimeView(since, until, at, step, ends_now=until >= now)


def slider_marks(view: TimeView, tz: str, count: int = 7) -> dict[int, str]:
    """Evenly spaced labels (local time) along the slider."""
    zone = ZoneInfo(tz)
    lo, hi = int(view.since.timestamp()), int(view.until.timestamp())
    span = hi - lo
    fmt = "%H:%M" if span <= 2 * 86400 else "%a %d %b"
    marks = {}
    for i in range(count):
        t = lo + span * i // (count - 1)
        marks[t] = datetime.fromtimestamp(t, zone).strftime(fmt)
    if view.ends_now:
        marks[hi] = "now"
    return marks
