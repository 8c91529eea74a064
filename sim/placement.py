"""Where the demo city's waste containers stand and how each behaves, drawn once from the
seed: kerbside along streets (more where shops and restaurants crowd), with a waste kind,
a fill rate, a collection period and phase, and the time of day its zone's round comes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.city import CityModel, assign_zone
from geo.geometry import metres_per_degree, midpoints
from sim.catalog import WASTE_KINDS

KIND_RATE = {"mixed": 1.0, "organic": 1.1, "paper": 0.7, "glass": 0.4}  # fill speed by kind
ROUNDS_SPAN_S = 14 * 3600  # collection rounds start within 14 h of 06:00


def poi_counts(pois: gpd.GeoDataFrame, points: np.ndarray, radius_m: float) -> np.ndarray:
    """How many points of interest lie within `radius_m` of each point."""
    if pois.empty:
        return np.zeros(len(points))
    lat0 = float(np.mean(shapely.get_y(points)))
    kx, ky = metres_per_degree(lat0)
    px, py = shapely.get_x(pois.geometry.values) * kx, shapely.get_y(pois.geometry.values) * ky
    x, y = shapely.get_x(points) * kx, shapely.get_y(points) * ky
    counts = np.empty(len(points), dtype="int64")
    step = max(1, 4_000_000 // max(len(px), 1))  # bounded memory for big cities
    for i in range(0, len(points), step):
        xs, ys = x[i : i + step, None], y[i : i + step, None]
        d2 = (xs - px[None, :]) ** 2 + (ys - py[None, :]) ** 2
        counts[i : i + step] = (d2 <= radius_m**2).sum(axis=1)
    return counts


def place_containers(
    city: CityModel, seg: pd.DataFrame, n: int, rng: np.random.Generator
) -> pd.DataFrame:
    """`n` containers on the segments `seg` of `city`, drawn from `rng`."""
    street = ~seg["road_class"].str.endswith("_link").to_numpy()
    density = poi_counts(city.pois, midpoints(seg.geometry.values), 80)
    weight = np.where(street, seg["length_m"].to_numpy() * (1 + 2 * density), 0.0)
    chosen = rng.choice(len(seg), size=n, p=weight / weight.sum())
    along = rng.uniform(0.1, 0.9, n)
    lines = seg.geometry.values[chosen]
    on_line = shapely.line_interpolate_point(lines, along, normalized=True)
    ahead = shapely.line_interpolate_point(lines, np.minimum(along + 0.01, 1), normalized=True)
    lat0 = float(np.mean(shapely.get_y(on_line)))
    kx, ky = metres_per_degree(lat0)
    dx = (shapely.get_x(ahead) - shapely.get_x(on_line)) * kx
    dy = (shapely.get_y(ahead) - shapely.get_y(on_line)) * ky
    norm = np.hypot(dx, dy) + 1e-9
    side = rng.choice([-1.0, 1.0], n) * 8.0  # kerbside, 8 m off the centre line
    lon = shapely.get_x(on_line) + (-dy / norm) * side / kx
    lat = shapely.get_y(on_line) + (dx / norm) * side / ky
    points = shapely.points(lon, lat)

    kinds = np.array([k for k, _, _ in WASTE_KINDS])
    kind_idx = rng.choice(len(WASTE_KINDS), size=n, p=[s for _, s, _ in WASTE_KINDS])
    nearby = np.minimum(poi_counts(city.pois, points, 100), 5)
    rate = np.clip(0.16 + 0.11 * nearby + rng.normal(0, 0.05, n), 0.08, 0.9)
    rate *= np.vectorize(KIND_RATE.get)(kinds[kind_idx])
    period = np.clip(np.floor(0.9 / rate) + (rng.random(n) < 0.12), 1, 7).astype(int)
    zone = assign_zone(gpd.GeoSeries(points), city.zones).to_numpy()
    zone_rank = {z: i for i, z in enumerate(city.zones["zone_id"])}
    zone_idx = np.array([zone_rank.get(z, 0) for z in zone])
    order = pd.Series(range(n)).groupby(zone_idx).cumcount().to_numpy()
    # collection time of day: zone rounds start 45 min apart from 06:00 (wrapping after
    # 14 h, so that with many zones every round still starts between 06:00 and 20:00)
    tod = 6 * 3600 + (zone_idx * 45 * 60) % ROUNDS_SPAN_S + (order % 60) * 90
    numbers = rng.integers(1, 60, n)
    return pd.DataFrame(
        {
            "container_id": [f"waste-{i + 1:04d}" for i in range(n)],
            "lon": lon,
            "lat": lat,
            "waste_type": kinds[kind_idx],
            "capacity_l": [WASTE_KINDS[k][2] for k in kind_idx],
            "address": [
                f"{seg['name'].iat[s]} {no}" for s, no in zip(chosen, numbers, strict=True)
            ],
            "zone_id": zone,
            "rate_per_day": rate,
            "period_days": period,
            "phase_day": rng.integers(0, 7, n) % period,
            "collect_tod_s": tod,
            "vehicle_id": [f"truck-{(z % 3) + 1}" for z in zone_idx],
        }
    )
