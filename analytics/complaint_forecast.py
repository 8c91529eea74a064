"""Complaint volume per zone and service type for the next 24 hours and the next 7 days
(issue 19). Time is cut into 24-hour windows ending at the forecast's moment (window 0
the last day, 1 the day before, …), so "the next 24 h" is one more window.

Each series (zone × type) is counted per window. The model is a Poisson GLM
(statsmodels) pooled over every series:

    log E[y(k)] = β0 + β1 · log(m7(k) + ε) + β2 · log(m14(k) + ε) + γ(weekday of k)

m7 and m14 the series' mean count per window over the 7 and 14 windows before k (a zone
whose complaints rise this week weighs in through m7, its usual through m14), γ the
weekday's effect, city-wide. The next 7 days are the sum of seven one-window forecasts
from the same means. `backtest` holds out the last two weeks, each window an origin, and
gives the mean absolute error per series beside the seasonal-naive forecast's (the same
day a week before for 24 h, the week before for 7 days), the model fitted on the older
windows only.

Input: `counts`, a (series × windows) matrix, window 0 last, and each window's weekday
(0 Monday) of its start in city time."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

EPS = 0.1  # a series quiet for weeks is not a log of zero
SHORT, LONG = 7, 14
TEST = 7  # origins per horizon in the backtest
MIN_FIT = 7  # windows the model is fitted on, at least


def matrix(counts: pd.DataFrame, windows: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The series' keys (zone_id, service_code, service_name) and their counts as a
    (series × windows) matrix, zero where a window had none."""
    table = counts.pivot_table(index=["zone_id", "service_code"], columns="window", values="n",
                               aggfunc="sum", fill_value=0)  # fmt: skip
    table = table.reindex(columns=range(windows), fill_value=0)
    keys = table.index.to_frame(index=False)
    named = counts.drop_duplicates(["zone_id", "service_code"]).set_index(
        ["zone_id", "service_code"])["service_name"]  # fmt: skip
    keys["service"] = named.reindex(table.index).fillna(keys["service_code"]).to_numpy()
    return keys, table.to_numpy(float)


def covered(totals: np.ndarray) -> int:
    """How many of the newest windows the store holds whole: all but the run of windows
    at the old end whose city-wide count is under a fifth of the recent median (before a
    feed's backfill began, only the requests still open then were fetched: a trickle,
    not the city). A quiet day or an outage between busy ones is kept: it happened."""
    recent = np.median(totals[:14]) if len(totals) else 0
    busy = np.flatnonzero(totals >= 0.2 * recent)
    return int(busy[-1]) + 1 if len(busy) else 0


def features(counts: np.ndarray, k: int, weekday: int) -> np.ndarray:
    """Each series' regressors for window `k`, from the windows older than it: constant,
    log m7, log m14, and the weekday's dummies (Monday the base)."""
    before = counts[:, k + 1:k + 1 + LONG]
    day = np.zeros((len(counts), 6))
    if weekday:
        day[:, weekday - 1] = 1
    return np.column_stack([np.ones(len(counts)), np.log(before[:, :SHORT].mean(axis=1) + EPS),
                            np.log(before.mean(axis=1) + EPS), day])  # fmt: skip


def fit(counts: np.ndarray, weekdays: np.ndarray, first: int = 0) -> np.ndarray | None:
    """The GLM's coefficients from the windows `first` and older that have 14 older
    windows; None when there are fewer than MIN_FIT or nothing was reported in them."""
    ks = range(first, counts.shape[1] - LONG)
    if len(ks) < MIN_FIT:
        return None
    x = np.vstack([features(counts, k, weekdays[k]) for k in ks])
    y = np.concatenate([counts[:, k] for k in ks])
    if y.sum() == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a weekday never seen: its coefficient, not a crash
        return sm.GLM(y, x, family=sm.families.Poisson()).fit().params


def next_day(params: np.ndarray, seen: np.ndarray, weekday: int) -> np.ndarray:
    """Each series' expected count in the window after `seen`'s newest (its column 0)."""
    return np.exp(features(np.column_stack([np.zeros(len(seen)), seen]), 0, weekday) @ params)


def next_week(params: np.ndarray, seen: np.ndarray, weekdays_ahead: list[int]) -> np.ndarray:
    """Each series' expected count over the next 7 windows, from the same means."""
    return sum(next_day(params, seen, d) for d in weekdays_ahead)


def backtest(counts: np.ndarray, weekdays: np.ndarray) -> dict:
    """Mean absolute error per series and window: for the next 24 h at the origins 1-7
    (against the same day a week before), for the next 7 days at the origins 7-13
    (against the week before); the model fitted on windows 14 and older. {} without
    enough history (14 + MIN_FIT + 14 windows)."""
    params = fit(counts, weekdays, first=2 * TEST)
    if params is None:
        return {}
    day = {"model": [], "naive": []}
    week = {"model": [], "naive": []}
    for origin in range(1, TEST + 1):  # the newest window read; its target the one after
        actual = counts[:, origin - 1]
        day["model"].append(next_day(params, counts[:, origin:], weekdays[origin - 1]) - actual)
        day["naive"].append(counts[:, origin + 6] - actual)
    for origin in range(TEST, 2 * TEST):
        actual = counts[:, origin - 7:origin].sum(axis=1)
        ahead = [int(weekdays[t]) for t in range(origin - 1, origin - 8, -1)]
        week["model"].append(next_week(params, counts[:, origin:], ahead) - actual)
        week["naive"].append(counts[:, origin:origin + 7].sum(axis=1) - actual)
    mae = lambda errors: float(np.mean(np.abs(errors)))  # noqa: E731
    return {"24h": {k: mae(v) for k, v in day.items()},
            "7d": {k: mae(v) for k, v in week.items()},
            "series": int(counts.shape[0]), "origins": TEST}  # fmt: skip


def forecast(counts: np.ndarray, weekdays: np.ndarray,
             weekdays_ahead: list[int]) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """Each series' expected count in the next 24 h and in the next 7 days
    (`weekdays_ahead`: the weekdays of the next seven windows), fitted on every window;
    None without enough history."""
    params = fit(counts, weekdays)
    if params is None:
        return None
    return next_day(params, counts, weekdays_ahead[0]), next_week(params, counts, weekdays_ahead)
