"""The congestion forecast on the demo city with its seeded faults (issue 19): read from a
real DuckDB file, the degrading road is forecast slower than usual and listed among the
slowest streets, and the forecast's backtest error beats the seasonal-naive baseline's."""

from datetime import timedelta

from config import load_settings
from services.forecasts import congestion_outlook
from tests.helpers import TZ
from tests.helpers.signals import NOW


def test_the_degrading_road_is_forecast_slow_and_the_error_beats_last_week(faulted):
    store, faults = faulted
    with store.reading() as cur:
        names = dict(cur.execute("SELECT segment_id, name FROM road_segments").fetchall())
    degrading = {names[s] for s in faults.degrading}
    outlook = congestion_outlook(store, load_settings(timezone=TZ), NOW)
    assert outlook is not None
    assert outlook.at == NOW and outlook.ahead_h == 1  # the hour after the newest read
    slowest = list(outlook.forecast)[:3]
    assert degrading & set(slowest), (degrading, slowest)
    for street in degrading:
        ratio, usual = outlook.forecast[street]
        assert ratio > 1.3 * usual, street
    assert outlook.pairs > 1000
    assert outlook.error < outlook.naive_error


def test_without_a_week_of_history_there_is_no_forecast(faulted, store):
    assert congestion_outlook(store, load_settings(timezone=TZ), NOW) is None  # no readings
    faulted_store, _ = faulted
    early = NOW - timedelta(days=8)  # the fault city's history starts 16 days before NOW
    assert congestion_outlook(faulted_store, load_settings(timezone=TZ), early) is None
