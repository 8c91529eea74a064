"""Geometry helpers shared by the city model and the simulator (lon/lat, metres)."""

from __future__ import annotations

import numpy as np
import shapely

EARTH_RADIUS_M = 6_371_008.8


def midpoints(geoms) -> np.ndarray:
    """Point halfway along each line."""
    return shapely.line_interpolate_point(np.asarray(geoms), 0.5, normalized=True)


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of longitude, metres per degree of latitude) at `lat`."""
    per_lat = np.pi * EARTH_RADIUS_M / 180
    return per_lat * np.cos(np.radians(lat)), per_lat
