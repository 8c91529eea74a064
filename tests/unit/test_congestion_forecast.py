"""The congestion forecast (analytics.congestion_forecast, issue 19) on hourly ratios
whose truth is known: a weekly profile with noise, and a road that got slower two days
ago and stays slow."""

import numpy as np
import pandas as pd

from analytics import congestion_forecast as model

TZ = "Europe/Helsinki"
END = pd.Timestamp("2026-11-17 07:00", tz="UTC")


def hourly(days: int, slowed_from_h: int | None = None, seed: int = 1) -> pd.DataFrame:
    """Three segments' hourly ratios: rush hours on weekdays, 5 % noise; segment "c" 1.6×
    slower for its last `slowed_from_h` hours."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range(END - pd.Timedelta(days=days), END, freq="h", inclusive="left")
    local = hours.tz_convert(TZ)
    rush = np.isin(local.hour, (8, 9, 16, 17)) & (local.dayofweek < 5)
    rows = []
    for seg, base in (("a", 1.1), ("b", 1.2), ("c", 1.05)):
        ratio = base * np.where(rush, 1.5, 1.0) * np.exp(rng.normal(0, 0.05, len(hours)))
        if seg == "c" and slowed_from_h:
            ratio[-slowed_from_h:] *= 1.6
        rows.append(pd.DataFrame({"segment_id": seg, "hour": hours, "ratio": ratio}))
    out = pd.concat(rows, ignore_index=True)
    out["slot"] = model.slots(pd.DatetimeIndex(out["hour"]), TZ)
    return out


def test_a_road_slower_since_yesterday_is_forecast_slower_than_the_week_before_says():
    tested = model.backtest(hourly(21, slowed_from_h=60), TZ, test_days=2, horizons=(1, 3))
    for h in (1, 3):
        errors = tested[h]
        assert errors["pairs"] == 3 * 48
        assert errors["model"] < errors["naive"] and errors["model"] < errors["profile"], h
        assert errors["decay"].level > 0.2  # the day's deviation is carried


def test_on_a_city_without_change_the_forecast_is_the_profile_and_beats_last_week():
    errors = model.backtest(hourly(21), TZ, test_days=3, horizons=(1,))[1]
    assert errors["model"] < errors["naive"]  # last week's noise against the median's
    assert abs(errors["model"] - errors["profile"]) < 0.1 * errors["profile"]


def test_the_outlook_carries_a_slowdown_and_names_the_hour_it_is_for():
    ahead = model.outlook(hourly(14, slowed_from_h=30), TZ, horizons=(1,))
    assert set(ahead["at"]) == {END}  # the hour after the newest read
    by_segment = ahead.set_index("segment_id")
    assert by_segment.loc["c", "ratio"] > 1.25 * by_segment.loc["c", "usual"]
    for seg in ("a", "b"):
        assert abs(by_segment.loc[seg, "ratio"] / by_segment.loc[seg, "usual"] - 1) < 0.1


def test_less_than_a_week_before_the_held_out_days_gives_no_backtest():
    assert model.backtest(hourly(9), TZ, test_days=3) == {}
