"""The open data (issue 20), as someone downloading it sees it, without signing in: the
layers as GeoJSON and GeoParquet with their licence inside, a window's readings holding
exactly that window's (raw and rolled up), ETags that say when to fetch again, and
complaints that never carry a citizen's words or address. On both stores."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pyarrow.parquet as pq
import pytest
from shapely.geometry import Point

from app import create_app
from config import load_settings
from services.context import Services, attach_services
from store import open_data as od_store
from store.cache import Cache
from store.ledger import bump_version
from store.retention import hour_floor, roll_up_readings
from tests.helpers import TZ, rows, seed_demo_day
from tests.helpers.work_orders import add_order

LICENCE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
NOW = datetime.now(UTC)


@pytest.fixture
def app(dash_app, store, city, demo_city, tmp_path):
    seed_demo_day(store, demo_city, NOW)
    settings = load_settings(
        timezone=TZ, data_dir=tmp_path, auth="oidc",
        oidc={"issuer": "https://login.city.example", "client_id": "c3"},
        open_data={"licence": "ODbL 1.0", "licence_url": LICENCE_URL,
                   "public_per_minute": 100_000},  # the tests' many asks: not refused
    )  # fmt: skip
    svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds)
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    return dash_app["app"]


def licensed(answer) -> bool:
    return (answer.headers["Link"] == f'<{LICENCE_URL}>; rel="license"'
            and answer.headers["X-License"].startswith("ODbL 1.0")
            and answer.headers["Cache-Control"] == "public, max-age=60")  # fmt: skip


def test_the_layers_carry_their_data_and_licence_and_say_when_they_changed(app, store):
    client = app.server.test_client()  # nobody signed in
    answer = client.get("/open-data/v1/layers/containers.geojson")
    assert answer.status_code == 200 and answer.mimetype == "application/geo+json"
    assert licensed(answer) and answer.headers["ETag"].startswith('"')
    layer = answer.get_json()
    assert (layer["license"], layer["license_url"]) == ("ODbL 1.0", LICENCE_URL)
    assert layer["attribution"] == "Helsinki (central)"  # none set: the city's name
    fills = {f["properties"]["id"]: f["properties"]["fill"] for f in layer["features"]}
    latest = dict(rows(store, """SELECT container_id, round(arg_max(fill_level, observed_at), 2)
        FROM waste_readings WHERE observed_at > now() - INTERVAL 30 MINUTE GROUP BY ALL"""))
    assert len(fills) == rows(store, "SELECT count(*) FROM waste_containers")[0][0] > 100
    assert {c: f for c, f in fills.items() if f is not None} == latest and len(latest) > 100
    some = next(f["properties"] for f in layer["features"] if f["properties"]["fill"])
    assert some["observed_at"].endswith("Z") and some["address"]  # street furniture's

    # the same as GeoParquet: the same ids and places, and the licence in its metadata
    parquet = client.get("/open-data/v1/layers/containers.parquet")
    assert parquet.mimetype == "application/vnd.apache.parquet" and licensed(parquet)
    frame = gpd.read_parquet(io.BytesIO(parquet.data))
    assert frame.crs.to_epsg() == 4326
    assert dict(zip(frame["id"], frame["fill"].where(frame["fill"].notna(), None),
                    strict=True)) == fills  # fmt: skip
    places = {f["properties"]["id"]: Point(f["geometry"]["coordinates"])
              for f in layer["features"]}  # fmt: skip
    assert all(places[i].equals_exact(g, 1e-9) for i, g in zip(frame["id"], frame.geometry,
                                                                 strict=True))  # fmt: skip
    meta = pq.read_schema(io.BytesIO(parquet.data)).metadata
    assert meta[b"license"] == b"ODbL 1.0" and meta[b"license_url"] == LICENCE_URL.encode()
    assert b"geo" in meta  # GeoParquet's own

    # a new reading: a new data version, a new ETag and the new fill
    tag = answer.headers["ETag"]
    container = next(iter(latest))
    with store.transaction() as cur:
        cur.execute("INSERT INTO waste_readings (container_id, observed_at, fill_level, status) "
                    "VALUES (?, now(), 0.99, 'ok')",
                    [container])  # fmt: skip
        bump_version(cur, "waste")
    again = client.get("/open-data/v1/layers/containers.geojson", headers={"If-None-Match": tag})
    assert again.status_code == 200 and again.headers["ETag"] != tag
    assert {f["properties"]["id"]: f["properties"]["fill"]
            for f in again.get_json()["features"]}[container] == 0.99  # fmt: skip

    # every layer in both formats; a layer whose data did not change is not sent again
    for name in ("segments", "complaints", "hotspots", "zones"):
        geojson = client.get(f"/open-data/v1/layers/{name}.geojson")
        assert geojson.status_code == 200 and licensed(geojson), name
        assert len(geojson.get_json()["features"]) > 0, name
        parquet = client.get(f"/open-data/v1/layers/{name}.parquet")
        frame = gpd.read_parquet(io.BytesIO(parquet.data))
        assert len(frame) == len(geojson.get_json()["features"]), name
    zones = client.get("/open-data/v1/layers/zones.geojson")
    held = client.get("/open-data/v1/layers/zones.geojson",
                      headers={"If-None-Match": zones.headers["ETag"]})  # fmt: skip
    assert held.status_code == 304 and held.data == b"" and licensed(held)
    assert held.headers["ETag"] == zones.headers["ETag"]

    for url in ("/open-data/v1/layers/people.geojson", "/open-data/v1/layers/zones.shp"):
        missing = client.get(url)
        assert missing.status_code == 404 and list(missing.get_json()) == ["error"], url


def add_open_requests(store, n: int) -> None:
    """`n` more open requests of another source, at the first containers' places."""
    with store.transaction() as cur:
        cur.execute(
            """INSERT INTO service_requests (source, request_id, status, service_code,
                   service_name, description, requested_at, updated_at, address, lon, lat,
                   zone_id)
               SELECT 'other', 'x' || i, 'open', 'WST-OVF', 'Overflowing bin',
                      'Please call me on 040 765 4321', $now, $now, 'Mannerheimintie 99 C 7',
                      c.lon, c.lat, c.zone_id
               FROM range($n) t(i)
               JOIN (SELECT row_number() OVER (ORDER BY container_id) - 1 AS k, *
                     FROM waste_containers) c ON c.k = i % 50""",
            {"n": n, "now": NOW - timedelta(hours=1)},
        )  # fmt: skip
        bump_version(cur, "complaints")


def test_complaints_are_the_open311_servers_without_the_citizens_words_or_address(app, store):
    client = app.server.test_client()
    add_open_requests(store, 1100)  # more than one Open311 answer holds: all are in the layer
    fixed = rows(store, "SELECT request_id FROM service_requests WHERE source = 'complaints' "
                        "AND status = 'open' AND lon IS NOT NULL ORDER BY request_id")[0][0]
    add_order(store, "complaints", fixed, "validated", NOW, NOW)  # closed as published
    said = rows(store, "SELECT description, address FROM service_requests WHERE status = 'open'")
    words = {d for d, _ in said if d and len(d) > 12} | {a for _, a in said if a}
    assert len(words) > 10 and "Mannerheimintie 99 C 7" in words
    expected = {i for (i,) in rows(store, """
        SELECT CASE WHEN source = 'complaints' THEN request_id ELSE source || ':' || request_id
               END FROM service_requests WHERE status = 'open' AND lon IS NOT NULL""")}
    streets = {n for (n,) in rows(store, "SELECT DISTINCT name FROM road_segments")}

    geojson = client.get("/open-data/v1/layers/complaints.geojson")
    features = geojson.get_json()["features"]
    published = {f["properties"]["service_request_id"] for f in features}
    assert published == expected - {fixed} and len(published) > 1000 and "other:x7" in published
    for feature in features:
        props = feature["properties"]
        assert set(props) == {"service_request_id", "service_code", "service_name", "zone_id",
                              "agency_responsible", "street", "requested_at", "expected_at"}
        assert props["street"] is None or props["street"] in streets
        assert props["expected_at"].endswith("Z")  # the source's, else the service level's
        assert all(round(c, 4) == c for c in feature["geometry"]["coordinates"])  # ~10 m
    assert {f["properties"]["street"] for f in features} - {None}  # a street named near most

    parquet = client.get("/open-data/v1/layers/complaints.parquet")
    table = pq.read_table(io.BytesIO(parquet.data))
    assert table.num_rows == len(features) and "geometry" in table.column_names
    assert not {"description", "address"} & set(table.column_names)
    values = [v for column in table.columns for v in column.to_pylist() if isinstance(v, str)]
    assert values and set(table.column("service_request_id").to_pylist()) == published
    for body in (geojson.get_data(as_text=True), *values):
        assert [w for w in words if w in body] == []


def window_rows(store, start: datetime, end: datetime) -> set[tuple]:
    """(container, when, fill) of every waste reading in [start, end), raw or rolled up."""
    found = rows(store, """
        SELECT container_id, observed_at, fill_level FROM waste_readings
        WHERE observed_at >= $s AND observed_at < $e UNION ALL
        SELECT container_id, bucket, fill_avg FROM waste_rollups
        WHERE bucket >= $s AND bucket < $e""", {"s": start, "e": end})  # fmt: skip
    return {(c, t.astimezone(UTC).replace(microsecond=0), round(f, 6)) for c, t, f in found}


def test_a_windows_readings_are_that_windows_raw_and_rolled_up(app, store, monkeypatch):
    client = app.server.test_client()
    monkeypatch.setattr(od_store, "BATCH", 97)  # written a small batch at a time
    cutoff = hour_floor(NOW) - timedelta(hours=6)
    store.write(lambda cur: roll_up_readings(cur, cutoff))  # older readings: 15-minute means
    start, end = cutoff - timedelta(hours=4), cutoff + timedelta(hours=3)
    raw, rolled = rows(store, """SELECT
        (SELECT count(*) FROM waste_readings WHERE observed_at >= $s AND observed_at < $e),
        (SELECT count(*) FROM waste_rollups WHERE bucket >= $s AND bucket < $e)""",
        {"s": start, "e": end})[0]  # fmt: skip
    assert raw > 100 and rolled > 100
    expected = window_rows(store, start, end)
    query = {"start": start.isoformat(), "end": end.strftime("%Y-%m-%dT%H:%M:%SZ")}

    as_csv = client.get("/open-data/v1/readings/waste.csv", query_string=query)
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv" and licensed(as_csv)
    table = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert list(table[0]) == ["container_id", "observed_at", "fill_level", "temperature_c",
                              "status"]  # fmt: skip
    assert all(r["observed_at"].endswith("Z") and "T" in r["observed_at"] for r in table)
    assert int(as_csv.headers["Content-Length"]) == len(as_csv.data)  # sent from a file
    got = {(r["container_id"], datetime.fromisoformat(r["observed_at"]),
            round(float(r["fill_level"]), 6)) for r in table}  # fmt: skip
    assert len(table) == raw + rolled and got == expected

    as_parquet = client.get("/open-data/v1/readings/waste.parquet", query_string=query)
    read = pq.read_table(io.BytesIO(as_parquet.data))
    assert read.schema.metadata[b"license"] == b"ODbL 1.0"
    got = {(r["container_id"], r["observed_at"].astimezone(UTC).replace(microsecond=0),
            round(r["fill_level"], 6)) for r in read.to_pylist()}  # fmt: skip
    assert read.num_rows == raw + rolled and got == expected

    # the 15-minute rollups alone
    quarters = client.get("/open-data/v1/rollups/waste.parquet",
                          query_string={**query, "grain": "15"}).data  # fmt: skip
    buckets = pq.read_table(io.BytesIO(quarters)).to_pylist()
    assert len(buckets) == rolled and {b["grain_minutes"] for b in buckets} == {15}
    traffic = client.get("/open-data/v1/readings/traffic.csv", query_string=query)
    assert traffic.get_data(as_text=True).startswith(
        "segment_id,observed_at,speed_kmh,travel_time_s,congestion_ratio,congested")

    # the same window again: not modified; another window, or the retention pass: new tags
    tag = as_csv.headers["ETag"]
    held = client.get("/open-data/v1/readings/waste.csv", query_string=query,
                      headers={"If-None-Match": tag})  # fmt: skip
    assert held.status_code == 304 and held.data == b""
    other = client.get("/open-data/v1/readings/waste.csv",
                       query_string={**query, "start": (start + timedelta(hours=1)).isoformat()})
    assert other.headers["ETag"] != tag
    store.write(lambda cur: roll_up_readings(cur, cutoff + timedelta(hours=1)))
    moved = client.get("/open-data/v1/readings/waste.csv", query_string=query,
                       headers={"If-None-Match": tag})  # fmt: skip
    assert moved.status_code == 200 and moved.headers["ETag"] != tag
    assert parquet_for(client, "/open-data/v1/readings/waste.parquet").num_rows > 0  # last 24 h


def parquet_for(client, url: str, **query):
    answer = client.get(url, query_string=query)
    assert answer.status_code == 200, answer.data[:200]
    return pq.read_table(io.BytesIO(answer.data))


def test_bad_requests_get_one_readable_line(app):
    client = app.server.test_client()
    for url, query, status, said in [
        ("/open-data/v1/readings/waste.csv", {"start": "yesterday"}, 400, "start: not an ISO"),
        ("/open-data/v1/readings/waste.csv", {"end": "2026-13-40"}, 400, "end: not an ISO"),
        ("/open-data/v1/readings/waste.csv", {"start": "2026-01-01", "end": "2026-03-01"},
         400, "over 31 days"),
        ("/open-data/v1/readings/waste.csv", {"start": "2026-03-01", "end": "2026-01-01"},
         400, "start must be before end"),
        ("/open-data/v1/rollups/traffic.parquet", {"grain": "7"}, 400, "grain: one of"),
        ("/open-data/v1/readings/people.csv", {}, 404, "no readings people.csv"),
        ("/open-data/v1/rollups/waste.xlsx", {}, 404, "no rollups waste.xlsx"),
    ]:  # fmt: skip
        answer = client.get(url, query_string=query)
        assert answer.status_code == status, (url, query)
        error = answer.get_json()["error"]
        assert said in error and "\n" not in error, error
    # a daily rollup may span a year; an offset whose '+' the query string made a space
    daily = parquet_for(client, "/open-data/v1/rollups/waste.parquet", grain="1440",
                        start="2026-01-01", end="2026-12-01")  # fmt: skip
    assert "container_id" in daily.column_names  # the year's table, read back
    spaced = client.get("/open-data/v1/readings/waste.csv?start=2026-11-17T09:00:00+02:00"
                        "&end=2026-11-17T10:00:00%2B02:00")  # fmt: skip
    assert spaced.status_code == 200


def test_the_catalogue_lists_every_dataset_at_a_url_that_answers(app):
    client = app.server.test_client()
    answer = client.get("/open-data/v1/")
    assert answer.status_code == 200 and licensed(answer)
    catalogue = answer.get_json()
    assert catalogue["license"] == "ODbL 1.0" and catalogue["license_url"] == LICENCE_URL
    listed = {(d["name"], d["format"]) for d in catalogue["datasets"]}
    assert {("containers", "geojson"), ("hotspots", "parquet"), ("waste-readings", "csv"),
            ("traffic-rollups", "parquet")} <= listed and len(listed) == 18  # fmt: skip
    for dataset in catalogue["datasets"]:
        assert dataset["description"] and dataset["url"].startswith("http://localhost/")
        fetched = client.get(dataset["url"].removeprefix("http://localhost"))
        assert fetched.status_code == 200, dataset["url"]
        assert fetched.mimetype == dataset["media_type"], dataset["url"]
    held = client.get("/open-data/v1/", headers={"If-None-Match": answer.headers["ETag"]})
    assert held.status_code == 304
    assert json.loads(client.get("/openapi.json").data)["paths"].keys() >= {
        "/open-data/v1/", "/open-data/v1/layers/{name}.{fmt}",
        "/open-data/v1/readings/{domain}.{fmt}", "/open-data/v1/rollups/{domain}.{fmt}"}
