"""File and open-data export connectors: CSV, GeoJSON and Parquet, from a path or a URL."""

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from flask import Flask, Response

from config import ConnectorSettings
from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from store import Store
from tests.helpers import TZ

ROOT = Path(__file__).resolve().parents[2]
LA_EXCERPT = ROOT / "tests" / "fixtures" / "la311_excerpt.csv"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def la311_settings(url: str) -> ConnectorSettings:
    """The worked example mapping shipped in docs/examples/la311.toml, pointed at `url`."""
    example = tomllib.loads((ROOT / "docs" / "examples" / "la311.toml").read_text())
    return ConnectorSettings(**{**example["connectors"][0], "url": url})


@pytest.fixture
def la_store(tmp_path):
    """A store without a city model: Los Angeles is not in the test city (Helsinki), whose
    extent would quarantine every request as out of place."""
    db = Store(tmp_path / "la.duckdb")
    yield db
    db.close()


def ledger(store, name):
    with store.reading() as cur:
        return cur.execute(
            "SELECT fetched, inserted, updated, unchanged, quarantined, status, error, warnings "
            "FROM ingest_runs WHERE connector = ? ORDER BY run_id",
            [name],
        ).fetchall()


def query(store, sql, params=()):
    with store.reading() as cur:
        return cur.execute(sql, list(params)).fetchall()


def serve_file(path: Path, content_type: str):
    app = Flask("exports")
    app.add_url_rule(
        "/export",
        view_func=lambda: Response(path.read_bytes(), content_type=content_type),
    )
    return BackgroundServer(app)


def test_los_angeles_311_export_lands_with_local_times_and_declared_statuses(la_store):
    store = la_store
    connector = build_connector(la311_settings(str(LA_EXCERPT)), "America/Los_Angeles")
    first = run_connector(connector, store, now=NOW)
    run_connector(connector, store, now=NOW)  # the same export again

    assert first.status == "ok", first.error
    # 51 of the 264 rows have no coordinates: kept in quarantine, the rest land; read again,
    # the 51 the quarantine holds are unchanged like the rest
    assert ledger(store, "la311") == [
        (264, 213, 0, 0, 51, "ok", None, None),
        (264, 0, 0, 264, 0, "ok", None, None),
    ]
    reasons = query(store, "SELECT DISTINCT reason FROM quarantine WHERE connector = 'la311'")
    assert [r[0] for r in reasons] == ["missing or non-numeric coordinates: lon=None lat=None"]

    # "12/31/2017 11:59:58 PM" in Los Angeles is 07:59:58 UTC the next day
    request = query(
        store,
        "SELECT status, service_name, requested_at, updated_at, zipcode FROM service_requests "
        "WHERE source = 'la311' AND request_id = '1-870704831'",
    )[0]
    assert request[:2] == ("closed", "Homeless Encampment")
    assert request[2] == datetime(2018, 1, 1, 7, 59, 58, tzinfo=UTC)
    assert request[3] == datetime(2018, 4, 9, 16, 25, 28, tzinfo=UTC)
    assert request[4] == "90026"  # a number in the file, text in C3
    statuses = dict(
        query(
            store,
            "SELECT status, count(*) FROM service_requests WHERE source = 'la311' GROUP BY 1",
        )
    )
    assert statuses == {"closed": 209, "open": 4}  # Referred Out and Cancelled are closed
    events = query(
        store,
        "SELECT status FROM service_request_events WHERE request_id = '1-870704831' ORDER BY 1",
    )
    assert events == [("closed",), ("open",)]


def test_the_same_export_over_http_and_an_html_error_page(la_store):
    store = la_store
    with serve_file(LA_EXCERPT, "text/csv") as server:
        run = run_connector(
            build_connector(la311_settings(f"{server.url}/export"), TZ), store, now=NOW
        )
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 264, 213, 51)

    page = Path(store.path).parent / "error.html"
    page.write_text("<html><body>Service unavailable</body></html>")
    with serve_file(page, "text/html") as server:
        failed = run_connector(
            build_connector(la311_settings(f"{server.url}/export"), TZ), store, now=NOW
        )
    assert failed.status == "failed" and "HTML page" in failed.error


def test_a_renamed_column_fails_the_run_and_names_it(store, tmp_path):
    renamed = tmp_path / "renamed.csv"
    text = LA_EXCERPT.read_text()
    renamed.write_text(text.replace("CreatedDate", "Created Date", 1))
    run = run_connector(build_connector(la311_settings(str(renamed)), TZ), store, now=NOW)
    assert run.status == "failed"
    assert "CreatedDate named in the mapping are not in the file" in run.error
    assert query(store, "SELECT count(*) FROM service_requests WHERE source = 'la311'") == [(0,)]


def test_a_mapping_to_a_field_c3_does_not_have_is_a_clear_error():
    settings = la311_settings(str(LA_EXCERPT)).model_copy(
        update={"columns": {"request_id": "SRNumber", "complaint": "RequestType"}}
    )
    with pytest.raises(ValueError, match="complaint not C3 fields of complaints"):
        build_connector(settings, TZ)


def nyc_style_speeds(store, path: Path) -> tuple[str, str]:
    """A traffic-speed CSV like NYC DOT's: mph as text, floating local times, `-1` for no
    data, and links given as `lat,lon lat,lon …` (the last point cut off)."""
    known = query(store, "SELECT segment_id FROM road_segments ORDER BY segment_id LIMIT 1")[0][0]
    path.write_text(
        "id,speed,travel_time,data_as_of,link_points,link_name\n"
        f"{known},18.64,,2026-11-24T11:55:00.000,,Known street\n"
        '4616,24.85,,2026-11-24T11:55:00.000,"60.1699,24.9384 60.1710,24.9410 60.17",New link\n'
        '4616,12.43,,2026-11-24T11:50:00.000,"60.1699,24.9384 60.1710,24.9410",New link\n'
        '4620,-1,,2026-11-24T11:55:00.000,"60.1601,24.9301 60.1612,24.9322",No reading\n'
        '4621,30,,2026-11-24T11:55:00.000,"60.16",Broken link\n'
    )
    return known, "4616"


def traffic_file_settings(url: str, **kw) -> ConnectorSettings:
    return ConnectorSettings(
        name="speeds",
        kind="file",
        url=url,
        domain="traffic",
        speed_unit="mph",
        no_data_by_field={"speed": ["-1"]},
        columns={
            "segment_id": "id",
            "speed": "speed",
            "travel_time_s": "travel_time",
            "observed_at": "data_as_of",
            "line": "link_points",
            "name": "link_name",
        },
        **kw,
    )


def test_traffic_speeds_in_mph_with_new_links_drawn_from_their_points(store, tmp_path):
    known, new = nyc_style_speeds(store, tmp_path / "speeds.csv")
    run = run_connector(
        build_connector(traffic_file_settings(str(tmp_path / "speeds.csv")), TZ), store, now=NOW
    )
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 5, 3, 2)
    assert run.warnings == ["observed_at without UTC offset; read as Europe/Helsinki local time"]
    readings = dict(
        query(
            store,
            "SELECT segment_id || ' ' || strftime(observed_at AT TIME ZONE 'UTC', '%H:%M'), "
            "speed_kmh FROM traffic_readings WHERE source = 'speeds'",
        )
    )
    assert readings == {f"{known} 09:55": 30.0, f"{new} 09:55": 39.99, f"{new} 09:50": 20.0}
    ratio = query(
        store,
        "SELECT congestion_ratio FROM traffic_readings WHERE segment_id = ?",
        [known],
    )[0][0]
    assert ratio is not None  # the city model's free-flow speed applies to a known segment

    name, length, points = query(
        store,
        "SELECT name, length_m, ST_NPoints(geom) FROM road_segments WHERE segment_id = ?",
        [new],
    )[0]
    assert name == "New link" and points == 2  # the truncated "60.17" was dropped
    assert 180 < length < 200  # metres between the two points on the ellipsoid
    reasons = dict(query(store, "SELECT raw::JSON->>'id', reason FROM quarantine"))
    assert reasons["4620"] == "missing speed (column 'speed')"  # -1 = no data
    assert reasons["4621"].startswith("unknown road segment '4621' and no line")


def test_waste_readings_from_geojson_with_percent_as_text(store, tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.9402 + i / 1000, 60.1701]},
            "properties": {
                "bin": f"hki-{i}",
                "fill": str(10 * i),
                "measured": "2026-11-24T09:00:00Z",
            },
        }
        for i in range(5)
    ]
    features[4]["properties"]["fill"] = "140"
    features[3]["geometry"] = None
    path = tmp_path / "bins.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    settings = ConnectorSettings(
        name="bins",
        kind="file",
        url=str(path),
        domain="waste",
        columns={"container_id": "bin", "fill_percent": "fill", "observed_at": "measured"},
    )
    run = run_connector(build_connector(settings, TZ), store, now=NOW)
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 5, 3, 2)
    landed = query(
        store,
        "SELECT r.container_id, r.fill_level, round(ST_X(c.geom), 4) FROM waste_readings r "
        "JOIN waste_containers c USING (container_id) WHERE r.source = 'bins' ORDER BY 1",
    )
    assert landed == [("hki-0", 0.0, 24.9402), ("hki-1", 0.1, 24.9412), ("hki-2", 0.2, 24.9422)]
    reasons = sorted(r[0] for r in query(store, "SELECT reason FROM quarantine"))
    assert reasons[0].startswith("fill level 1.4 outside 0-1")
    assert reasons[1].startswith("missing or non-numeric coordinates")


def test_parquet_export_with_typed_columns_and_minus_one_as_no_data(store, tmp_path):
    known = query(store, "SELECT segment_id FROM road_segments ORDER BY segment_id LIMIT 2")
    table = pa.table(
        {
            "segment": [known[0][0], known[1][0], known[0][0]],
            "kmh": [42.0, -1.0, 21.0],
            "vehicles": [12, -1, 30],
            "at": pa.array(
                [
                    datetime(2026, 11, 24, 9, 0),
                    datetime(2026, 11, 24, 9, 0),
                    datetime(2026, 11, 24, 9, 5),
                ],
                pa.timestamp("us"),
            ),
        }
    )
    path = tmp_path / "speeds.parquet"
    pq.write_table(table, path)
    settings = ConnectorSettings(
        name="pq",
        kind="file",
        url=str(path),
        domain="traffic",
        source_timezone="UTC",
        no_data_by_field={"speed": ["-1"], "intensity": ["-1"]},
        columns={
            "segment_id": "segment",
            "speed": "kmh",
            "intensity": "vehicles",
            "observed_at": "at",
        },
    )
    run = run_connector(build_connector(settings, TZ), store, now=NOW)
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 3, 2, 1)
    assert run.warnings == []  # the time zone is declared
    rows = query(
        store,
        "SELECT speed_kmh, intensity, observed_at FROM traffic_readings WHERE source = 'pq' "
        "ORDER BY observed_at",
    )
    assert rows == [
        (42.0, 12.0, datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
        (21.0, 30.0, datetime(2026, 11, 24, 9, 5, tzinfo=UTC)),
    ]


def waste_csv_settings(path: Path, **kw) -> ConnectorSettings:
    return ConnectorSettings(
        name="bins-csv",
        kind="file",
        url=str(path),
        domain="waste",
        source_timezone="UTC",
        columns={"container_id": "bin", "observed_at": "at", "fill_level": "fill",
                 "temperature_c": "temp", "address": "street", "lon": "x", "lat": "y"},
        **kw,
    )  # fmt: skip


def test_a_broken_csv_line_is_quarantined_and_the_rest_of_the_file_lands(store, tmp_path):
    path = tmp_path / "bins.csv"
    path.write_bytes(
        b"bin,at,fill,temp,street,x,y\n"
        b'b1,2026-11-24 08:00,0.5,-1,"Aleksanterinkatu 1\nsecond line of the address",'
        b"24.95,60.17\n"  # a quoted newline is one value
        b"b1,2026-11-24 09:00,0.6,-1,,,\n"  # a known container needs no place again
        b"b2,2026-11-24 09:00,0.7,4,Mannerheimintie 5,24.94,60.17,surplus\n"  # 8 columns
        b"b3,2026-11-24 09:00,0.2,3,Esplanadi 2,24.95,60.167\n"
    )
    run = run_connector(build_connector(waste_csv_settings(path), TZ), store, now=NOW)
    assert (run.status, run.fetched, run.inserted, run.quarantined) == ("ok", 4, 3, 1)
    landed = query(
        store,
        "SELECT container_id, fill_level, temperature_c FROM waste_readings ORDER BY ALL",
    )
    # -1 °C is a reading: -1 is "no data" only where a mapping declares it
    assert landed == [("b1", 0.5, -1.0), ("b1", 0.6, -1.0), ("b3", 0.2, 3.0)]
    address = query(store, "SELECT address FROM waste_containers WHERE container_id = 'b1'")
    assert address == [("Aleksanterinkatu 1\nsecond line of the address",)]
    ((reason, raw),) = query(store, "SELECT reason, raw FROM quarantine")
    assert reason == "unreadable CSV line: 8 columns where the header has 7"
    assert "Mannerheimintie 5" in raw


def test_a_spreadsheet_export_in_another_encoding(store, tmp_path):
    path = tmp_path / "bins-cp1252.csv"
    line = "b1,2026-11-24 08:00,0.5,2,Töölöntorinkatu 2,24.93,60.18\n"
    path.write_bytes(("bin,at,fill,temp,street,x,y\n" + line).encode("cp1252"))
    unreadable = run_connector(build_connector(waste_csv_settings(path), TZ), store, now=NOW)
    assert unreadable.status == "failed" and "is `encoding` right?" in unreadable.error
    run = run_connector(
        build_connector(waste_csv_settings(path, encoding="cp1252"), TZ), store, now=NOW
    )
    assert (run.status, run.inserted) == ("ok", 1)
    assert query(store, "SELECT address FROM waste_containers") == [("Töölöntorinkatu 2",)]
