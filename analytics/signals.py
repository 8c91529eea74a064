"""The cross-domain signals: where one domain's data says another's is wrong, or explains
it (issue 19). Four rules, each a pure function of what `store/signals.py` read, each
signal with its evidence in words and the rows behind it:

- *sensor disagrees*: overflowing-bin reports where every container near the report read
  under half full at the report's time (the sensor, or the bin's recorded place, is
  wrong);
- *full, not planned*: a container full for hours, not emptied since, no round planned
  for its zone, and reports near it (raise it);
- *road problem*: road-damage reports on a segment whose speeds dropped against its own
  profile;
- *stuck sensor*: a sensor that sent one value for days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import shapely

from analytics.duplicates import metres_between

RULES = {  # rule: what the operator reads
    "sensor_disagrees": "Sensor disagrees with reports",
    "full_unplanned": "Full, no round planned",
    "road_problem": "Road problem",
    "stuck_sensor": "Sensor stuck",
}
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Signal:
    rule: str
    domain: str  # waste | traffic: whose feature it is about
    feature_id: str
    since: datetime
    place: str
    evidence: str
    zone_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    requests: tuple[str, ...] = field(default=())  # "source/request_id", oldest first

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.feature_id}"

    @property
    def title(self) -> str:
        return f"{RULES[self.rule]}: {self.feature_id}"


def box_degrees(metres: float, lat: float) -> tuple[float, float]:
    """Half-sides (lat, lon degrees) of a box that holds a circle of `metres` at `lat`."""
    return metres / M_PER_DEG_LAT, metres / (M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat)))


def _keys(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(frame["source"] + "/" + frame["request_id"])


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def _span(low: float, high: float) -> str:
    return _pct(low) if _pct(low) == _pct(high) else f"{_pct(low)}–{_pct(high)}"


def sensor_disagreements(pairs: pd.DataFrame, near_m: float, under: float) -> list[Signal]:
    """`pairs`: each report with each container in a box around it and that container's
    reading at the report's time. A report disagrees when there is a container within
    `near_m` and every one of them read under `under`; the signal is the nearest one's."""
    if pairs.empty:
        return []
    pairs = pairs.assign(metres=metres_between(
        *(pairs[c].to_numpy(float) for c in ("lon", "lat", "c_lon", "c_lat"))))
    pairs = pairs[pairs["metres"] <= near_m]
    found = []
    for _, near in pairs.groupby(["source", "request_id"], sort=False):
        if near["fill_level"].notna().all() and (near["fill_level"] < under).all():
            found.append(near.loc[near["metres"].idxmin()])
    if not found:
        return []
    frame = pd.DataFrame(found)
    signals = []
    for container_id, rows in frame.groupby("container_id", sort=True):
        rows = rows.sort_values("requested_at")
        last = rows.iloc[-1]
        n = len(rows)
        evidence = (f"{n} overflowing-bin report{'s' * (n != 1)} within {near_m:.0f} m "
                    f"(nearest {rows['metres'].min():.0f} m) while its sensor read "
                    f"{_span(rows['fill_level'].min(), rows['fill_level'].max())}, "
                    f"under {_pct(under)}, and no other container near was fuller")  # fmt: skip
        signals.append(Signal("sensor_disagrees", "waste", str(container_id),
                              rows["requested_at"].iloc[0].to_pydatetime(), last["c_address"] or "",
                              evidence, last["zone_id"], float(last["c_lon"]), float(last["c_lat"]),
                              _keys(rows)))  # fmt: skip
    return signals


def full_unplanned(full: pd.DataFrame, reports: pd.DataFrame, near_m: float, now: datetime,
                   level: float) -> list[Signal]:  # fmt: skip
    """`full`: containers full without a break (store.signals.full_containers). A signal
    for each not emptied since, with no round planned for its zone and at least one
    report within `near_m` since it filled."""
    waiting = full[full["collected_at"].isna() & ~full["planned"].fillna(False).astype(bool)]
    signals = []
    for row in waiting.itertuples():
        near = reports[reports["requested_at"] >= row.full_since]
        if near.empty:
            continue
        metres = metres_between(row.lon, row.lat, near["lon"].to_numpy(float),
                                near["lat"].to_numpy(float))  # fmt: skip
        near = near[metres <= near_m]
        if near.empty:
            continue
        hours = (pd.Timestamp(now) - pd.Timestamp(row.full_since)).total_seconds() / 3600
        n = len(near)
        evidence = (f"read ≥ {_pct(level)} for at least {hours:.0f} h "
                    f"({row.readings} readings, now {_pct(row.fill)}), not emptied since, "
                    f"no round planned for zone {row.zone_id}; "
                    f"{n} report{'s' * (n != 1)} within {near_m:.0f} m")  # fmt: skip
        signals.append(Signal("full_unplanned", "waste", row.container_id,
                              pd.Timestamp(row.full_since).to_pydatetime(), row.address or "",
                              evidence, row.zone_id, row.lon, row.lat, _keys(near)))  # fmt: skip
    return signals


def nearest_segments(reports: pd.DataFrame, segments: pd.DataFrame, near_m: float) -> pd.DataFrame:
    """`reports` with the segment each is nearest to within `near_m` (`segment_id`,
    `metres`); reports near none are left out."""
    return nearest_features(reports, segments["segment_id"].to_numpy(),
                            shapely.from_wkb(segments["wkb"].to_numpy()), near_m, "segment_id")


def nearest_features(reports: pd.DataFrame, ids: np.ndarray, geometries: np.ndarray,
                     near_m: float, key: str) -> pd.DataFrame:  # fmt: skip
    """`reports` with the feature (`ids`, their lon/lat `geometries`) each is nearest to
    within `near_m` (column `key`, and `metres`); reports near none are left out.
    Distances in a local plane (metres east and north of the reports' mean), which is
    exact enough across a city."""
    if reports.empty or len(ids) == 0:
        return reports.assign(**{key: pd.Series(dtype=object), "metres": pd.Series(dtype=float)})
    lat0, lon0 = float(reports["lat"].mean()), float(reports["lon"].mean())
    scale = np.array([M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat0)), M_PER_DEG_LAT])

    def to_plane(xy: np.ndarray) -> np.ndarray:
        return (xy - [lon0, lat0]) * scale

    tree = shapely.STRtree(shapely.transform(geometries, to_plane))
    points = to_plane(reports[["lon", "lat"]].to_numpy(float))
    (report_i, feature_i), metres = tree.query_nearest(
        shapely.points(points), max_distance=near_m, return_distance=True, all_matches=False)
    found = reports.iloc[report_i].copy()
    found[key] = np.asarray(ids)[feature_i]
    found["metres"] = metres
    return found.drop_duplicates(["source", "request_id"])


def road_problems(near: pd.DataFrame, speeds: pd.DataFrame, segments: pd.DataFrame,
                  min_reports: int, drop: float) -> list[Signal]:  # fmt: skip
    """Segments with at least `min_reports` road reports (`near`: nearest_segments) whose
    speed ratio to their profile (`speeds`: store.signals.speed_against_profile) is at
    least `drop` below 1."""
    counts = near.groupby("segment_id").size()
    slow = speeds[(speeds["ratio"] <= 1 - drop) & speeds["segment_id"].isin(
        counts[counts >= min_reports].index)]  # fmt: skip
    named = segments.set_index("segment_id")
    signals = []
    for row in slow.itertuples():
        rows = near[near["segment_id"] == row.segment_id].sort_values("requested_at")
        line = shapely.from_wkb(named.at[row.segment_id, "wkb"])
        middle = shapely.line_interpolate_point(line, 0.5, normalized=True)
        n = len(rows)
        evidence = (f"{n} road-damage report{'s' * (n != 1)} on it; speeds of the last 24 h "
                    f"{1 - row.ratio:.0%} below its profile ({row.recent_kmh:.0f} against "
                    f"{row.usual_kmh:.0f} km/h, {row.slots} hours compared)")  # fmt: skip
        signals.append(Signal("road_problem", "traffic", row.segment_id,
                              rows["requested_at"].iloc[0].to_pydatetime(),
                              named.at[row.segment_id, "name"] or "", evidence,
                              named.at[row.segment_id, "zone_id"], middle.x, middle.y,
                              _keys(rows)))  # fmt: skip
    return signals


def stuck_sensors(frame: pd.DataFrame, domain: str, now: datetime) -> list[Signal]:
    """Sensors of `domain` that sent one value since `same_since`
    (store.signals.same_value)."""
    unit = (lambda v: _pct(v)) if domain == "waste" else (lambda v: f"{v:.1f} km/h")
    signals = []
    for row in frame.itertuples():
        days = (pd.Timestamp(now) - pd.Timestamp(row.same_since)).total_seconds() / 86400
        evidence = (f"sent {unit(row.value)} in each of its last {row.readings} readings, "
                    f"over {days:.1f} days")  # fmt: skip
        signals.append(Signal("stuck_sensor", domain, row.feature_id,
                              pd.Timestamp(row.same_since).to_pydatetime(), row.place or "",
                              evidence, row.zone_id, row.lon, row.lat))  # fmt: skip
    return signals
