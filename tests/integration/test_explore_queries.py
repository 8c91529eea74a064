"""The queries behind /explore's history panels, on a small DuckDB built here."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sim.demo_history import backfill_demo
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
        glass = explore.layer_rows(
            cur, "waste", {"waste_type": ["glass"]}, personal=False, window=_window(NOW)
        )
        everything = explore.layer_rows(cur, "waste", {}, personal=False, window=_window(NOW))
        hidden = explore.layer_rows(
            cur, "complaints", {"service": ["Graffiti"]}, personal=False, window=_window(NOW)
        )
        shown = explore.layer_rows(
            cur, "complaints", {"service": ["Graffiti"]}, personal=True, window=_window(NOW)
        )
    assert glass.num_rows == int((demo_city.containers["waste_type"] == "glass").sum())
    assert everything.num_rows == len(demo_city.containers)
    assert "description" not in hidden.column_names and "address" not in hidden.column_names
    assert shown.column("description").to_pylist() == ["call me on 040 123"]


def _window(at: datetime, days: int = 7) -> explore.Window:
    return explore.Window(NOW - timedelta(days=days), NOW, at)


def test_frame_gives_each_container_its_fill_at_that_moment(history, demo_city):
    t0, t1 = NOW - timedelta(hours=30), NOW - timedelta(hours=2)
    with history.reading() as cur:
        f0, f1 = (json.loads(explore.frame(cur, t)) for t in (t0, t1))
    assert f0["at"] == int(t0.timestamp())
    assert len(f0["waste"]) == len(demo_city.containers)
    assert len(f1["traffic"]) == len(demo_city.segments)
    expected = demo_city.waste(np.array([int(t1.timestamp())]))["fill_level"][0]
    by_id = dict(zip(demo_city.containers["container_id"], expected, strict=True))
    assert all(abs(f1["waste"][k] - by_id[k]) <= 0.006 for k in f1["waste"])
    assert sum(f0["waste"][k] != f1["waste"][k] for k in f0["waste"]) > len(f0["waste"]) / 2
    # before the history starts there is nothing to show
    with history.reading() as cur:
        empty = json.loads(explore.frame(cur, NOW - timedelta(days=30)))
    assert empty["waste"] == {} and empty["traffic"] == {}


def _request(request_id: str, opened: datetime, closed: datetime | None, service="Litter"):
    return {
        "source": "311",
        "request_id": request_id,
        "status": "closed" if closed else "open",
        "service_name": service,
        "lon": 24.9410,
        "lat": 60.1690,
        "requested_at": opened,
        "updated_at": closed or opened,
    }


@pytest.fixture
def requests(store):
    rows = [
        _request("old", NOW - timedelta(days=20), NOW - timedelta(days=15)),  # before the range
        _request("closed", NOW - timedelta(days=3), NOW - timedelta(days=1)),
        _request("open", NOW - timedelta(days=2), None, service="Graffiti"),
        _request("new", NOW - timedelta(hours=1), None),
    ]
    with store.transaction() as cur:
        upsert(cur, "service_requests", to_arrow("service_requests", rows))
        for r in rows:
            cur.execute(
                "INSERT INTO service_request_events VALUES ('311', ?, 'open', ?)",
                [r["request_id"], r["requested_at"]],
            )
            if r["status"] == "closed":
                cur.execute(
                    "INSERT INTO service_request_events VALUES ('311', ?, 'closed', ?)",
                    [r["request_id"], r["updated_at"]],
                )
    return store


def test_the_complaints_layer_shows_requests_as_they_were_at_the_moment(requests):
    two_days_ago = NOW - timedelta(days=2, hours=-1)
    with requests.reading() as cur:

        def shown(at, **filters):
            fc = json.loads(explore.requests_geojson(cur, _window(at), filters, personal=False))
            return {f["properties"]["id"]: f["properties"]["status"] for f in fc["features"]}

        # "old" closed before the range began; the rest were open in it
        assert shown(NOW) == {"closed": "closed", "open": "open", "new": "open"}
        assert shown(two_days_ago) == {"closed": "open", "open": "open"}  # "new" not yet filed
        assert shown(NOW, status=["open"], service=["Litter"]) == {"new": "open"}
        fc = json.loads(explore.requests_geojson(cur, _window(NOW), {}, personal=False))
    assert all("description" not in f["properties"] for f in fc["features"])


def test_a_reopened_request_is_open(requests):
    with requests.transaction() as cur:
        cur.execute("UPDATE service_requests SET status = 'open' WHERE request_id = 'closed'")
        rows = explore.layer_rows(cur, "complaints", {"status": ["open"]}, False, _window(NOW))
    assert "closed" in rows.column("request_id").to_pylist()


def test_complaint_rows_follow_the_slider_moment_and_status(requests):
    two_days_ago = NOW - timedelta(days=2, hours=-1)
    with requests.reading() as cur:

        def ids(at, status=()):
            rows = explore.layer_rows(
                cur, "complaints", {"status": list(status)}, False, _window(at)
            ).to_pylist()
            return {r["request_id"]: r["status"] for r in rows}

        assert ids(NOW) == {"closed": "closed", "open": "open", "new": "open"}
        assert ids(NOW, ["open"]) == {"open": "open", "new": "open"}
        # two days ago: "closed" was still open, "new" not filed yet
        assert ids(two_days_ago, ["open"]) == {"closed": "open", "open": "open"}
        assert ids(two_days_ago, ["closed"]) == {}


def test_hotspots_count_requests_per_cell_with_median_days_open(requests):
    with requests.reading() as cur:
        fc = json.loads(
            explore.hotspots_geojson(cur, _window(NOW), {"status": ["open"]}, resolution=9)
        )
    (cell,) = fc["features"]  # all four share a position
    assert cell["properties"]["requests"] == 2  # "open" and "new"
    assert cell["properties"]["median_days"] == pytest.approx((2 + 1 / 24) / 2, abs=0.05)
    ring = cell["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 7


def test_container_rows_at_a_moment_match_the_frame_and_narrow_to_ids(history, demo_city):
    at = NOW - timedelta(hours=30)
    with history.reading() as cur:
        frame = json.loads(explore.frame(cur, at))["waste"]
        rows = explore.layer_rows(cur, "waste", {}, False, _window(at)).to_pylist()
        some = [r["container_id"] for r in rows[:3]]
        narrowed = explore.layer_rows(cur, "waste", {}, False, _window(at), ids=some)
    assert len(rows) == len(demo_city.containers)
    assert all(abs(r["fill_pct"] - frame[r["container_id"]] * 100) < 0.6 for r in rows)
    assert narrowed.column("container_id").to_pylist() == some


def test_a_table_page_is_sorted_filtered_and_counted_in_duckdb(history, demo_city):
    with history.reading() as cur:
        everything = explore.layer_rows(
            cur, "waste", {}, False, _window(NOW - timedelta(hours=1))
        ).to_pylist()
        page, total = explore.layer_page(
            cur,
            "waste",
            {},
            False,
            _window(NOW - timedelta(hours=1)),
            sort=[{"colId": "container_id", "sort": "desc"}],
            grid_filters={
                "waste_type": {"filterType": "text", "type": "contains", "filter": "GLA"},
                "fill_pct": {"filterType": "number", "type": "greaterThan", "filter": 20},
            },
            offset=2,
            limit=3,
        )
    matching = sorted(
        (r for r in everything if r["waste_type"] == "glass" and (r["fill_pct"] or 0) > 20),
        key=lambda r: r["container_id"],
        reverse=True,
    )
    assert total == len(matching) > 5
    assert page.column("container_id").to_pylist() == [r["container_id"] for r in matching[2:5]]
    # the layer's own order, most urgent first, when the table is not sorted
    assert [r["fill_pct"] for r in everything if r["fill_pct"] is not None] == sorted(
        (r["fill_pct"] for r in everything if r["fill_pct"] is not None), reverse=True
    )
    with history.reading() as cur, pytest.raises(ValueError, match="unsupported"):
        explore.layer_page(
            cur, "waste", {}, False, _window(NOW - timedelta(hours=1)),
            grid_filters={"address": {"filterType": "text", "type": "regex", "filter": "x"}},
        )  # fmt: skip
