"""Congestion per segment for the next hours (issue 19): the segment's profile (the
median of its slot of the week, hour and weekday or weekend, over the days before) times
today's deviation from it, decaying with the hours ahead:

    log r(t+h) = log p(slot(t+h)) + a_h · d(t) + b_h · d̄(t)

d(t) is the last hour's log deviation from the profile (a burst: it fades), d̄(t) the
mean of the last 24 hours' (a road that got slower today: it stays). a_h and b_h are
fitted for each horizon by statsmodels' OLS over every segment's history, no constant.
`backtest` holds out the last days, each hour of them an origin, and gives the mean
absolute error of the ratio at each horizon beside the seasonal-naive forecast (the same
hour a week before) and the profile alone.

Input: `hourly`, rows of (segment_id, hour UTC, ratio, slot), as store.forecasts reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

WEEK_H = 168


@dataclass(frozen=True)
class Grid:
    """The hourly ratios as a matrix: a row per hour (every hour of the span), a column
    per segment; NaN where nothing was read."""

    hours: pd.DatetimeIndex
    segments: np.ndarray
    ratio: np.ndarray  # (hours, segments)
    slot: np.ndarray  # (hours,)


def grid(hourly: pd.DataFrame, tz: str) -> Grid:
    table = hourly.pivot_table(index="hour", columns="segment_id", values="ratio")
    hours = pd.date_range(table.index.min(), table.index.max(), freq="h")
    table = table.reindex(hours)
    return Grid(hours, table.columns.to_numpy(), table.to_numpy(float), slots(hours, tz))


def slots(hours: pd.DatetimeIndex, tz: str) -> np.ndarray:
    """Each hour's slot of the week: its local hour, plus 24 on a Saturday or Sunday."""
    local = hours.tz_convert(tz)
    return (local.hour + 24 * (local.dayofweek >= 5)).to_numpy()


def profile(g: Grid, rows: slice) -> np.ndarray:
    """The median ratio of each (slot, segment) over the hours `rows`: (48, segments)."""
    out = np.full((48, g.ratio.shape[1]), np.nan)
    part, part_slots = g.ratio[rows], g.slot[rows]
    for s in range(48):
        at = part[part_slots == s]
        if len(at):
            with np.errstate(all="ignore"):
                out[s] = np.nanmedian(at, axis=0) if np.isfinite(at).any() else np.nan
    return out


def log_deviation(g: Grid, prof: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.log(g.ratio) - np.log(prof[g.slot])


def day_mean(dev: np.ndarray) -> np.ndarray:
    """Each hour's mean deviation over the 24 hours up to it (those read)."""
    return pd.DataFrame(dev).rolling(24, min_periods=1).mean().to_numpy()


@dataclass(frozen=True)
class Decay:
    """How much of the last hour's deviation (`burst`) and of the day's (`level`) is
    left `ahead` hours on."""

    ahead: int
    burst: float
    level: float


def fit(dev: np.ndarray, mean: np.ndarray, ahead: int) -> Decay:
    """OLS of the deviation `ahead` hours on against the two now, no constant (too few
    pairs: nothing is carried, the forecast is the profile)."""
    x = np.stack([dev[:-ahead].ravel(), mean[:-ahead].ravel()], axis=1)
    y = dev[ahead:].ravel()
    keep = np.isfinite(x).all(axis=1) & np.isfinite(y)
    if keep.sum() < 10:
        return Decay(ahead, 0.0, 0.0)
    burst, level = sm.OLS(y[keep], x[keep]).fit().params
    return Decay(ahead, float(burst), float(level))


def predict(prof: np.ndarray, slot_ahead: np.ndarray, dev_now: np.ndarray,
            mean_now: np.ndarray, decay: Decay) -> np.ndarray:  # fmt: skip
    """Ratios `decay.ahead` hours on: rows of `dev_now` and `mean_now` (origins ×
    segments); a segment not read now gets its profile."""
    carried = decay.burst * np.nan_to_num(dev_now) + decay.level * np.nan_to_num(mean_now)
    with np.errstate(all="ignore"):
        return prof[slot_ahead] * np.exp(carried)


def backtest(hourly: pd.DataFrame, tz: str, test_days: int = 3,
             horizons: tuple[int, ...] = (1, 2, 3)) -> dict[int, dict]:  # fmt: skip
    """Mean absolute error of the ratio at each horizon over the last `test_days`: the
    model, the same hour a week before, the profile alone; fitted on the hours before.
    Each horizon's entry also holds its fitted `decay` and the `pairs` compared."""
    g = grid(hourly, tz)
    cut = len(g.hours) - test_days * 24
    if cut <= WEEK_H:
        return {}
    prof = profile(g, slice(0, cut))
    dev = log_deviation(g, prof)
    mean = day_mean(dev)
    out = {}
    for h in horizons:
        decay = fit(dev[:cut], mean[:cut], h)
        origins = np.arange(cut - h, len(g.hours) - h)
        actual = g.ratio[origins + h]
        forecasts = {
            "model": predict(prof, g.slot[origins + h], dev[origins], mean[origins], decay),
            "naive": g.ratio[origins + h - WEEK_H],
            "profile": prof[g.slot[origins + h]],
        }
        keep = np.isfinite(actual) & np.all([np.isfinite(f) for f in forecasts.values()], axis=0)
        out[h] = {name: float(np.abs(f[keep] - actual[keep]).mean()) if keep.any() else None
                  for name, f in forecasts.items()}  # fmt: skip
        out[h].update(pairs=int(keep.sum()), decay=decay)
    return out


def outlook(hourly: pd.DataFrame, tz: str, horizons: tuple[int, ...] = (1, 2, 3)) -> pd.DataFrame:
    """Each segment's ratio forecast at each horizon from the newest hour: rows of
    (segment_id, ahead_h, at, ratio, now_ratio, usual), `usual` the profile then."""
    g = grid(hourly, tz)
    prof = profile(g, slice(0, len(g.hours)))
    dev = log_deviation(g, prof)
    mean = day_mean(dev)
    last = len(g.hours) - 1
    frames = []
    for h in horizons:
        at = g.hours[last] + pd.Timedelta(hours=h)
        slot = slots(pd.DatetimeIndex([at]), tz)
        ratio = predict(prof, slot, dev[last][None, :], mean[last][None, :], fit(dev, mean, h))
        frames.append(pd.DataFrame({
            "segment_id": g.segments, "ahead_h": h, "at": at, "ratio": ratio[0],
            "now_ratio": g.ratio[last], "usual": prof[slot[0]],
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True).dropna(subset=["ratio"])
