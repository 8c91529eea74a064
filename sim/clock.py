"""Local-time arithmetic for the simulator: UTC epoch seconds <-> the city's wall clock."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY_S = 86_400


def to_local_seconds(utc_s: np.ndarray, tz: str) -> np.ndarray:
    """Seconds since 1970-01-01 on the city's wall clock (UTC seconds plus the offset)."""
    stamps = pd.to_datetime(np.asarray(utc_s, dtype="int64"), unit="s", utc=True)
    local = stamps.tz_convert(tz).tz_localize(None)
    return local.values.astype("datetime64[s]").astype("int64")


def from_local_seconds(local_s: np.ndarray, tz: str) -> np.ndarray:
    """UTC epoch seconds of wall-clock instants (DST gaps shift forward)."""
    naive = pd.to_datetime(np.asarray(local_s, dtype="int64"), unit="s")
    aware = naive.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    return aware.tz_convert("UTC").tz_localize(None).values.astype("datetime64[s]").astype("int64")


def local_day_type(local_s: np.ndarray) -> np.ndarray:
    """0 = weekday, 1 = Saturday, 2 = Sunday (1970-01-01 was a Thursday)."""
    weekday = ((np.asarray(local_s) // DAY_S) + 3) % 7  # Monday = 0
    return np.where(weekday < 5, 0, np.where(weekday == 5, 1, 2))
