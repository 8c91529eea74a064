"""The demo city's behaviour: a seeded, deterministic function of (seed, time).

Traffic, bin fill levels, collections and complaints at any instant are computed in
closed form from the seed, so the same seed always gives the same data, whichever
order the simulator is asked in. Times are UTC epoch seconds (int64 numpy arrays).
Where the containers stand and how fast each fills is drawn once, by `sim.placement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from geo.city import CityModel
from sim import faults as fault_model
from sim.catalog import (
    HOURLY_ACTIVITY,
    PEAK_SENSITIVITY,
    SERVICE_TYPES,
    WEEKDAY_PEAKS,
    WEEKEND_PEAKS,
)
from sim.clock import DAY_S, from_local_seconds, local_day_type, to_local_seconds
from sim.faults import Faults
from sim.overflow_reports import at_full_bins
from sim.placement import place_containers

CONGESTED_RATIO = 1.8  # observed / free-flow travel time at which a segment counts as congested
_ACTIVITY = np.asarray(HOURLY_ACTIVITY) / np.sum(HOURLY_ACTIVITY)  # one "day" of activity = 1
_CUM_ACTIVITY = np.concatenate([[0.0], np.cumsum(_ACTIVITY)])
_BASE_INTENSITY = {"primary": 110, "secondary": 75, "tertiary": 40}  # vehicles / 5 min
DEMO_REQUESTS = (55, 40)  # mean requests a weekday, a weekend day (demo rate)


def _stream(seed: int, *parts: int) -> np.random.Generator:
    """An independent random stream for one (purpose, index) of one seed."""
    return np.random.default_rng([seed, *parts])


def activity_days(local_s: np.ndarray) -> np.ndarray:
    """Cumulative activity since 1970 in 'average days' (fill grows with it)."""
    local_s = np.asarray(local_s, dtype="int64")
    day, rest = np.divmod(local_s, DAY_S)
    hour, within = np.divmod(rest, 3600)
    return day + _CUM_ACTIVITY[hour] + _ACTIVITY[hour] * within / 3600


@dataclass
class Incident:
    segment_index: int
    start_s: int
    end_s: int
    severity: float  # speed factor while it lasts


class DemoCity:
    """The simulated city on top of a real road network."""

    def __init__(
        self,
        city: CityModel,
        seed: int,
        n_containers: int,
        tz: str,
        *,
        requests_per_day: float | None = None,
        congestion: bool = True,
        faults: Faults | None = None,
    ):
        """`requests_per_day` scales the complaint rate (synthetic cities of any size); by
        default the demo's rate holds: about 55 requests a weekday and 40 a weekend day.
        `congestion=False` takes rush hours and incidents away (a control for analyses);
        `faults` seeds sensors, bins and roads that go wrong (`sim.faults`)."""
        self.congestion = congestion
        self.faults = faults or Faults.none()
        self.city = city
        self.seed = seed
        self.tz = tz
        self.requests_per_day = requests_per_day
        seg = city.segments.reset_index(drop=True)
        self.segments = seg
        self._freeflow = seg["freeflow_kmh"].to_numpy(float)
        self._length = seg["length_m"].to_numpy(float)
        self._sensitivity = seg["road_class"].map(PEAK_SENSITIVITY).fillna(0.2).to_numpy(float)
        rng = _stream(seed, 1)
        self._sensitivity = self._sensitivity * rng.uniform(0.8, 1.2, len(seg))
        self._intensity = seg["road_class"].map(_BASE_INTENSITY).fillna(12).to_numpy(float)
        self.containers = place_containers(city, seg, n_containers, _stream(seed, 2))

    # -- traffic ---------------------------------------------------------------------------
    def _peak(self, local_s: np.ndarray) -> np.ndarray:
        hour = (local_s % DAY_S) / 3600
        weekday = local_day_type(local_s) == 0
        out = np.zeros(len(local_s))
        for peaks, mask in ((WEEKDAY_PEAKS, weekday), (WEEKEND_PEAKS, ~weekday)):
            level = sum(d * np.exp(-0.5 * ((hour - c) / w) ** 2) for c, w, d in peaks)
            out = np.where(mask, level, out)
        return np.clip(out, 0, 1)

    @lru_cache(maxsize=64)  # noqa: B019 - bounded; one DemoCity per process
    def incidents_on(self, local_day: int) -> tuple[Incident, ...]:
        """Incidents of one local day: a few, on the busier roads, 20-120 minutes each."""
        rng = _stream(self.seed, 3, local_day)
        weight = self._length * (self._sensitivity > 0.3)
        count = rng.poisson(2.5)
        segs = rng.choice(len(weight), size=count, p=weight / weight.sum())
        starts = local_day * DAY_S + rng.uniform(6, 21, count) * 3600
        starts_utc = from_local_seconds(starts.astype("int64"), self.tz)
        minutes = rng.uniform(20, 120, count)
        severity = rng.uniform(0.2, 0.45, count)
        return tuple(
            Incident(int(s), int(t), int(t + m * 60), float(v))
            for s, t, m, v in zip(segs, starts_utc, minutes, severity, strict=True)
        )

    def incidents_between(self, start_s: int, end_s: int) -> list[Incident]:
        days = to_local_seconds(np.array([start_s, end_s]), self.tz) // DAY_S
        return [
            inc
            for day in range(int(days[0]), int(days[1]) + 1)
            for inc in self.incidents_on(day)
            if inc.start_s < end_s and inc.end_s > start_s
        ]

    def traffic(self, times_s: np.ndarray) -> dict[str, np.ndarray]:
        """Segment speeds at each time: arrays shaped (len(times), len(segments))."""
        times_s = np.asarray(times_s, dtype="int64")
        local = to_local_seconds(times_s, self.tz)
        peak = self._peak(local) if self.congestion else np.zeros(len(local))
        factor = 1 - self._sensitivity[None, :] * peak[:, None]
        noise = np.stack(
            [
                _stream(self.seed, 4, int(t // 60)).normal(0, 0.035, len(self._freeflow))
                for t in times_s
            ]
        )
        factor = factor + noise
        seg_ids = self.segments["segment_id"].to_numpy()
        if self.faults.degrading:
            factor = fault_model.road_factor(factor, times_s, seg_ids, self.faults)
        incidents = self.incidents_between(int(times_s.min()), int(times_s.max()) + 1)
        for inc in incidents if self.congestion else []:
            active = (times_s >= inc.start_s) & (times_s < inc.end_s)
            factor[active, inc.segment_index] *= inc.severity
        factor = np.clip(factor, 0.08, 1.05)
        speed = self._freeflow[None, :] * factor
        if self.faults.stuck_segments:
            speed = fault_model.stuck_speed(speed, times_s, seg_ids, self._freeflow, self.faults)
        activity = _ACTIVITY[(local % DAY_S) // 3600] * 24
        intensity = np.round(self._intensity[None, :] * activity[:, None] * np.minimum(factor, 1))
        ratio = 1 / factor
        return {
            "speed_kmh": np.round(speed, 1),
            "congested": ratio >= CONGESTED_RATIO,
            "intensity": intensity,
            "occupancy": np.round(np.clip(0.04 * activity[:, None] * ratio, 0, 0.95), 3),
        }

    # -- waste -----------------------------------------------------------------------------
    def last_collection_local(self, local_s: np.ndarray) -> np.ndarray:
        """Wall-clock second of each container's latest collection at or before `local_s`
        (an unemptied bin's rounds stop at the faults' start).

        `local_s` is shaped (T,); the result (T, C).
        """
        last = self._round_before(local_s)
        if self.faults.unemptied:
            since = to_local_seconds(np.array([self.faults.since_s]), self.tz)
            ids = self.containers["container_id"].to_numpy()
            missed = fault_model.mask(ids, self.faults.unemptied)[None, :] & (last > since[0])
            last = np.where(missed, self._round_before(since), last)
        return last

    def _round_before(self, local_s: np.ndarray) -> np.ndarray:
        c = self.containers
        period = c["period_days"].to_numpy()[None, :]
        phase = c["phase_day"].to_numpy()[None, :]
        tod = c["collect_tod_s"].to_numpy()[None, :]
        t = np.asarray(local_s, dtype="int64")[:, None]
        day = t // DAY_S
        k = day - (day - phase) % period  # latest collection day <= today
        k = np.where(k * DAY_S + tod > t, k - period, k)
        return k * DAY_S + tod

    def true_fill(self, times_s: np.ndarray) -> np.ndarray:
        """How full each bin really is at each time (T, C); 1 or more is overflowing."""
        local = to_local_seconds(np.asarray(times_s, dtype="int64"), self.tz)
        last = self.last_collection_local(local)
        rate = self.containers["rate_per_day"].to_numpy()[None, :]
        return rate * (activity_days(local)[:, None] - activity_days(last))

    def waste(self, times_s: np.ndarray) -> dict[str, np.ndarray]:
        """Fill level (0-1) as the sensors report it, temperature and status of every
        container at each time (T, C)."""
        times_s = np.asarray(times_s, dtype="int64")
        local = to_local_seconds(times_s, self.tz)
        last = self.last_collection_local(local)
        raw = self.true_fill(times_s)
        n = len(self.containers)
        noise = np.stack([_stream(self.seed, 5, int(t // 60)).normal(0, 0.012, n) for t in times_s])
        fill = np.clip(np.round(raw + noise, 3), 0, 1)
        if self.faults.misreading or self.faults.stuck:
            ids = self.containers["container_id"].to_numpy()
            fill = fault_model.sensor_fill(fill, times_s, ids, self.faults)
        lid = np.stack([_stream(self.seed, 6, int(t // 3600)).random(n) < 0.004 for t in times_s])
        hour = (local % DAY_S) / 3600
        season = 6 - 9 * np.cos(2 * np.pi * (((local // DAY_S) + 10) % 365) / 365)
        temperature = season + 3 * np.sin(2 * np.pi * (hour - 9) / 24)
        return {
            "fill_level": fill,
            "overflowing": raw >= 1,
            "status": np.where(lid, "lidOpen", "ok"),
            "temperature_c": np.round(temperature[:, None] + noise * 20, 1),
            "last_emptied_s": from_local_seconds(last.ravel(), self.tz).reshape(last.shape),
        }

    def collections_between(self, start_s: int, end_s: int) -> pd.DataFrame:
        """Every collection (container_id, collected_at_s, vehicle_id) in [start, end)."""
        c = self.containers
        local = to_local_seconds(np.array([start_s, end_s]), self.tz)
        days = np.arange(local[0] // DAY_S - 1, local[1] // DAY_S + 1)
        hit = (days[:, None] - c["phase_day"].to_numpy()[None, :]) % c[
            "period_days"
        ].to_numpy() == 0
        day_i, cont_i = np.nonzero(hit)
        at_local = days[day_i] * DAY_S + c["collect_tod_s"].to_numpy()[cont_i]
        at = from_local_seconds(at_local, self.tz)
        keep = (at >= start_s) & (at < end_s)
        if self.faults.unemptied:
            missed = fault_model.mask(c["container_id"].to_numpy()[cont_i], self.faults.unemptied)
            keep &= ~(missed & (at > self.faults.since_s))
        return pd.DataFrame(
            {
                "container_id": c["container_id"].to_numpy()[cont_i[keep]],
                "collected_at_s": at[keep],
                "vehicle_id": c["vehicle_id"].to_numpy()[cont_i[keep]],
            }
        ).sort_values(["collected_at_s", "container_id"], ignore_index=True)

    # -- complaints ------------------------------------------------------------------------
    @lru_cache(maxsize=128)  # noqa: B019 - bounded; one DemoCity per process
    def requests_on(self, local_day: int) -> pd.DataFrame:
        """All service requests filed on one local day, with their (future) close times."""
        if self.requests_per_day is not None:
            return self._many_requests_on(local_day)
        rng = _stream(self.seed, 7, local_day)
        weekend = local_day_type(np.array([local_day * DAY_S]))[0] > 0
        n = min(rng.poisson(DEMO_REQUESTS[1] if weekend else DEMO_REQUESTS[0]), 999)
        hours = rng.choice(24, size=n, p=_ACTIVITY)
        local = local_day * DAY_S + hours * 3600 + rng.integers(0, 3600, n)
        requested = from_local_seconds(local, self.tz)
        types = rng.choice(len(SERVICE_TYPES), size=n, p=[t.weight for t in SERVICE_TYPES])
        seg, cont = self.segments, self.containers
        year = 1970 + local_day // 365  # approximate: only a readable id prefix
        rows = []
        for i in range(n):
            st = SERVICE_TYPES[types[i]]
            if st.group == "waste":
                j = rng.choice(len(cont), p=cont["rate_per_day"] / cont["rate_per_day"].sum())
                lon, lat, street = cont["lon"].iat[j], cont["lat"].iat[j], cont["address"].iat[j]
            else:
                j = rng.choice(len(seg), p=self._length / self._length.sum())
                point = shapely.line_interpolate_point(
                    seg.geometry.iat[j], rng.random(), normalized=True
                )
                lon, lat = point.x, point.y
                street = f"{seg['name'].iat[j]} {rng.integers(1, 60)}"
            lon += rng.normal(0, 0.00012)
            lat += rng.normal(0, 0.00007)
            never = rng.random() < 0.05
            close_h = rng.lognormal(np.log(st.median_close_h), 0.8) * (8 if never else 1)
            rows.append(
                {
                    "service_request_id": f"{year % 100:02d}-{local_day % 100000:05d}{i:03d}",
                    "service_code": st.code,
                    "service_name": st.name,
                    "agency_responsible": st.agency,
                    "description": st.description.format(street=street),
                    "address": street,
                    "lon": round(float(lon), 6),
                    "lat": round(float(lat), 6),
                    "requested_s": int(requested[i]),
                    "closed_s": int(requested[i] + close_h * 3600),
                    "expected_s": int(requested[i] + 2 * st.median_close_h * 3600),
                    "_bin": j if st.group == "waste" else -1,
                }
            )
        frame = at_full_bins(self, pd.DataFrame(rows))
        if self.faults.any:
            caused = fault_model.fault_requests(self, local_day, year)
            frame = pd.concat([f for f in (frame, caused) if not f.empty], ignore_index=True)
        return frame

    def _many_requests_on(self, local_day: int) -> pd.DataFrame:
        """`requests_on` at `requests_per_day`, drawn as arrays (thousands a day).

        The same model as the demo's: arrivals by time of day, weekends at the demo's
        weekend/weekday ratio, types by their share, waste complaints at the bins that fill
        fastest, the rest along streets by length, and the same close-time distribution.
        """
        rng = _stream(self.seed, 8, local_day)
        weekday_mean, weekend_mean = DEMO_REQUESTS
        week_mean = (5 * weekday_mean + 2 * weekend_mean) / 7
        weekend = local_day_type(np.array([local_day * DAY_S]))[0] > 0
        mean = self.requests_per_day * (weekend_mean if weekend else weekday_mean) / week_mean
        n = min(rng.poisson(mean), 99_999)
        hours = rng.choice(24, size=n, p=_ACTIVITY)
        local = local_day * DAY_S + hours * 3600 + rng.integers(0, 3600, n)
        requested = from_local_seconds(local, self.tz)
        kinds = rng.choice(len(SERVICE_TYPES), size=n, p=[t.weight for t in SERVICE_TYPES])
        waste = np.array([t.group == "waste" for t in SERVICE_TYPES])[kinds]
        seg, cont = self.segments, self.containers
        lon, lat = np.empty(n), np.empty(n)
        street = np.empty(n, dtype=object)
        rate = cont["rate_per_day"].to_numpy()
        j = rng.choice(len(cont), size=int(waste.sum()), p=rate / rate.sum())
        lon[waste], lat[waste] = cont["lon"].to_numpy()[j], cont["lat"].to_numpy()[j]
        street[waste] = cont["address"].to_numpy()[j]
        j = rng.choice(len(seg), size=int((~waste).sum()), p=self._length / self._length.sum())
        points = shapely.line_interpolate_point(
            seg.geometry.values[j], rng.random(len(j)), normalized=True
        )
        lon[~waste], lat[~waste] = shapely.get_x(points), shapely.get_y(points)
        numbers = rng.integers(1, 60, len(j)).astype(str)
        street[~waste] = seg["name"].to_numpy()[j].astype(str).astype(object) + " " + numbers
        lon = (lon + rng.normal(0, 0.00012, n)).round(6)
        lat = (lat + rng.normal(0, 0.00007, n)).round(6)
        never = rng.random(n) < 0.05
        median_h = np.array([t.median_close_h for t in SERVICE_TYPES])[kinds]
        close_h = rng.lognormal(np.log(median_h), 0.8) * np.where(never, 8, 1)
        year = 1970 + local_day // 365  # approximate: only a readable id prefix
        return pd.DataFrame(
            {
                "service_request_id": [
                    f"{year % 100:02d}-{local_day % 100000:05d}{i:05d}" for i in range(n)
                ],
                "service_code": [SERVICE_TYPES[k].code for k in kinds],
                "service_name": [SERVICE_TYPES[k].name for k in kinds],
                "agency_responsible": [SERVICE_TYPES[k].agency for k in kinds],
                "description": [
                    SERVICE_TYPES[k].description.format(street=s)
                    for k, s in zip(kinds, street, strict=True)
                ],
                "address": street,
                "lon": lon,
                "lat": lat,
                "requested_s": requested.astype("int64"),
                "closed_s": (requested + close_h * 3600).astype("int64"),
                "expected_s": (requested + 2 * median_h * 3600).astype("int64"),
            }
        )

    def requests_as_of(self, now_s: int, since_s: int) -> pd.DataFrame:
        """Requests filed in [since, now], each with its status as seen at `now`."""
        days = to_local_seconds(np.array([since_s, now_s]), self.tz) // DAY_S
        frames = [self.requests_on(int(d)) for d in range(int(days[0]), int(days[1]) + 1)]
        frame = pd.concat([f for f in frames if not f.empty], ignore_index=True)
        frame = frame[(frame["requested_s"] >= since_s) & (frame["requested_s"] <= now_s)].copy()
        closed = frame["closed_s"] <= now_s
        frame["status"] = np.where(closed, "closed", "open")
        frame["updated_s"] = np.where(closed, frame["closed_s"], frame["requested_s"])
        frame["status_notes"] = pd.Series(
            np.where(closed, "Resolved by the responsible crew.", None),
            index=frame.index,
            dtype=object,
        )
        return frame.sort_values("requested_s", ignore_index=True)
