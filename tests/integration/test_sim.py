"""The demo city is deterministic and behaves like a city."""

from datetime import UTC, datetime

import numpy as np

from sim.clock import to_local_seconds
from sim.model import DemoCity

TZ = "Europe/Helsinki"
TUESDAY = int(datetime(2026, 11, 17, tzinfo=UTC).timestamp())


def local_time(day_start_utc, hour):
    return day_start_utc + int(hour * 3600) - 2 * 3600  # Helsinki is UTC+2 in November


def test_same_seed_same_city_and_same_data(city):
    a, b = DemoCity(city, 7, 100, TZ), DemoCity(city, 7, 100, TZ)
    times = np.array([TUESDAY + 3600 * h for h in range(0, 24, 3)])
    assert a.containers.equals(b.containers)
    assert np.array_equal(a.traffic(times)["speed_kmh"], b.traffic(times)["speed_kmh"])
    assert np.array_equal(a.waste(times)["fill_level"], b.waste(times)["fill_level"])
    assert a.requests_as_of(TUESDAY, TUESDAY - 3 * 86400).equals(
        b.requests_as_of(TUESDAY, TUESDAY - 3 * 86400)
    )


def test_order_of_questions_does_not_change_answers(city):
    a, b = DemoCity(city, 7, 50, TZ), DemoCity(city, 7, 50, TZ)
    t = np.array([TUESDAY + 8 * 3600])
    b.traffic(np.array([TUESDAY]))  # ask b something else first
    assert np.array_equal(a.traffic(t)["speed_kmh"], b.traffic(t)["speed_kmh"])


def test_another_seed_gives_another_city(city):
    a, b = DemoCity(city, 7, 100, TZ), DemoCity(city, 8, 100, TZ)
    assert not np.allclose(a.containers["lon"], b.containers["lon"])


def test_weekday_rush_hour_is_slower_than_the_night(demo_city):
    primary = (demo_city.segments["road_class"] == "primary").to_numpy()
    rush, night = local_time(TUESDAY, 8), local_time(TUESDAY, 3)
    speeds = demo_city.traffic(np.array([rush, night]))["speed_kmh"][:, primary].mean(axis=1)
    assert speeds[0] < 0.6 * speeds[1]


def test_bins_fill_up_and_are_emptied_by_collections(demo_city):
    times = np.arange(TUESDAY, TUESDAY + 7 * 86400, 900)
    fill = demo_city.waste(times)["fill_level"]
    collections = demo_city.collections_between(int(times[0]), int(times[-1]))
    assert len(collections) > len(demo_city.containers)  # every bin emptied at least once a week
    first = collections.iloc[len(collections) // 2]
    c = demo_city.containers.index[demo_city.containers["container_id"] == first.container_id][0]
    step = np.searchsorted(times, first.collected_at_s)
    assert fill[step - 1, c] > fill[step + 1, c]  # emptied: lower right after the collection
    assert (np.diff(fill[:, c]) > 0).mean() > 0.5  # and filling most of the time


def test_complaints_arrive_mostly_by_day_and_close_later(demo_city):
    frame = demo_city.requests_as_of(TUESDAY + 7 * 86400, TUESDAY)
    hours = (to_local_seconds(frame["requested_s"].to_numpy(), TZ) % 86400) // 3600
    assert ((hours >= 7) & (hours < 22)).mean() > 0.75
    assert (frame["closed_s"] > frame["requested_s"]).all()
    assert set(frame["status"]) == {"open", "closed"}
    assert frame["service_request_id"].is_unique
