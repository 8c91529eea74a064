"""Typical travel times: for each road segment, the median travel time per day type
(weekday, Saturday, Sunday/holiday) and 15-minute slot of the city's local time, from
stored history; and for the next hours, the conditions observed now blended into that
profile, decaying towards it (issue #5, analysis 1). Pure functions over DataFrames."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

SLOT_MINUTES = 15


# Day types: weekday, saturday, sunday (public holidays count as Sundays).
PROFILE_SQL = """
SELECT segment_id, day_type, slot,
       median(travel_time_s) AS travel_time_s, count(*) AS readings
FROM (
    SELECT segment_id, travel_time_s,
           CASE WHEN list_contains($holidays, local::DATE) OR dayofweek(local) = 0 THEN 'sunday'
                WHEN dayofweek(local) = 6 THEN 'saturday'
                ELSE 'weekday' END AS day_type,
           (hour(local) * 60 + minute(local)) // $slot_minutes AS slot
    FROM (SELECT segment_id, travel_time_s, timezone($tz, observed_at) AS local
          FROM {source} WHERE isfinite(travel_time_s))
)
GROUP BY ALL
"""


def travel_time_profiles(
    con: duckdb.DuckDBPyConnection,
    source: str,
    tz: str,
    holidays: frozenset[date] = frozenset(),
    params: dict | None = None,
) -> pd.DataFrame:
    """Median travel time (s) per segment, day type and slot of readings in `source` (a
    table or subquery with `segment_id`, `observed_at` TIMESTAMPTZ and `travel_time_s`;
    its own $parameters in `params`), aggregated in DuckDB. Index: (segment_id, day_type,
    slot); columns `travel_time_s` and `readings` behind each value."""
    frame = con.execute(
        PROFILE_SQL.format(source=source),
        {**(params or {}), "tz": tz, "holidays": sorted(holidays), "slot_minutes": SLOT_MINUTES},
    ).df()
    frame["slot"] = frame["slot"].astype(int)
    return frame.set_index(["segment_id", "day_type", "slot"]).sort_index()


DAY_TYPES = ("weekday", "saturday", "sunday")
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES


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
        local = when.astimezone(self._zone)
        if local.date() in self._holidays or local.weekday() == 6:
            kind = "sunday"
        else:
            kind = "saturday" if local.weekday() == 5 else "weekday"
        return kind, local.hour * (60 // SLOT_MINUTES) + local.minute // SLOT_MINUTES

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
