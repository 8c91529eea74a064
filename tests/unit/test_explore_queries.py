"""The queries behind /explore's history panels, on a small DuckDB built here."""

from datetime import UTC, datetime, timedelta

import pytest

from jobs.bootstrap import backfill_demo
from store import explore
from store.schema import to_arrow
from store.upsert import upsert

NOW = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture
def history(store, demo_city):
    backfill_demo(store, demo_city, days=8, step_minutes=60, now=NOW)
    return store


def test_container_history_has_readings_and_the_collections_between_them(history, demo_city):
    container = demo_city.containers.iloc[0]
    with history.reading() as cur:
        h = explore.container_history(cur, container.container_id, NOW - timedelta(days=7), NOW)
    readings = h["readings"].to_pandas()
    assert len(readings) == 7 * 24  # hourly readings over a week
    assert readings["observed_at"].is_monotonic_increasing
    expected = demo_city.collections_between(
        int((NOW - timedelta(days=7)).timestamp()), int(NOW.timestamp())
    )
    expected = expected[expected["container_id"] == container.container_id]
    assert h["collections"].num_rows == len(expected) > 0
    # the fill drops right after each collection
    first = h["collections"].to_pandas()["collected_at"].iloc[0]
    before = readings[readings["observed_at"] < first]["fill_level"].iloc[-1]
    after = readings[readings["observed_at"] > first]["fill_level"].iloc[0]
    assert after < before


def test_segment_weekday_profile_shows_the_rush_hour(history, demo_city):
    primary = demo_city.segments[demo_city.segments["road_class"] == "primary"].iloc[0]
    with history.reading() as cur:
        h = explore.segment_history(
            cur, primary.segment_id, NOW - timedelta(days=7), NOW, "Europe/Helsinki"
        )
    profile = h["profile"].to_pandas().set_index("hour")["speed_kmh"]
    assert set(profile.index) == set(range(24))
    assert profile[8] < 0.7 * profile[3]  # 08:00 local is slower than 03:00 on weekdays


def test_complaint_timeline_lists_each_status_once_in_order(store):
    row = {
        "source": "311",
        "request_id": "r1",
        "status": "open",
        "lon": 24.94,
        "lat": 60.17,
        "requested_at": NOW - timedelta(hours=5),
        "updated_at": NOW - timedelta(hours=5),
    }
    with store.transaction() as cur:
        upsert(cur, "service_requests", to_arrow("service_requests", [row]))
        cur.execute(
            "INSERT INTO service_request_events VALUES "
            "('311', 'r1', 'open', $a), ('311', 'r1', 'closed', $b)",
            {"a": NOW - timedelta(hours=5), "b": NOW - timedelta(hours=1)},
        )
        timeline = explore.complaint_timeline(cur, "311", "r1").to_pylist()
        record = explore.feature_record(cur, "complaints", "r1")
    assert [t["status"] for t in timeline] == ["open", "closed"]
    assert record["request_id"] == "r1" and record["status"] == "open"


def test_filter_choices_come_from_the_data(history, city):
    with history.reading() as cur:
        choices = explore.filter_choices(cur)
    assert {z for z, _ in choices["zone"]} == set(city.zones["zone_id"])
    assert set(choices["waste_type"]) == {"mixed", "organic", "paper", "glass"}
    assert "primary" in choices["road_class"]


def test_layer_rows_follow_the_filters_and_hide_citizens_text(history, demo_city):
    with history.transaction() as cur:
        upsert(
            cur,
            "service_requests",
            to_arrow(
                "service_requests",
                [
                    {
                        "source": "311",
                        "request_id": "r9",
                        "status": "open",
                        "service_name": "Graffiti",
                        "description": "call me on 040 123",
                        "address": "Kotikatu 3",
                        "lon": 24.94,
                        "lat": 60.17,
                        "requested_at": NOW,
                    }
                ],
            ),
        )
    with history.reading() as cur:
        glass = explore.layer_rows(cur, "waste", {"waste_type": ["glass"]}, personal=False)
        everything = explore.layer_rows(cur, "waste", {}, personal=False)
        hidden = explore.layer_rows(cur, "complaints", {"service": ["Graffiti"]}, personal=False)
        shown = explore.layer_rows(cur, "complaints", {"service": ["Graffiti"]}, personal=True)
    assert glass.num_rows == int((demo_city.containers["waste_type"] == "glass").sum())
    assert everything.num_rows == len(demo_city.containers)
    assert "description" not in hidden.column_names and "address" not in hidden.column_names
    assert shown.column("description").to_pylist() == ["call me on 040 123"]
