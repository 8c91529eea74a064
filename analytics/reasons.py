"""Why one collection window beats another, in plain words with figures (issue #5,
analysis 5): "07:00 saves 23 min over 17:00; Mannerheimintie and Kaivokatu are
congested at 17:00; 4 containers overflow if you wait until 14:00"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from analytics.windows import Window


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def explain(ranked: list[Window], congested_at: Callable[[datetime], list[str]], tz: str) -> str:
    """The best window against the slowest allowed one, the streets that make that one
    slow, and the first later start at which more containers overflow."""
    allowed = [w for w in ranked if w.allowed] or ranked
    best = allowed[0]
    zone = ZoneInfo(tz)

    days = {w.start.astimezone(zone).date() for w in allowed}
    fmt = "%H:%M" if len(days) == 1 else "%a %H:%M"  # a horizon over two days names the day

    def hhmm(when: datetime) -> str:
        return when.astimezone(zone).strftime(fmt)

    slowest = max(allowed, key=lambda w: (w.minutes, w.start))
    parts = []
    if slowest.minutes - best.minutes >= 0.5:
        saved = slowest.minutes - best.minutes
        parts.append(f"{hhmm(best.start)} saves {saved:.0f} min over {hhmm(slowest.start)}")
        jammed = congested_at(slowest.start)
        if jammed:
            verb = "is" if len(jammed) == 1 else "are"
            parts.append(f"{_names(jammed)} {verb} congested at {hhmm(slowest.start)}")
    else:
        parts.append(f"{hhmm(best.start)}: driving time hardly changes over the day")
    later = sorted((w for w in allowed if w.start > best.start), key=lambda w: w.start)
    worse = next((w for w in later if w.overflowing > best.overflowing), None)
    if worse is not None:
        more = worse.overflowing - best.overflowing
        noun = "container overflows" if more == 1 else "containers overflow"
        parts.append(f"{more} more {noun} if you wait until {hhmm(worse.start)}")
    return "; ".join(parts)
