"""Faults seeded into the demo city, whose truth the simulator knows, so that the
cross-domain signals can be checked against it (issue 19):

- *misreading* sensors: the bin overflows, its sensor says a third of that (a wrong
  sensor, or a sensor whose record puts it at another bin), and residents complain;
- *stuck* sensors: a container's or a road's sensor sends one value from then on;
- *unemptied* bins: their rounds are missed, they stay full, residents complain;
- a *degrading* road: its speeds fall a little more each day and potholes are reported
  along it;
- a *rising* place: residents at a container report illegal dumping, a few more
  each day (RISE_PER_DAY more a day, up to RISE_MAX), so its zone's complaints rise.

A city built without faults (the default) has none of these, and the signals find
nothing there; `seed_faults` picks them from the seed, `Faults.none()` is the clean city.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from analytics.duplicates import metres_between
from sim.catalog import SERVICE_TYPES
from sim.clock import DAY_S, from_local_seconds

MISREAD_SHARE = 0.3  # what a misreading sensor reports of the true fill
STUCK_FILL = 0.42
DEGRADE_PER_DAY = 0.12  # speed lost a day on the degrading road, down to DEGRADE_FLOOR
DEGRADE_FLOOR = 0.45
COMPLAINT_HOURS = (9, 13, 17)  # local hours a resident may report a fault's effect
RISE_PER_DAY, RISE_MAX = 4, 16
ALONE_M = 40.0  # a misreading bin has no other bin this near (its complaints are its own)
_TYPES = {t.code: t for t in SERVICE_TYPES}


@dataclass(frozen=True)
class Faults:
    since_s: int = 0
    misreading: tuple[str, ...] = ()
    stuck: tuple[str, ...] = ()
    unemptied: tuple[str, ...] = ()
    stuck_segments: tuple[str, ...] = ()
    degrading: tuple[str, ...] = ()
    rising: tuple[str, ...] = ()  # containers around which dumping reports rise

    @classmethod
    def none(cls) -> Faults:
        return cls()

    @property
    def any(self) -> bool:
        return bool(self.misreading or self.stuck or self.unemptied or self.stuck_segments
                    or self.degrading or self.rising)  # fmt: skip


def seed_faults(containers: pd.DataFrame, segments: pd.DataFrame, seed: int,
                since_s: int, per_kind: int = 2) -> Faults:  # fmt: skip
    """`per_kind` faults of each kind, drawn from `seed`, from `since_s` on. Misreading
    bins are bins that overflow before their round and stand alone; the degrading roads
    are long ones that rush hour slows (a speed drop shows there)."""
    rng = np.random.default_rng([seed, 99])
    ids = containers["container_id"].to_numpy()
    lon, lat = containers["lon"].to_numpy(float), containers["lat"].to_numpy(float)
    alone = np.array([
        (metres_between(lon[i], lat[i], lon, lat) < ALONE_M).sum() == 1 for i in range(len(ids))])
    overflows = (containers["rate_per_day"] * containers["period_days"]).to_numpy() >= 1.0
    misreading = _pick(rng, np.flatnonzero(alone & overflows), per_kind)
    rest = np.setdiff1d(np.arange(len(ids)), misreading)
    others = _pick(rng, rest, 2 * per_kind)
    long_roads = segments.index[segments["length_m"] >= segments["length_m"].quantile(0.75)]
    roads = _pick(rng, np.asarray(long_roads), 2 * per_kind)
    seg_ids = segments["segment_id"].to_numpy()
    rising = _pick(rng, np.setdiff1d(rest, others), 1)  # drawn last: the others stay as they were
    return Faults(
        since_s=since_s,
        misreading=tuple(ids[misreading]),
        stuck=tuple(ids[others[:per_kind]]),
        unemptied=tuple(ids[others[per_kind:]]),
        stuck_segments=tuple(seg_ids[roads[:per_kind]]),
        degrading=tuple(seg_ids[roads[per_kind:]]),
        rising=tuple(ids[rising]) if per_kind else (),
    )


def _pick(rng: np.random.Generator, among: np.ndarray, n: int) -> np.ndarray:
    return np.sort(rng.choice(among, size=min(n, len(among)), replace=False)).astype(int)


def mask(ids: np.ndarray, chosen: tuple[str, ...]) -> np.ndarray:
    return np.isin(ids, np.asarray(chosen, dtype=object))


def sensor_fill(fill: np.ndarray, times_s: np.ndarray, ids: np.ndarray, f: Faults) -> np.ndarray:
    """What the sensors report (T, C) given the true fill: misreading ones a share of it,
    stuck ones one value from `since_s`."""
    after = (np.asarray(times_s) >= f.since_s)[:, None]
    out = np.where(after & mask(ids, f.misreading)[None, :], np.round(fill * MISREAD_SHARE, 3),
                   fill)  # fmt: skip
    return np.where(after & mask(ids, f.stuck)[None, :], STUCK_FILL, out)


def road_factor(factor: np.ndarray, times_s: np.ndarray, ids: np.ndarray,
                f: Faults) -> np.ndarray:  # fmt: skip
    """The speed factor (T, S) with the degrading roads slowed by the days since."""
    days = np.clip((np.asarray(times_s) - f.since_s) / DAY_S, 0, None)[:, None]
    slowed = np.maximum(DEGRADE_FLOOR, 1 - DEGRADE_PER_DAY * days)
    return np.where(mask(ids, f.degrading)[None, :] & (days > 0), factor * slowed, factor)


def stuck_speed(speed: np.ndarray, times_s: np.ndarray, ids: np.ndarray,
                freeflow: np.ndarray, f: Faults) -> np.ndarray:  # fmt: skip
    """Speeds (T, S) with the stuck road sensors sending 60 % of free flow from `since_s`."""
    after = (np.asarray(times_s) >= f.since_s)[:, None]
    stuck = after & mask(ids, f.stuck_segments)[None, :]
    return np.where(stuck, np.round(freeflow[None, :] * 0.6, 1), speed)


def fault_requests(city, local_day: int, year: int) -> pd.DataFrame:
    """The complaints the faults cause on one local day: an overflowing-bin report at a
    misreading or unemptied bin at each of COMPLAINT_HOURS it truly overflows (at most
    one a day per bin), two pothole reports along each degrading road a day."""
    f: Faults = city.faults
    rng = np.random.default_rng([city.seed, 98, local_day])
    rows: list[dict] = []
    hours = local_day * DAY_S + np.array(COMPLAINT_HOURS) * 3600
    utc = from_local_seconds(hours, city.tz)
    if (utc >= f.since_s).any():
        c = city.containers
        full = city.true_fill(utc) >= 1.0
        for cid in f.misreading + f.unemptied:
            j = int(np.flatnonzero(c["container_id"].to_numpy() == cid)[0])
            when = np.flatnonzero(full[:, j] & (utc >= f.since_s))
            if len(when):
                rows.append(_row("WST-OVF", c["lon"].iat[j], c["lat"].iat[j], c["address"].iat[j],
                                 int(utc[when[0]]) + int(rng.integers(0, 1800)), rng))  # fmt: skip
    seg = city.segments
    for sid in f.degrading:
        j = int(np.flatnonzero(seg["segment_id"].to_numpy() == sid)[0])
        for k in range(2):
            at = int(from_local_seconds(np.array([local_day * DAY_S + (8 + 5 * k) * 3600]),
                                        city.tz)[0]) + int(rng.integers(0, 3600))  # fmt: skip
            if at < f.since_s + DAY_S:  # a day of wear before the first pothole
                continue
            point = shapely.line_interpolate_point(seg.geometry.iat[j], rng.random(),
                                                   normalized=True)  # fmt: skip
            rows.append(_row("RD-POT", point.x, point.y,
                             f"{seg['name'].iat[j]} {rng.integers(1, 60)}", at, rng))  # fmt: skip
    rows += _rising_requests(city, local_day, rng)
    for i, row in enumerate(rows):
        row["service_request_id"] = f"{year % 100:02d}-{local_day % 100000:05d}F{i:02d}"
    return pd.DataFrame(rows)


def _rising_requests(city, local_day: int, rng) -> list[dict]:
    """Illegal-dumping reports around each rising container: RISE_PER_DAY a day times
    the days since the faults began (the first day's too), up to RISE_MAX, in the day's
    busy hours, at the container (a few metres off, as residents place them)."""
    f: Faults = city.faults
    day_start = int(from_local_seconds(np.array([local_day * DAY_S]), city.tz)[0])
    days = -((f.since_s - day_start - DAY_S) // DAY_S)  # days begun since the faults began
    if not f.rising or days <= 0:
        return []
    c = city.containers
    rows = []
    for cid in f.rising:
        j = int(np.flatnonzero(c["container_id"].to_numpy() == cid)[0])
        for _ in range(min(RISE_MAX, RISE_PER_DAY * int(days))):
            at = day_start + int(rng.integers(8 * 3600, 20 * 3600))
            if at < f.since_s:
                continue
            rows.append(_row("WST-DMP", c["lon"].iat[j], c["lat"].iat[j], c["address"].iat[j],
                             at, rng))  # fmt: skip
    return rows


def _row(code: str, lon: float, lat: float, street: str, at: int, rng) -> dict:
    kind = _TYPES[code]
    return {
        "service_code": code, "service_name": kind.name, "agency_responsible": kind.agency,
        "description": kind.description.format(street=street), "address": street,
        "lon": round(float(lon) + rng.normal(0, 0.00005), 6),
        "lat": round(float(lat) + rng.normal(0, 0.00003), 6),
        "requested_s": at, "closed_s": at + 30 * DAY_S,
        "expected_s": int(at + 2 * kind.median_close_h * 3600),
    }  # fmt: skip
