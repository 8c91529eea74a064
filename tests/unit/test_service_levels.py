"""Service levels: due times on the clock and in working hours, across weekends, holidays
and the clock changes of the city's time zone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.service_levels import WorkingClock, due_at, due_times, order_due_at
from config import Settings
from config.service_levels import ServiceLevelSettings

TZ = "Europe/Helsinki"
HEL = ZoneInfo(TZ)


def local(*parts) -> datetime:
    return datetime(*parts, tzinfo=HEL)


def clock(**levels) -> WorkingClock:
    return WorkingClock.of(ServiceLevelSettings(**levels), TZ)


def test_clock_hours_are_elapsed_hours_across_the_spring_clock_change():
    # 2026-03-29 04:00 local the clocks go from +02 to +03: 24 hours later reads 13:00
    due = due_at(local(2026, 3, 28, 12, 0), 24)
    assert due == local(2026, 3, 29, 13, 0)
    assert due - local(2026, 3, 28, 12, 0) == timedelta(hours=24)


def test_working_hours_run_over_the_weekend_and_the_autumn_clock_change():
    # Friday 15:00 (+03) with 8 working hours: 1 on Friday, 7 on Monday (+02 by then)
    due = due_at(local(2026, 10, 23, 15, 0), 8, clock())
    assert due.astimezone(HEL) == local(2026, 10, 26, 15, 0)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 13, 0, tzinfo=UTC)


def test_a_request_before_opening_starts_counting_at_opening():
    assert due_at(local(2026, 12, 7, 6, 30), 2, clock()) == local(2026, 12, 7, 10, 0)


def test_a_target_that_ends_at_closing_time_is_due_that_day():
    assert due_at(local(2026, 12, 7, 15, 0), 1, clock()) == local(2026, 12, 7, 16, 0)


def test_a_request_at_closing_time_waits_for_the_next_working_day():
    assert due_at(local(2026, 12, 7, 16, 0), 1, clock()) == local(2026, 12, 8, 9, 0)


def test_holidays_and_days_off_are_skipped():
    # Thursday 2026-12-24 and Friday 12-25 are holidays; the weekend is off
    working = clock(holidays=[date(2026, 12, 24), date(2026, 12, 25)])
    assert due_at(local(2026, 12, 23, 12, 0), 6, working) == local(2026, 12, 28, 10, 0)


def test_a_city_working_on_saturdays():
    working = clock(working_hours={"days": ["sat"], "start": "10:00", "end": "14:00"})
    assert due_at(local(2026, 12, 7, 12, 0), 5, working) == local(2026, 12, 19, 11, 0)


def test_due_times_take_the_feeds_time_then_each_types_level():
    levels = ServiceLevelSettings(
        default_target_hours=72,
        types={"GRF": {"target_hours": 4}, "STL": {"target_hours": 8, "working_hours": True}},
    )
    friday = local(2026, 10, 23, 15, 0).astimezone(UTC)
    requests = pd.DataFrame({
        "service_code": ["GRF", "STL", "XYZ", "GRF"],
        "requested_at": pd.to_datetime([friday] * 4, utc=True),
        "expected_at": pd.to_datetime([None, None, None, friday + timedelta(hours=1)], utc=True),
    })  # fmt: skip
    due = list(due_times(requests, levels, TZ))
    assert due == [
        friday + timedelta(hours=4),
        local(2026, 10, 26, 15, 0),
        friday + timedelta(hours=72),
        friday + timedelta(hours=1),
    ]
    assert order_due_at(friday, "STL", levels, TZ) == local(2026, 10, 26, 15, 0)


def test_unworkable_working_hours_are_refused():
    with pytest.raises(ValueError, match="end .* before they start"):
        ServiceLevelSettings(working_hours={"start": "16:00", "end": "08:00"})
    with pytest.raises(ValueError, match="working days"):
        ServiceLevelSettings(working_hours={"days": ["monday"]})


def test_a_config_from_before_service_levels_keeps_its_targets():
    settings = Settings(complaint_target_h={"GRF": 4.0}, complaint_default_target_h=48)
    assert settings.service_levels.level("GRF").target_hours == 4.0
    assert settings.service_levels.level("POT").target_hours == 48
