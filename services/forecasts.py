"""The forecasts as screens ask for them (issue 19): congestion per street for the next
hours, with the error the same model made over the last days beside the seasonal-naive
baseline's, computed once per web worker and quarter of an hour (the wall's traffic tile
and anyone else who asks within it share it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from analytics import congestion_forecast as model
from config import Settings
from store import forecasts as reads

log = logging.getLogger(__name__)

QUARTER_S = 900


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
    """The forecast from the newest hour read; None without enough history (more than a
    week and the backtest's days) or without readings in the last two hours."""
    f = settings.forecasts
    with store.reading() as cur:
        hourly = reads.hourly_congestion(cur, reads.history_start(now, f.history_days), now,
                                         settings.timezone)  # fmt: skip
        names = reads.segment_names(cur)
    if hourly.empty or hourly["hour"].max() < pd.Timestamp(now) - timedelta(hours=2):
        return None
    ahead = f.wall_ahead_h
    tested = model.backtest(hourly, settings.timezone, f.backtest_days, (ahead,))
    if ahead not in tested:
        return None
    outlook = model.outlook(hourly, settings.timezone, (ahead,))
    outlook["street"] = outlook["segment_id"].map(names).fillna(outlook["segment_id"])
    slowest = outlook.sort_values("ratio", ascending=False).drop_duplicates("street")
    return CongestionOutlook(
        at=pd.Timestamp(outlook["at"].iloc[0]).to_pydatetime(),
        ahead_h=ahead,
        forecast={r.street: (float(r.ratio), float(r.usual))
                  for r in slowest.itertuples(index=False)},  # fmt: skip
        error=tested[ahead]["model"],
        naive_error=tested[ahead]["naive"],
        pairs=tested[ahead]["pairs"],
        days=f.backtest_days,
    )


def current_outlook(svc, now: datetime) -> CongestionOutlook | None:
    """`congestion_outlook` once per quarter hour and web worker; a store that cannot
    answer gives None (the wall shows its other figures)."""
    key = ("congestion-outlook", int(now.timestamp() // QUARTER_S))
    try:
        return svc.answers.get(key, lambda: congestion_outlook(svc.store, svc.settings, now))
    except duckdb.Error as exc:
        log.warning("congestion forecast not computed: %s", exc)
        return None
