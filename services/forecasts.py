"""The forecasts as screens and reports ask for them (issue 19), each with the error the
same model made over the last days beside the seasonal-naive baseline's: congestion per
street for the next hours, computed once per web worker and quarter of an hour (the
wall's traffic tile and anyone else who asks within it share it); complaint volume per
zone and type for the next 24 h and 7 days (the reports)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics import complaint_forecast as volume
from analytics import congestion_forecast as model
from config import Settings
from store import forecasts as reads
from store.reports import zone_names

log = logging.getLogger(__name__)

QUARTER_S = 900
STALE_H = 3  # the newest whole hour read may be this many before the clock's


@dataclass(frozen=True)
class CongestionOutlook:
    """Each street's forecast `ahead_h` hours on (the hour starting `at`): its slowest
    segment's travel time over free flow, and the usual then (the profile), slowest
    street first. And the backtest: the mean absolute error of that ratio at that horizon,
    the model's and the same-hour-last-week's, over `pairs` forecasts of the last `days`."""

    at: datetime
    ahead_h: int
    forecast: dict[str, tuple[float, float]]  # street: (ratio, usual)
    error: float | None
    naive_error: float | None
    pairs: int
    days: int


def congestion_outlook(store, settings: Settings, now: datetime) -> CongestionOutlook | None:
    """The forecast for the hour starting `wall_ahead_h` hours after the clock's hour
    (at 10:58, the 11-12 h hour), made from the newest whole hour read (10:00's is not
    whole yet: 09:00's). None without enough history (more than a week and the
    backtest's days), without readings in the last whole hours, or without a profile of
    that hour for any segment."""
    f = settings.forecasts
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    target = this_hour + timedelta(hours=f.wall_ahead_h)
    with store.reading() as cur:
        hourly = reads.hourly_congestion(cur, reads.history_start(now, f.history_days),
                                         this_hour, settings.timezone)  # fmt: skip
        names = reads.segment_names(cur)
    if hourly.empty:
        return None
    newest = pd.Timestamp(hourly["hour"].max())
    if newest < pd.Timestamp(this_hour) - timedelta(hours=STALE_H):
        return None  # a silent feed: no forecast from old news
    ahead = int((pd.Timestamp(target) - newest) / timedelta(hours=1))
    tested = model.backtest(hourly, settings.timezone, f.backtest_days, (ahead,))
    outlook = model.outlook(hourly, settings.timezone, (ahead,))
    if ahead not in tested or outlook.empty:
        return None
    outlook["street"] = outlook["segment_id"].map(names).fillna(outlook["segment_id"])
    slowest = outlook.sort_values("ratio", ascending=False).drop_duplicates("street")
    return CongestionOutlook(
        at=target,
        ahead_h=f.wall_ahead_h,
        forecast={r.street: (float(r.ratio), float(r.usual))
                  for r in slowest.itertuples(index=False)},  # fmt: skip
        error=tested[ahead]["model"],
        naive_error=tested[ahead]["naive"],
        pairs=tested[ahead]["pairs"],
        days=f.backtest_days,
    )


def current_outlook(svc, now: datetime) -> CongestionOutlook | None:
    """`congestion_outlook` once per quarter hour and web worker; a forecast that cannot
    be made gives None, logged (the wall shows its other figures)."""
    key = ("congestion-outlook", int(now.timestamp() // QUARTER_S))
    try:
        return svc.answers.get(key, lambda: congestion_outlook(svc.store, svc.settings, now))
    except Exception:  # the tile's figures stand without the forecast
        log.exception("congestion forecast not computed")
        return None


@dataclass(frozen=True)
class ComplaintOutlook:
    """Each zone and service type's expected requests in the next 24 h and 7 days
    (`rows`: zone_id, zone, service_code, service, last_7d, next_24h, next_7d, most
    expected first), and the backtest's mean absolute error per zone and type, the
    model's and the seasonal-naive's, for each horizon ({} without five weeks of data)."""

    at: datetime
    rows: pd.DataFrame
    errors: dict
    days: int


def complaint_outlook(store, settings: Settings, now: datetime) -> ComplaintOutlook | None:
    """The forecast from the last `complaint_days` (or the whole days the store holds);
    None with less than three weeks of requests."""
    with store.reading() as cur:
        counts = reads.complaint_counts(cur, now, settings.forecasts.complaint_days)
        names = zone_names(cur)
    if counts.empty:
        return None
    keys, matrix = volume.matrix(counts, settings.forecasts.complaint_days)
    days = volume.covered(matrix.sum(axis=0))
    matrix = matrix[:, :days]
    tz = ZoneInfo(settings.timezone)
    weekdays = np.array([(now - timedelta(days=k + 1)).astimezone(tz).weekday()
                         for k in range(days)])  # fmt: skip
    ahead = [(now + timedelta(days=j)).astimezone(tz).weekday() for j in range(7)]
    expected = volume.forecast(matrix, weekdays, ahead)
    if expected is None:
        return None
    rows = keys.assign(zone=keys["zone_id"].map(names).fillna("outside the zones"),
                       last_7d=matrix[:, :7].sum(axis=1), next_24h=expected[0],
                       next_7d=expected[1])  # fmt: skip
    return ComplaintOutlook(now, rows.sort_values("next_7d", ascending=False, ignore_index=True),
                            volume.backtest(matrix, weekdays), days)  # fmt: skip
