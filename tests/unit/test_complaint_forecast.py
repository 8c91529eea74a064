"""The complaint volume forecast (analytics.complaint_forecast, issue 19) on counts whose
truth is known: steady Poisson series with a weekday pattern, one of which rises."""

import numpy as np

from analytics import complaint_forecast as model

WINDOWS = 56  # eight weeks, window 0 the newest


def counts(rise_from: int | None = None, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """30 series at 0.5-4 a day, busier on weekdays; series 0 gains 2 a day more each day
    over its newest `rise_from` windows. Returns (counts, each window's weekday)."""
    rng = np.random.default_rng(seed)
    weekdays = (np.arange(WINDOWS)[::-1] + 3) % 7  # the newest window a Thursday
    rates = rng.uniform(0.5, 4, 30)[:, None] * np.where(weekdays < 5, 1.2, 0.6)[None, :]
    if rise_from:
        rates[0, :rise_from] += 2 * np.arange(rise_from, 0, -1)
    return rng.poisson(rates).astype(float), weekdays


def test_the_forecast_beats_the_same_day_last_week_and_the_week_before():
    tested = model.backtest(*counts())
    assert tested["series"] == 30 and tested["origins"] == 7
    assert tested["24h"]["model"] < 0.85 * tested["24h"]["naive"]
    assert tested["7d"]["model"] < tested["7d"]["naive"]  # a week's sum is less noisy


def test_a_rising_series_is_forecast_above_its_usual_and_the_others_are_not():
    matrix, weekdays = counts(rise_from=5)
    day, week = model.forecast(matrix, weekdays, [3, 4, 5, 6, 0, 1, 2])
    usual = matrix[:, 7:35].mean(axis=1) * 7  # a week before the rise
    assert week[0] > usual[0] + 12  # its last week had 30 more than usual
    assert np.all(np.abs(week[1:] - usual[1:]) < 0.5 * usual[1:] + 3)
    assert day.shape == (30,) and np.all(day > 0)


def test_the_windows_before_a_feeds_backfill_are_not_read_as_a_quiet_city():
    matrix, _ = counts()
    totals = matrix.sum(axis=0)
    totals[40:] = 2  # before the backfill: only the requests still open then
    assert model.covered(totals) == 40
    assert model.covered(matrix.sum(axis=0)) == WINDOWS
    totals = matrix.sum(axis=0)
    totals[3] = 0  # a day the feed was down is a day of the city's history, not its start
    assert model.covered(totals) == WINDOWS


def test_three_weeks_forecast_and_six_test_and_fewer_do_neither():
    matrix, weekdays = counts()
    assert model.forecast(matrix[:, :20], weekdays[:20], [0] * 7) is None
    assert model.forecast(matrix[:, :21], weekdays[:21], [0] * 7) is not None
    assert model.backtest(matrix[:, :34], weekdays[:34]) == {}
    assert model.backtest(matrix[:, :35], weekdays[:35]) != {}
