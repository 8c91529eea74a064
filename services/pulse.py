"""The public city pulse's figures (`/pulse`, issue 20), as plain data for a page anyone
may read: today's traffic (the share of road length congested and the wall's congestion
index, now and hour by hour since the city's midnight), full containers and complaint
status, each for the whole city and zone by zone. Counts and ratios only: no request's
text, address or id, no container's or street's name, nothing about a person.

The figures are the wall's (`store.wall`'s states, `analytics.kpis`' definitions), but
for complaints: those are counted as C3 publishes them (services.public_requests), open
until the source closes one or C3 validates its fix, and overdue past the work order's
due time where one covers it, else the source's expected time or the service level's;
the store's `pulse` module reads them, each zone's containers, and today's filed and
closed requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics import kpis, service_levels
from services.public_requests import primary_source
from store import pulse as pulse_store
from store import wall
from store.queries import LIVE_WINDOW
from store.reports import zone_names

LIVE_MINUTES = int(LIVE_WINDOW.split()[1])  # a reading older than this is not "now"


def city_pulse(svc, now: datetime) -> dict:
    """Every figure of the page at `now` (UTC), in the city's time zone."""
    settings = svc.settings
    local = now.astimezone(ZoneInfo(settings.timezone))
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    hours = int((now - day_start) / timedelta(hours=1)) + 1  # midnight's hour to this one
    with svc.store.reading() as cur:
        names = zone_names(cur)
        segments = wall.segment_states(cur, now, settings.alert_congested_minutes).to_pandas()
        hourly = wall.hourly_points(cur, now, "traffic", hours=hours)
        containers = wall.container_states(cur, now).to_pandas()
        inventory = pulse_store.containers_by_zone(cur)
        primary = primary_source(settings)
        requests = pulse_store.open_requests(cur, primary).to_pandas()
        today = pulse_store.complaints_today_by_zone(cur, primary, day_start, now)
    zones = sorted(names.items(), key=lambda pair: (pair[1], pair[0]))
    due = service_levels.due_times(requests, settings.service_levels, settings.timezone)
    tz = local.tzinfo
    return {
        "as_of": local,
        "live_minutes": LIVE_MINUTES,
        "traffic": traffic(segments, zones, hourly, tz),
        "waste": waste(containers, inventory, zones, settings.collection.threshold, tz),
        "complaints": complaints(requests.assign(due=due), today, zones, now, tz),
    }


def _newest(times: pd.Series, tz) -> datetime | None:
    times = pd.to_datetime(times, utc=True).dropna()
    return None if times.empty else times.max().to_pydatetime().astimezone(tz)


def _in_zone(frame: pd.DataFrame, zone_id: str) -> pd.DataFrame:
    return frame[frame["zone_id"] == zone_id]


def _traffic_of(segments: pd.DataFrame) -> dict:
    """Segments reporting, the share of their length the feeds call congested, and the
    congestion index (observed / free-flow travel time, the wall's)."""
    length = float(segments["length_m"].astype(float).sum())
    jammed = float(segments.loc[segments["congested_since"].notna(), "length_m"].sum())
    return {
        "segments": int(len(segments)),
        "congested_share": jammed / length if length > 0 else None,
        "index": kpis.traffic_figures(segments)["index"] if len(segments) else None,
    }


def traffic(segments: pd.DataFrame, zones: list, hourly: list, tz) -> dict:
    """The city's traffic now and by zone, and today's congestion index hour by hour."""
    return {
        "as_of": _newest(segments["observed_at"], tz),
        "city": _traffic_of(segments),
        "zones": [{"name": name, **_traffic_of(_in_zone(segments, zone_id))}
                  for zone_id, name in zones],  # fmt: skip
        "hourly": [(hour.astimezone(tz), value) for hour, value in hourly],
    }


def _waste_of(containers: pd.DataFrame, total: int, threshold: float) -> dict:
    fill = containers["fill"].astype(float)
    return {
        "full": int((fill >= kpis.FULL).sum()),
        "over_threshold": int((fill >= threshold).sum()),
        "reporting": int(len(containers)),
        "total": int(total),
    }


def waste(containers: pd.DataFrame, inventory: dict, zones: list, threshold: float, tz) -> dict:
    """Containers full (100 %) and at or over the collection threshold (the fill at which
    C3 plans to empty one), of those reporting, city-wide and by zone."""
    return {
        "as_of": _newest(containers["observed_at"], tz),
        "threshold": threshold,
        "city": _waste_of(containers, sum(inventory.values()), threshold),
        "zones": [{"name": name, **_waste_of(_in_zone(containers, zone_id),
                                             inventory.get(zone_id, 0), threshold)}
                  for zone_id, name in zones],  # fmt: skip
    }


def _complaints_of(open_requests: pd.DataFrame, today: tuple[int, int], now: datetime) -> dict:
    due = pd.to_datetime(open_requests["due"], utc=True)
    filed, closed = today
    return {
        "open": int(len(open_requests)),
        "overdue": int(np.sum(due < now)),
        "filed_today": filed,
        "closed_today": closed,
    }


def complaints(requests: pd.DataFrame, today: dict, zones: list, now: datetime, tz) -> dict:
    """Open requests (and those past their expected time: column `due`), and
    those filed and closed since midnight, city-wide and by zone."""
    totals = tuple(sum(counts) for counts in zip(*today.values(), strict=True)) or (0, 0)
    return {
        "as_of": now.astimezone(tz),
        "city": _complaints_of(requests, totals, now),
        "zones": [{"name": name, **_complaints_of(_in_zone(requests, zone_id),
                                                  today.get(zone_id, (0, 0)), now)}
                  for zone_id, name in zones],  # fmt: skip
        "any": bool(len(requests)) or any(any(counts) for counts in today.values()),
    }
