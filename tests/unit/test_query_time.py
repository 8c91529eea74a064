"""Times as the public endpoints' query strings carry them (analytics.query_time)."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from analytics.query_time import query_time

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_offsets_zones_and_a_plus_the_query_string_made_a_space():
    assert query_time("2026-11-24T10:00:00Z", HELSINKI) == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert query_time("2026-11-24T10:00:00 02:00", UTC) == datetime(
        2026, 11, 24, 10, tzinfo=timezone(timedelta(hours=2)))
    assert query_time("2026-11-24 10:00:00", HELSINKI) == datetime(  # no offset: the zone's
        2026, 11, 24, 10, tzinfo=HELSINKI)


@pytest.mark.parametrize("text", ["yesterday", "", "2026-13-01", "0001-01-01T00:00:00+01:00",
                                  "9999-12-31T23:59:59-01:00"])
def test_what_is_no_time_or_past_the_calendars_ends_is_refused(text):
    with pytest.raises(ValueError):
        query_time(text, UTC)
