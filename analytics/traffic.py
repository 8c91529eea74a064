"""Traffic measures derived from an observed speed on a known segment."""

from __future__ import annotations

import numpy as np


def travel_time_and_ratio(length_m, freeflow_kmh, speed_kmh):
    """Travel time (s) at the observed speed and its ratio to the free-flow travel time.

    Works on scalars and numpy arrays; a zero speed gives an infinite time (a closure).
    """
    speed = np.asarray(speed_kmh, dtype=float)
    with np.errstate(divide="ignore"):
        travel_time = np.asarray(length_m, dtype=float) / (speed / 3.6)
        ratio = np.asarray(freeflow_kmh, dtype=float) / speed
    return travel_time, ratio
