"""Traffic measures derived from an observed speed on a known segment."""

from __future__ import annotations

import numpy as np


def reading_measures(
    length_m: float, freeflow_kmh: float | None, speed_kmh: float
) -> tuple[float | None, float | None]:
    """One reading's travel time (s, 0.1) and congestion ratio (0.001); None where the
    speed is zero (a standstill has no finite time) or the free-flow speed is unknown."""
    if speed_kmh <= 0:
        return None, None
    travel = round(length_m / (speed_kmh / 3.6), 1) if length_m else None
    ratio = round(freeflow_kmh / speed_kmh, 3) if freeflow_kmh else None
    return travel, ratio


def travel_time_and_ratio(length_m, freeflow_kmh, speed_kmh):
    """Travel time (s) at the observed speed and its ratio to the free-flow travel time.

    Works on scalars and numpy arrays; a zero speed gives an infinite time (a closure).
    """
    speed = np.asarray(speed_kmh, dtype=float)
    with np.errstate(divide="ignore"):
        travel_time = np.asarray(length_m, dtype=float) / (speed / 3.6)
        ratio = np.asarray(freeflow_kmh, dtype=float) / speed
    return travel_time, ratio
