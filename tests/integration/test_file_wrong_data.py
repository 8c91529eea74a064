"""File exports whose values are wrong in ways that once landed silently: link points cut
off or out of place, times of day without a date, and complaints whose only sign of being
closed is a close date."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from config import ConnectorSettings
from connectors.runner import build_connector, run_connector
from store.explore import REQUEST_SPANS
from tests.helpers import TZ, rows
from tests.helpers.feeds import assert_ledger_adds_up

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def run_file(store, **settings):
    return run_connector(build_connector(ConnectorSettings(kind="file", **settings), TZ), store,
                         now=NOW)  # fmt: skip


# -- road links drawn from an export's points ----------------------------------------------
def speeds_csv(path: Path, links: dict[str, str]) -> Path:
    """NYC DOT's shape: one reading per link, its points as `lat,lon lat,lon …`."""
    lines = [f'{link},30,2026-11-24T09:55:00Z,"{points}"' for link, points in links.items()]
    path.write_text("id,speed,data_as_of,link_points\n" + "\n".join(lines) + "\n")
    return path


def run_speeds(store, path: Path):
    return run_file(store, name="nyc-speeds", url=str(path), domain="traffic",
                    speed_unit="mph", columns={"segment_id": "id", "speed": "speed",
                                               "observed_at": "data_as_of",
                                               "line": "link_points"})  # fmt: skip


def test_a_cut_last_pair_of_link_points_is_dropped_and_the_link_keeps_its_length(store, tmp_path):
    # the field was cut inside the last longitude: -7 is not where the link ends
    path = speeds_csv(tmp_path / "speeds.csv", {"4616": "40.7,-73.9 40.71,-73.91 40.76377,-7"})
    run = run_speeds(store, path)
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 1, 1, 0)
    ((points, length, west),) = rows(
        store,
        "SELECT ST_NPoints(geom), length_m, ST_XMin(geom) FROM road_segments "
        "WHERE segment_id = '4616'",
    )
    assert points == 2 and west == -73.91
    assert 1_300 < length < 1_500  # the 1.4 km between the two sane points, not 5,300 km
    assert rows(store, "SELECT speed_kmh FROM traffic_readings") == [(48.28,)]
    assert_ledger_adds_up(store)


def test_a_link_with_a_point_far_from_the_rest_or_far_longer_than_its_ends_is_quarantined(
    store, tmp_path
):
    path = speeds_csv(
        tmp_path / "speeds.csv",
        {
            "spike": "40.7,-73.9 40.71,-7 40.72,-73.92",  # a point 5,000 km off in the middle
            "detour": "40.70,-73.90 40.76,-73.90 40.70,-73.901",  # 13 km out and back
            "fine": "40.7,-73.9 40.705,-73.905 40.71,-73.91",
        },
    )
    run = run_speeds(store, path)
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 3, 1, 2)
    assert rows(store, "SELECT segment_id FROM road_segments WHERE segment_id "
                       "IN ('spike', 'detour', 'fine')") == [("fine",)]  # fmt: skip
    reasons = dict(rows(store, "SELECT raw::JSON->>'id', reason FROM quarantine"))
    assert reasons["spike"] == (
        "line point 2 of 3 (lat 40.71, lon -7.0) is 5,507 km from the points beside it "
        "(more than 10 km: out of place)"
    )
    assert reasons["detour"] == (
        "line is 13.3 km long between ends 0.1 km apart (more than 3 times the distance "
        "plus 2 km: a point out of place)"
    )
    assert_ledger_adds_up(store)


# -- times of day --------------------------------------------------------------------------
def bins_settings(path: Path, **kw) -> dict:
    columns = {"container_id": "bin", "observed_at": "time", "fill_percent": "fill",
               "lon": "x", "lat": "y", **kw.pop("columns", {})}  # fmt: skip
    return {"name": "bins", "url": str(path), "domain": "waste",
            "source_timezone": "America/New_York", "time_format": "%I:%M:%S %p",
            "columns": columns, **kw}  # fmt: skip


def test_a_time_format_without_a_date_is_a_config_error_naming_the_connector_and_key():
    error = r"connector 'bins': time_format '%I:%M:%S %p' has no date"
    with pytest.raises(ValueError, match=error):
        ConnectorSettings(kind="file", **bins_settings(Path("bins.csv")))
    # with the day in a column, or a fixed one, the same format is fine
    ConnectorSettings(kind="file", **bins_settings(Path("b.csv"), columns={"date": "day"}))
    ConnectorSettings(kind="file", **bins_settings(Path("b.csv"), date="2026-11-24"))


def test_times_of_day_land_on_the_date_of_their_date_column_or_the_fixed_date(store, tmp_path):
    path = tmp_path / "bins.csv"
    path.write_text(
        "bin,day,time,fill,x,y\n"
        "b1,11/23/2026,11:55:00 PM,40,24.95,60.17\n"  # New York, UTC-5: the next day in UTC
        "b1,11/24/2026,06:05:00 AM,45,24.95,60.17\n"
        "b2,07/04/2026,12:00:00 PM,10,24.94,60.17\n"  # summer time, UTC-4
        "b2,,12:30:00 PM,11,24.94,60.17\n"  # no date: cannot be placed in time
    )
    run = run_file(store, **bins_settings(path, columns={"date": "day"}, date_format="%m/%d/%Y"))
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 4, 3, 1)
    assert run.warnings == []
    landed = rows(store, "SELECT container_id, observed_at, fill_level FROM waste_readings "
                         "ORDER BY observed_at")  # fmt: skip
    assert landed == [
        ("b2", datetime(2026, 7, 4, 16, 0, tzinfo=UTC), 0.1),
        ("b1", datetime(2026, 11, 24, 4, 55, tzinfo=UTC), 0.4),
        ("b1", datetime(2026, 11, 24, 11, 5, tzinfo=UTC), 0.45),
    ]
    assert rows(store, "SELECT reason FROM quarantine") == [("missing date (column 'day')",)]

    one_day = run_file(store, **{**bins_settings(path), "name": "bins-day",
                                 "date": date(2026, 11, 20)})  # fmt: skip
    assert (one_day.status, one_day.inserted, one_day.quarantined) == ("ok", 4, 0)
    times = rows(store, "SELECT strftime(observed_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') "
                        "FROM waste_readings WHERE source = 'bins-day' ORDER BY 1")  # fmt: skip
    assert times == [("2026-11-20 11:05",), ("2026-11-20 17:00",), ("2026-11-20 17:30",),
                     ("2026-11-21 04:55",)]  # fmt: skip
    assert_ledger_adds_up(store)


# -- complaints closed by a date -----------------------------------------------------------
def test_complaints_without_a_status_column_are_open_or_closed_by_their_close_date(store, tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(
        "SRNumber,CreatedDate,UpdatedDate,ClosedDate,Latitude,Longitude\n"
        "r1,2026-11-20T08:00:00Z,2026-11-23T12:00:00Z,2026-11-21T09:30:00Z,60.17,24.94\n"
        "r2,2026-11-22T10:00:00Z,2026-11-22T11:00:00Z,,60.17,24.95\n"
        "r3,2026-11-22T12:00:00Z,,2026-11-22T12:45:00Z,60.16,24.95\n"
    )
    run = run_file(store, name="la2020", url=str(path), domain="complaints",
                   columns={"request_id": "SRNumber", "requested_at": "CreatedDate",
                            "updated_at": "UpdatedDate", "closed_at": "ClosedDate",
                            "lat": "Latitude", "lon": "Longitude"})  # fmt: skip
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 3, 3, 0)
    assert dict(rows(store, "SELECT request_id, status FROM service_requests")) == {
        "r1": "closed", "r2": "open", "r3": "closed"
    }  # fmt: skip
    # the screens' close time is the file's, not the later update of r1
    spans = dict(rows(store, f"SELECT request_id, closed_at FROM ({REQUEST_SPANS})"))
    assert spans == {
        "r1": datetime(2026, 11, 21, 9, 30, tzinfo=UTC),
        "r2": None,
        "r3": datetime(2026, 11, 22, 12, 45, tzinfo=UTC),
    }
    closings = rows(store, "SELECT request_id, changed_at FROM service_request_events "
                           "WHERE status = 'closed' ORDER BY 1")  # fmt: skip
    assert closings == [("r1", spans["r1"]), ("r3", spans["r3"])]
    assert_ledger_adds_up(store)


def test_a_complaints_mapping_needs_a_status_or_a_close_date():
    settings = ConnectorSettings(name="la", kind="file", url="x.csv", domain="complaints",
                                 columns={"request_id": "id", "requested_at": "created",
                                          "lat": "y", "lon": "x"})  # fmt: skip
    with pytest.raises(ValueError, match="la: the mapping needs status or closed_at"):
        build_connector(settings, TZ)
