"""What each configured report kind covers (its scope in words) and when it runs next."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from config import ReportKind, Settings


def scope_of(kind: ReportKind) -> str:
    if kind.department:
        return f"{kind.department} department"
    return f"{len(kind.zones)} zones" if kind.zones else "whole city"


def next_runs(settings: Settings, now: datetime, kinds=None) -> list[str]:
    """'City daily report: Thu 26 Nov, 06:00 EET' per kind (of `kinds`; default: all)."""
    zone = ZoneInfo(settings.timezone)
    lines = []
    for kind in settings.reports if kinds is None else kinds:
        trigger = CronTrigger.from_crontab(kind.cron, timezone=settings.timezone)
        upcoming = trigger.get_next_fire_time(None, now)
        when = f"{upcoming.astimezone(zone):%a %d %b, %H:%M %Z}" if upcoming else "never"
        lines.append(f"{kind.title}: {when}")
    return lines
