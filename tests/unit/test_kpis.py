"""The wall's figures and alerts from hand-made rows."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from analytics import kpis, service_levels
from config.service_levels import ServiceLevelSettings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_levels_follow_the_thresholds():
    assert kpis.level(3, 5, 10) == "ok"
    assert kpis.level(5, 5, 10) == "amber"
    assert kpis.level(12, 5, 10) == "red"
    assert kpis.level(None, 5, 10) == "none"


def test_waste_counts_and_six_hour_forecast():
    containers = pd.DataFrame(
        {
            "fill": [0.5, 0.85, 0.96, 1.0, 0.7, 0.9],
            "rate_per_h": [0.01, 0.2, 0.0, 0.05, 0.06, np.nan],
        }
    )
    f = kpis.waste_figures(containers)
    assert f == {"over_80": 4, "over_95": 2, "overflowing": 1, "forecast_6h": 2, "reporting": 6}
    # 0.85 at 0.2/h is full in 0.75 h; 0.7 at 0.06/h in 5 h; 0.5 at 0.01/h only in 50 h


def test_congestion_index_worst_streets_and_standstills():
    segments = pd.DataFrame(
        {
            "name": ["A", "A", "B", "C"],
            "freeflow_s": [10.0, 10.0, 20.0, 10.0],
            "travel_time_s": [30.0, 12.0, 20.0, np.inf],
            "ratio": [3.0, 1.2, 1.0, np.inf],
        }
    )
    f = kpis.traffic_figures(segments, worst=2)
    assert f["index"] == (30 + 12 + 20) / (10 + 10 + 20)  # the closed segment is left out
    assert f["worst"] == [("C", np.inf), ("A", 3.0)]
    assert f["incidents"] == 2


def test_due_times_prefer_the_feeds_expected_time():
    requests = pd.DataFrame(
        {
            "service_code": ["POT", "GRF"],
            "requested_at": [NOW - timedelta(hours=10), NOW - timedelta(hours=10)],
            "expected_at": [NOW + timedelta(hours=1), pd.NaT],
        }
    )
    levels = ServiceLevelSettings(types={"GRF": {"target_hours": 4}})
    due = service_levels.due_times(requests, levels, "Europe/Helsinki")
    assert list(due) == [NOW + timedelta(hours=1), NOW - timedelta(hours=6)]
    f = kpis.complaint_figures(requests, due, NOW, opened_today=3, median_close_h=20.5)
    assert f == {"open": 2, "opened_today": 3, "overdue": 1, "median_close_h": 20.5}


def test_alerts_are_newest_first_and_carry_no_citizen_text():
    containers = pd.DataFrame(
        {
            "container_id": ["c1"],
            "full_since": [NOW - timedelta(hours=2)],
            "address": ["Kaivokatu 8"],
            "lat": [60.1],
            "lon": [24.9],
        }
    )
    segments = pd.DataFrame(
        {
            "segment_id": ["s1", "s2"],
            "name": ["Mannerheimintie", "Bulevardi"],
            "ratio": [2.5, 2.0],
            "lat": [60.1, 60.2],
            "lon": [24.9, 24.8],
            "congested_since": [NOW - timedelta(minutes=40), NOW - timedelta(minutes=5)],
        }
    )
    requests = pd.DataFrame(
        {
            "request_id": ["r1"],
            "service_name": ["Pothole"],
            "street": ["Fabianinkatu"],
            "lat": [60.1],
            "lon": [24.9],
        }
    )
    due = pd.Series([NOW - timedelta(minutes=10)])
    merged = kpis.newest_first(
        kpis.waste_alerts(containers),
        kpis.traffic_alerts(segments, NOW, minutes=15),
        kpis.complaint_alerts(requests, due, NOW),
        kpis.feed_alerts([("traffic", NOW - timedelta(minutes=1))]),
    )
    assert [a.key for a in merged] == ["feed:traffic", "req:r1", "seg:s1", "bin:c1"]
    assert merged[2].title == "Congested 40 min (× 2.5)"  # Bulevardi: only 5 min, no alert
    assert merged[1].place == "Fabianinkatu" and "Pothole" in merged[1].title


def test_a_degraded_feed_raises_a_feed_alert_that_says_how_much_was_rejected():
    stale, bad = [("traffic", NOW - timedelta(minutes=5))], [("bins", NOW, 250, 255)]
    alerts = kpis.feed_alerts(stale, bad)
    assert [(a.kind, a.key) for a in alerts] == [
        ("feeds", "feed:traffic"),
        ("feeds", "feed:bins:degraded"),
    ]
    assert alerts[1].title == "Feed bins degraded: 250 of 255 records rejected"


def test_a_feed_with_old_readings_raises_a_feed_alert_that_says_how_old():
    since = NOW - timedelta(days=5)  # when its newest reading passed the limit
    alerts = kpis.feed_alerts([], [], [("traffic", since, 6 * 86400 + 120)])
    assert [(a.key, a.at, a.title) for a in alerts] == [
        ("feed:traffic", since, "Feed traffic: newest reading 6 d old")
    ]
