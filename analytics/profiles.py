"""Typical travel times: the day-type rule (weekday, Saturday, Sunday/holiday) and the
15-minute slots of the city's local time that profiles are kept by; and, from the medians
per segment, day type and slot that the store aggregates (store.collection), the travel
time of any segment at any moment, with the conditions observed now blended in and
decaying towards the profile (issue #5, analysis 1). Pure functions over DataFrames."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
DAY_TYPES = ("weekday", "saturday", "sunday")


def day_type(local_date: date, holidays: frozenset[date] = frozenset()) -> str:
    """The day type of a local date: 'sunday' (public holidays count as Sundays),
    'saturday' or 'weekday'."""
    if local_date in holidays or local_date.weekday() == 6:
        return "sunday"
    return "saturday" if local_date.weekday() == 5 else "weekday"


def day_types(first: date, last: date, holidays: frozenset[date] = frozenset()) -> pd.DataFrame:
    """Every local date from `first` to `last` (both included) with its day type: columns
    `local_date` and `day_type`, what the store joins readings to."""
    dates = [first + timedelta(days=d) for d in range((last - first).days + 1)]
    return pd.DataFrame(
        {"local_date": dates, "day_type": [day_type(d, holidays) for d in dates]},
        columns=["local_date", "day_type"],
    )


def day_types_between(
    since: datetime, until: datetime, tz: str, holidays: frozenset[date] = frozenset()
) -> pd.DataFrame:
    """`day_types` of every local date that a moment from `since` to `until` falls on."""
    zone = ZoneInfo(tz)
    return day_types(since.astimezone(zone).date(), until.astimezone(zone).date(), holidays)


class TravelTimes:
    """Travel time of any segment at any moment: the profile of its day type and slot,
    with the latest observation blended in near `now` (weight e^(-Δt/τ)), and free flow
    where the history has no value. Held as one array (segment × day type × slot)."""

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
        self._index = {seg: i for i, seg in enumerate(freeflow_s)}
        freeflow = np.fromiter(freeflow_s.values(), float, len(freeflow_s))
        self._table = np.repeat(freeflow[:, None], len(DAY_TYPES) * SLOTS_PER_DAY, axis=1)
        self._table = self._table.reshape(len(freeflow), len(DAY_TYPES), SLOTS_PER_DAY)
        keys = profiles.index
        seg = pd.Index(list(freeflow_s)).get_indexer(keys.get_level_values(0))
        kind = pd.Index(DAY_TYPES).get_indexer(keys.get_level_values(1))
        known = seg >= 0  # segments the city model no longer has are ignored
        self._table[seg[known], kind[known], keys.get_level_values(2).to_numpy()[known]] = profiles[
            "travel_time_s"
        ].to_numpy()[known]
        self._observed = np.full(len(freeflow), np.nan)
        for segment_id, seconds in (observed_s or {}).items():
            if segment_id in self._index:
                self._observed[self._index[segment_id]] = seconds
        self._zone = ZoneInfo(tz)
        self._now = now
        self._tau_s = decay_minutes * 60
        self._holidays = holidays

    def slot_key(self, when: datetime) -> tuple[str, int]:
        """The day type and slot of the local time of a moment."""
        local = when.astimezone(self._zone)
        slot = local.hour * (60 // SLOT_MINUTES) + local.minute // SLOT_MINUTES
        return day_type(local.date(), self._holidays), slot

    def indexer(self, segment_ids: list[str]) -> np.ndarray:
        """Positions of segments, for `many`."""
        return np.array([self._index[seg] for seg in segment_ids], dtype=np.int64)

    def many(self, positions: np.ndarray, when: datetime) -> np.ndarray:
        """Expected travel times (s) of the segments at `positions` (see `indexer`), each
        entered at `when`."""
        kind, slot = self.slot_key(when)
        typical = self._table[positions, DAY_TYPES.index(kind), slot]
        if self._now is None or when < self._now:
            return typical
        weight = math.exp(-(when - self._now).total_seconds() / self._tau_s)
        observed = self._observed[positions]
        return np.where(np.isnan(observed), typical, weight * observed + (1 - weight) * typical)

    def at(self, segment_id: str, when: datetime) -> float:
        """Expected travel time (s) of the segment when entered at `when`."""
        return float(self.many(self.indexer([segment_id]), when)[0])
