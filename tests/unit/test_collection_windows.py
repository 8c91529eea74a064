"""Collection windows on a hand-made 6-node road graph, against values worked out by hand."""

import math
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from analytics.fill_forecast import fill_forecasts
from analytics.profiles import TravelTimes
from analytics.windows import plan_round, rank_windows
from services.collection import travel_time_profiles
from tests.helpers.roads import both_ways

DAY = datetime(2026, 11, 24, tzinfo=UTC)  # a Tuesday
BASE_S = {"da": 60, "ab": 120, "dc": 60, "cb": 300, "df": 100}


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, seconds=second)


@pytest.fixture
def net():
    """D(epot) - A - B, D - C - B, D - F; every street both ways. A-B jams 08:00-09:00."""
    return both_ways(BASE_S, travel_time)


def travel_time(segment_id: str, when: datetime) -> float:
    rush = segment_id == "ab" and 8 <= when.hour < 9
    return BASE_S[segment_id] * (5 if rush else 1)


def test_times_between_places_follow_the_slot(net):
    off_peak = net.seconds(("D", "B"), at(7, 14))
    assert off_peak[0, 1] == 180  # D-A 60 s, A-B 120 s
    rush = net.seconds(("D", "B"), at(8))
    assert rush[0, 1] == 360  # A-B takes 600 s now: D-C-B (60 + 300 s) wins
    assert rush[1, 0] == 360


def test_a_round_visits_the_nearest_stop_first_and_counts_overflow(net):
    plan = plan_round(net, "D", ["B", "F"], at(8), full_at={"B": at(8, 5)})
    assert plan.order == ["F", "B"]
    assert plan.arrivals == [at(8, 1, 40), at(8, 9, 20)]  # F; back through D, then C
    assert plan.end == at(8, 15, 20)  # B-C-D: the jammed A-B is avoided
    assert plan.overflowing == ["B"]  # full at 08:05, reached at 08:09:20
    assert plan.minutes == pytest.approx(15 + 20 / 60)


def test_windows_rank_by_driving_minutes_plus_the_overflow_penalty(net):
    due = {"B": at(6), "F": at(7, 30)}  # when each needs service
    ranked = rank_windows(
        net, "D", [at(7), at(8), at(10)], due, {"B": at(8, 5)}, overflow_penalty_min=30,
    )  # fmt: skip
    assert [w.start for w in ranked] == [at(7), at(10), at(8)]
    assert [w.minutes for w in ranked] == pytest.approx([6, 9 + 20 / 60, 15 + 20 / 60])
    assert [w.overflowing for w in ranked] == [0, 1, 1]
    assert [w.cost for w in ranked] == pytest.approx([6, 39 + 20 / 60, 45 + 20 / 60])


def test_hours_not_allowed_rank_last(net):
    ranked = rank_windows(
        net, "D", [at(7), at(10)], {"B": at(6)}, {}, 30,
        allowed=lambda start: start.hour >= 9,
    )  # fmt: skip
    assert [(w.start, w.allowed) for w in ranked] == [(at(10), True), (at(7), False)]


def test_profiles_take_the_median_per_day_type_and_slot():
    times = [at(8, 1), at(8, 7) + timedelta(days=7), at(8, 14) + timedelta(days=1), at(10)]
    readings = pd.DataFrame(
        {
            "segment_id": ["ab"] * 4 + ["ab"],
            "observed_at": pd.to_datetime(times + [at(8, 5) + timedelta(days=4)]),  # Saturday
            "travel_time_s": [500.0, 700.0, 600.0, 120.0, 200.0],
        }
    )
    con = duckdb.connect()
    con.register("readings", readings)
    profiles = travel_time_profiles(con, "readings", "UTC")
    assert profiles.loc[("ab", "weekday", 32), "travel_time_s"] == 600  # 08:00-08:15
    assert profiles.loc[("ab", "weekday", 32), "readings"] == 3
    assert profiles.loc[("ab", "saturday", 32), "travel_time_s"] == 200
    times_ = TravelTimes(profiles, {"ab": 120.0}, "UTC", now=at(8), observed_s={"ab": 900.0})
    assert times_.at("ab", at(8)) == 900  # now: what is observed
    w = math.exp(-10 / 60)  # ten minutes on, the observation weighs e^(-10/60)
    assert times_.at("ab", at(8, 10)) == pytest.approx(900 * w + 600 * (1 - w))
    w = math.exp(-5)  # at 13:00 there is no history: the observation decays to free flow
    assert times_.at("ab", at(13)) == pytest.approx(900 * w + 120 * (1 - w))
    assert TravelTimes(profiles, {"ab": 120.0}, "UTC").at("ab", at(13)) == 120


def test_fill_forecast_extrapolates_the_rate_since_the_last_collection():
    readings = pd.DataFrame(
        {
            "container_id": ["c1"] * 5 + ["c2"] * 2,
            "observed_at": pd.to_datetime([at(1), at(2), at(4), at(5), at(6), at(5), at(6)]),
            "fill_level": [0.9, 0.1, 0.3, 0.4, 0.5, 0.3, 0.3],
        }
    )
    collections = pd.DataFrame({"container_id": ["c1"], "collected_at": [at(1, 30)]})
    f = fill_forecasts(readings, collections, now=at(6), threshold=0.8)
    assert f.loc["c1", "rate_per_h"] == pytest.approx(0.1)  # 0.1 at 02:00 ... 0.5 at 06:00
    assert f.loc["c1", "threshold_at"] == at(9)
    assert f.loc["c1", "full_at"] == at(11)
    assert f.loc["c2", "rate_per_h"] == 0 and pd.isna(f.loc["c2", "full_at"])


def test_fill_forecast_before_any_collection_or_reading():
    """A report of a moment before the data began (a weekly slot older than the history)."""
    readings = pd.DataFrame(
        {"container_id": ["c1", "c1"], "observed_at": pd.to_datetime([at(4), at(6)]),
         "fill_level": [0.2, 0.4]}
    )  # fmt: skip
    never = pd.DataFrame({"container_id": [], "collected_at": pd.to_datetime([], utc=True)})
    f = fill_forecasts(readings, never, now=at(6), threshold=0.8)
    assert f.loc["c1", "rate_per_h"] == pytest.approx(0.1)
    assert f.loc["c1", "threshold_at"] == at(10)
    empty = fill_forecasts(readings.iloc[:0], never, now=at(6), threshold=0.8)
    assert empty.empty


def test_the_reason_names_the_saving_the_jammed_streets_and_the_overflow():
    from analytics.reasons import explain
    from analytics.windows import Window

    ranked = [
        Window(at(5), 12.0, 0, True, 12.0),  # 07:00 Helsinki
        Window(at(12), 14.0, 4, True, 94.0),  # 14:00
        Window(at(15), 35.0, 6, True, 155.0),  # 17:00
        Window(at(21), 10.0, 0, False, 10.0),  # 23:00, not allowed
    ]
    streets = {at(15): ["Mannerheimintie", "Kaivokatu"]}
    text = explain(ranked, lambda when: streets.get(when, []), "Europe/Helsinki")
    assert text == (
        "07:00 saves 23 min over 17:00; Mannerheimintie and Kaivokatu are congested at "
        "17:00; 4 more containers overflow if you wait until 14:00"
    )
    flat = [Window(at(5), 12.0, 0, True, 12.0), Window(at(6), 12.2, 0, True, 12.2)]
    assert explain(flat, lambda _: [], "Europe/Helsinki") == (
        "07:00: driving time hardly changes over the day"
    )


def test_routes_share_the_stops_among_trucks_and_leave_out_what_does_not_fit(net):
    from analytics.collection_routes import Stop, route_window

    streets = {seg: ([[0.0, 0.0], [1.0, 1.0]], 500.0) for seg in BASE_S}
    stops = [Stop("B", ["b1", "b2"], 30.0, 1.0, 1.0), Stop("F", ["f1"], 30.0, 2.0, 2.0)]
    one = route_window(net, "D", stops, at(8), 1, 40, 0.0, streets)
    assert len(one["vehicles"]) == 1 and len(one["unserved"]) == 1
    served = one["vehicles"][0]["stops"][0]
    left = one["unserved"][0]["containers"]
    assert {tuple(served["containers"]), tuple(left)} == {("b1", "b2"), ("f1",)}

    two = route_window(net, "D", stops, at(8), 2, 40, 0.0, streets)
    assert two["unserved"] == [] and two["totals"]["containers"] == 3
    to_f = next(v for v in two["vehicles"] if v["stops"][0]["containers"] == ["f1"])
    assert to_f["stops"][0]["arrival"] == at(8, 1, 40).isoformat()  # D-F: 100 s
    assert to_f["km"] == 1.0 and to_f["driving_minutes"] == pytest.approx(200 / 60, abs=0.05)
    to_b = next(v for v in two["vehicles"] if v["stops"][0]["containers"] == ["b1", "b2"])
    assert to_b["km"] == 2.0  # out and back over two streets each way, 500 m apiece


def test_overflow_counts_containers_and_quiet_hours_cover_the_round_to_its_end(net):
    # two containers at B are full at 08:05; a round from 08:00 reaches B at 08:09:20
    ranked = rank_windows(
        net, "D", [at(8)], {"B": at(6), "F": at(6)}, {"B": [at(8, 5), at(8, 6)], "F": []}, 30
    )
    assert ranked[0].overflowing == 2 and ranked[0].cost == pytest.approx(15 + 20 / 60 + 60)

    def before_22(when):  # quiet from 22:00
        return when.hour < 22

    # D-A-B and back at free flow: 6 min, so 21:54 ends at 22:00 exactly and 21:55 does not
    fits, spills = rank_windows(net, "D", [at(21, 54), at(21, 55)], {"B": at(6)}, {}, 30, before_22)
    assert (fits.start, fits.allowed) == (at(21, 54), True)
    assert (spills.start, spills.allowed) == (at(21, 55), False)
