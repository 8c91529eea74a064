"""Typical travel times: for each road segment, the median travel time per day type
(weekday, Saturday, Sunday/holiday) and 15-minute slot of the city's local time, from
stored history; and for the next hours, the conditions observed now blended into that
profile, decaying towards it (issue #5, analysis 1). Pure functions over DataFrames."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
DAY_TYPES = ("weekday", "saturday", "sunday")  # Sunday and public holidays share a profile


def day_type(local: pd.Series, holidays: frozenset[date] = frozenset()) -> pd.Series:
    """'weekday', 'saturday' or 'sunday' (holidays count as Sundays) of local times."""
    weekday = local.dt.weekday
    kind = np.where(weekday == 5, "saturday", np.where(weekday == 6, "sunday", "weekday"))
    if holidays:
        kind = np.where(local.dt.date.isin(holidays), "sunday", kind)
    return pd.Series(kind, index=local.index)


def slot_of(local: pd.Series) -> pd.Series:
    """The 15-minute slot of the day (0-95) of local times."""
    return local.dt.hour * (60 // SLOT_MINUTES) + local.dt.minute // SLOT_MINUTES


def travel_time_profiles(
    readings: pd.DataFrame, tz: str, holidays: frozenset[date] = frozenset()
) -> pd.DataFrame:
    """Median travel time (s) per segment, day type and slot, from readings with
    `segment_id`, `observed_at` (UTC) and `travel_time_s`. Index: (segment_id, day_type,
    slot); column `travel_time_s`, and `readings` behind each value."""
    ok = readings[np.isfinite(readings["travel_time_s"].astype(float))]
    local = ok["observed_at"].dt.tz_convert(tz)
    grouped = ok.assign(day_type=day_type(local, holidays), slot=slot_of(local)).groupby(
        ["segment_id", "day_type", "slot"]
    )["travel_time_s"]
    return pd.DataFrame({"travel_time_s": grouped.median(), "readings": grouped.size()})


class TravelTimes:
    """Travel time of any segment at any moment: the profile of its day type and slot,
    with the latest observation blended in near `now` (weight e^(-Δt/τ)), and free flow
    where the history has no value."""

    def __init__(
        self,
        profiles: pd.DataFrame,
        freeflow_s: dict[str, float],
        tz: str,
        now: datetime | None = None,
        observed_s: dict[str, float] | None = None,
        decay_minutes: float = 60.0,
        holidays: frozenset[date] = frozenset(),
    ):
        self._profile = profiles["travel_time_s"].to_dict()
        self._freeflow = freeflow_s
        self._zone = ZoneInfo(tz)
        self._now = now
        self._observed = observed_s or {}
        self._tau_s = decay_minutes * 60
        self._holidays = holidays

    def slot_key(self, when: datetime) -> tuple[str, int]:
        local = when.astimezone(self._zone)
        if local.date() in self._holidays or local.weekday() == 6:
            kind = "sunday"
        else:
            kind = "saturday" if local.weekday() == 5 else "weekday"
        return kind, local.hour * (60 // SLOT_MINUTES) + local.minute // SLOT_MINUTES

    def typical(self, segment_id: str, when: datetime) -> float:
        kind, slot = self.slot_key(when)
        return self._profile.get((segment_id, kind, slot), self._freeflow[segment_id])

    def at(self, segment_id: str, when: datetime) -> float:
        """Expected travel time (s) of the segment when entered at `when`."""
        typical = self.typical(segment_id, when)
        observed = self._observed.get(segment_id)
        if observed is None or self._now is None or when < self._now:
            return typical
        weight = math.exp(-(when - self._now).total_seconds() / self._tau_s)
        return weight * observed + (1 - weight) * typical
