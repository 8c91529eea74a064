"""The weekly outcomes (issue 19, after SFpark: judge a system by what it changed): the
driving saved by collecting every zone in its recommended window instead of at the
city's fixed time, in minutes, kilometres and CO2; the bins that overflowed against the
week before; time to resolve and on-time share against the weeks before. Each figure
keeps its rows. `week_savings` is what `bench/bench_windows.py` prints too; `record_week`,
the worker's daily job, keeps the last week's totals for the wall's outcomes scene."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.outcomes import RoadLengths
from config import Settings
from services.collection import allowed_hours, plan_windows, read_inputs
from services.service_kpis import figures_at
from store import outcomes as reads

log = logging.getLogger(__name__)

PLAN_HOUR = 5  # each day is planned at 05:00 local from the data up to then …
STARTS = 64  # … over the quarter hours from 06:00 to 21:45


@dataclass(frozen=True)
class WeekSavings:
    """Per day and zone (`rounds`): the recommended window's start, driving minutes and
    km, and each fixed start's; and their totals over the `days` planned."""

    days: int
    rounds: pd.DataFrame
    fixed_starts: tuple[str, ...]

    def minutes(self, start: str = "recommended") -> float:
        return float(self.rounds[f"{start}_min"].sum())

    def km(self, start: str = "recommended") -> float:
        return float(self.rounds[f"{start}_km"].sum())


def plan_times(end: datetime, tz: str) -> list[datetime]:
    """05:00 local on each of the 7 days before `end`, counted on the local calendar (a
    week with a clock change still plans each of its own days)."""
    local_end = end.astimezone(ZoneInfo(tz))
    return [(local_end - timedelta(days=back)).replace(hour=PLAN_HOUR, minute=0, second=0,
                                                       microsecond=0)
            for back in range(7, 0, -1)]  # fmt: skip


def week_savings(store, city, settings: Settings, end: datetime,
                 fixed_starts: tuple[str, ...]) -> WeekSavings:  # fmt: skip
    """The 7 days before `end`: each planned at 05:00 local from the data up to then, as
    the collection planner would (its settings: depot, quiet hours, service time), every
    zone's round in its recommended window and at each of `fixed_starts` (HH:MM)."""
    tz, c = settings.timezone, settings.collection
    zone = ZoneInfo(tz)
    segs = city.segments
    lengths = RoadLengths(city.graph, dict(zip(segs["segment_id"], segs["length_m"], strict=True)))
    rows = []
    for day in plan_times(end, tz):
        plan_at = day.astimezone(UTC)
        starts = [(day + timedelta(hours=1, minutes=15 * q)).astimezone(UTC)
                  for q in range(STARTS)]  # fmt: skip
        plan = plan_windows(read_inputs(store, plan_at, tz), city, plan_at, starts,
                            c.overflow_penalty_min, tz, c.threshold, c.depot,
                            allowed_hours(c, tz), c.service_s)  # fmt: skip
        for zone_id, ranked in plan.windows.items():
            at = {f"{w.start.astimezone(zone):%H:%M}": w for w in ranked}
            chosen = {"recommended": ranked[0]} | {f: at[f] for f in fixed_starts}
            row = {"day": day.date(), "zone_id": zone_id,
                   "recommended_start": f"{ranked[0].start.astimezone(zone):%H:%M}"}
            for name, w in chosen.items():
                row[f"{name}_min"] = w.minutes
                row[f"{name}_km"] = lengths.round_km(plan.depot, w.order)
            rows.append(row)  # fmt: skip
    columns = ["day", "zone_id", "recommended_start"] + [
        f"{name}_{unit}" for name in ("recommended", *fixed_starts) for unit in ("min", "km")]
    return WeekSavings(7, pd.DataFrame(rows, columns=columns), tuple(fixed_starts))


@dataclass(frozen=True)
class Outcomes:
    """The week to `end` against what came before it."""

    end: datetime
    savings: WeekSavings
    fixed_start: str
    co2_kg_per_km: float
    overflowed: pd.DataFrame  # this week's
    overflowed_before: pd.DataFrame  # the week before's
    complaints: dict  # this week's service KPIs (analytics.service_kpis.figures)
    complaints_before: dict  # the 4 weeks before's


def week_outcomes(store, city, settings: Settings, end: datetime,
                  zones: list[str] | None = None) -> Outcomes:  # fmt: skip
    """The outcomes of the week to `end`, of `zones` only if given (every zone's round is
    planned, as the planner does, and theirs kept)."""
    fixed = settings.outcomes.fixed_start
    savings = week_savings(store, city, settings, end, (fixed,))
    if zones:
        savings = WeekSavings(savings.days, savings.rounds[savings.rounds["zone_id"].isin(zones)],
                              savings.fixed_starts)  # fmt: skip
    week, two, five = (_weeks_before(end, n, settings.timezone) for n in (1, 2, 5))
    with store.reading() as cur:
        now = reads.overflowed(cur, week, end, zones)
        before = reads.overflowed(cur, two, week, zones)
        kpis = figures_at(cur, settings, end, end - week, zones)
        kpis_before = figures_at(cur, settings, week, week - five, zones)
    return Outcomes(end, savings, fixed, settings.outcomes.co2_kg_per_km, now, before, kpis,
                    kpis_before)  # fmt: skip


def _weeks_before(end: datetime, weeks: int, tz: str) -> datetime:
    """`weeks` local-calendar weeks before `end` (a week with a clock change has 167 or
    169 hours)."""
    return (end.astimezone(ZoneInfo(tz)) - timedelta(weeks=weeks)).astimezone(UTC)


def last_midnight(now: datetime, tz: str) -> datetime:
    """The local midnight that began the day of `now`: the end of the last whole week (the
    first of two midnights where the clocks go back over it: one week, one row)."""
    zone = ZoneInfo(tz)
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(UTC)


def record_week(store, city, settings: Settings, now: datetime | None = None) -> bool:
    """The worker's daily job: the city's outcomes of the 7 days to the last local
    midnight, kept for the wall unless they are already; True when computed now. Every
    zone's round is planned for each day, as the weekly report does (seconds to minutes)."""
    end = last_midnight(now or datetime.now(UTC), settings.timezone)
    with store.reading() as cur:
        if reads.has_week(cur, end):
            return False
    row = week_row(week_outcomes(store, city, settings, end), datetime.now(UTC))
    store.write(lambda cur: reads.save_week(cur, row))
    local_end = end.astimezone(ZoneInfo(settings.timezone))
    log.info("week outcomes to %s kept: %d zone rounds, %.0f truck min and %.1f km by the "
             "recommended windows against %.0f min and %.1f km at %s",
             f"{local_end:%a %d %b %H:%M %Z}",
             row["rounds"], row["recommended_min"], row["recommended_km"], row["fixed_min"],
             row["fixed_km"], row["fixed_start"])  # fmt: skip
    return True


def week_row(o: Outcomes, computed_at: datetime) -> dict:
    """An Outcomes' totals, as store.outcomes.week_outcomes keeps them."""
    s, fixed, k, kb = o.savings, o.fixed_start, o.complaints, o.complaints_before

    def value(figure: dict) -> float | None:
        return None if figure["value"] is None else float(figure["value"])

    return {"week_end": o.end, "computed_at": computed_at, "days": s.days,
            "rounds": len(s.rounds), "fixed_start": fixed, "recommended_min": s.minutes(),
            "fixed_min": s.minutes(fixed), "recommended_km": s.km(), "fixed_km": s.km(fixed),
            "co2_kg_per_km": o.co2_kg_per_km, "overflowed": len(o.overflowed),
            "overflowed_before": len(o.overflowed_before),
            "resolved": len(k["resolved"]["rows"]), "median_h": value(k["median_h"]),
            "median_h_before": value(kb["median_h"]), "on_time": value(k["on_time"]),
            "on_time_before": value(kb["on_time"])}  # fmt: skip
