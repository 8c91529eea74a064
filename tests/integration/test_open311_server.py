"""C3's own Open311 GeoReport v2 server and the resident's status page (issue 20), on
both stores: C3's Open311 connector pointed at C3's server over real HTTP gets back the
requests C3 holds, minus personal data; the complaint loop shows as status and notes;
the spec's caps and errors; `/status/<id>` with its timeline and the validated fix's
photo; and the rate limit per address."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from ipaddress import IPv6Address
from uuid import uuid4
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import shapely
from PIL import Image

from app import create_app
from config import ConnectorSettings, load_settings
from connectors.runner import build_connector, run_connector
from services.access import Principal
from services.context import Services, attach_services
from services.photos import store_photo
from services.work_orders import link, move, open_order
from sim.http import BackgroundServer
from store import Store
from store.cache import Cache
from store.city import load_city_model
from tests.helpers import FIXED_NOW, TZ, demo_feeds, rows

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
OPERATOR = Principal("olga", "operator", personal_data=True)
CREW = Principal("crew-north", "crew")
INSPECTOR = Principal("ines", "inspector")
SOURCE = ConnectorSettings(name="o311", kind="open311", url="http://o311.example/open311/v2")
CREWS = [{"crew_id": "north", "name": "North", "members": ["crew-north"]}]
PUBLISHED = """SELECT request_id, status, service_code, service_name, agency_responsible,
    requested_at, updated_at, expected_at, address, lon, lat FROM service_requests
    ORDER BY request_id"""


def nearest_street(store):
    """The name of the road segment nearest a point (shapely over the city model's
    segments: not the store's own query), for what a request's address is published as."""
    named = rows(store, "SELECT name, ST_AsText(geom) FROM road_segments "
                        "WHERE name IS NOT NULL AND name <> ''")  # fmt: skip
    lines = [shapely.from_wkt(wkt) for _, wkt in named]
    tree = shapely.STRtree(lines)

    def nearest(lon: float, lat: float) -> str:  # equally near ones: the first by name
        found = tree.query_nearest(shapely.Point(lon, lat), all_matches=True)
        return min(named[i][0] for i in found)

    return nearest


def serve(dash_app, store, city, tmp_path, **settings):
    settings = load_settings(timezone=TZ, data_dir=tmp_path, auth="none", **settings)
    svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds)
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    return dash_app["app"].server


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_c3s_open311_connector_reads_back_c3s_requests_without_personal_data(
    store, sim_fixed, city, dash_app, tmp_path, fmt
):
    feeds = demo_feeds(sim_fixed.url, backfill_days=40)
    feed = next(f for f in feeds if f.name == "complaints")
    assert run_connector(build_connector(feed, TZ), store, now=FIXED_NOW).status == "ok"
    server = serve(dash_app, store, city, tmp_path, connectors=[feed],
                   open_data={"public_per_minute": 100_000})  # fmt: skip
    mirror = Store(tmp_path / "mirror.duckdb")
    load_city_model(mirror, city)
    with BackgroundServer(server) as c3:
        reader = ConnectorSettings(name="complaints", kind="open311", format=fmt, retries=1,
                                   url=f"{c3.url}/open311/v2", backfill_days=40)  # fmt: skip
        run = run_connector(build_connector(reader, TZ), mirror, now=FIXED_NOW)
    assert run.status == "ok", run.error
    held, served = rows(store, PUBLISHED), rows(mirror, PUBLISHED)
    assert len(held) > 1000  # more than one answer holds: the connector split its windows
    street = nearest_street(store)
    assert [r[:-3] for r in served] == [r[:-3] for r in held]  # ids, types, states, times
    assert [r[-3] for r in served] == [street(*r[-2:]) for r in held]  # the street, no number
    for got, had in zip(served, held, strict=True):  # the point, to four decimals (~10 m)
        assert all(round(g, 4) == g and abs(g - h) <= 0.00005 + 1e-12
                   for g, h in zip(got[-2:], had[-2:], strict=True))  # fmt: skip
    assert rows(store, "SELECT count(*) FROM service_requests WHERE description IS NOT NULL "
                       "AND regexp_matches(address, '[0-9]')")[0][0] > 0  # fmt: skip
    assert rows(mirror, "SELECT count(*) FROM service_requests WHERE description IS NOT NULL "
                        "OR zipcode IS NOT NULL OR media_url IS NOT NULL")[0][0] == 0  # fmt: skip
    mirror.close()


def add_request(store, request_id, minutes=0, north_m=0.0):
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO service_requests (source, request_id, status, service_code, "
            "service_name, description, agency_responsible, requested_at, updated_at, "
            "address, zipcode, lon, lat, zone_id, media_url) VALUES ('o311', ?, 'open', "
            "'WST-OVF', 'Overflowing bin', 'Overflowing again, call me on 040 123 4567', "
            "'Waste Management', ?, ?, 'Kaivokatu 8 B 12, Helsinki', '00100', 24.94, ?, 'z1', "
            "'https://o311.example/photo/1.jpg')",
            [request_id, T0 + timedelta(minutes=minutes), T0 + timedelta(minutes=minutes),
             60.17 + north_m / 111_195],
        )  # fmt: skip


def fix_photo(folder) -> str:
    image = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 60)).save(image, "JPEG")
    return store_photo(image.getvalue(), folder)


def loop_settings(tmp_path, **more) -> dict:
    return {"connectors": [SOURCE], "crews": CREWS,
            "service_levels": {"types": {"WST-OVF": {"target_hours": 10}}},
            "open_data": {"public_per_minute": 100_000, **more}}  # fmt: skip


def test_the_complaint_loop_shows_in_open311_and_on_the_status_page(store, city, dash_app,
                                                                    tmp_path):  # fmt: skip
    server = serve(dash_app, store, city, tmp_path, **loop_settings(tmp_path))
    svc_settings = load_settings(timezone=TZ, data_dir=tmp_path, **loop_settings(tmp_path))
    add_request(store, "r1")
    add_request(store, "r2", minutes=40, north_m=20)
    add_request(store, "r3", minutes=50, north_m=400)
    order = open_order(store, svc_settings, OPERATOR, [("o311", "r1")], now=T0)
    link(store, svc_settings, OPERATOR, order, ("o311", "r2"), "20 m apart",
         now=T0 + timedelta(hours=1))
    photo = fix_photo(svc_settings.photo_folder)
    for who, action, extra in [
        (OPERATOR, "triage", {}), (OPERATOR, "assign", {"crew_id": "north"}),
        (CREW, "start", {}), (CREW, "done", {"photo": photo, "note": "Met Mr Virtanen"}),
        (INSPECTOR, "validate", {"note": "ok, resident at flat 12 happy"}),
    ]:  # fmt: skip
        move(store, svc_settings, who, order, action, now=T0 + timedelta(hours=3), **extra)
    client = server.test_client()

    answer = client.get("/open311/v2/requests/r1.json?extensions=true")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"  # any site's page may read it
    (r1,) = answer.get_json()
    street = nearest_street(store)(24.94, 60.17)
    assert (r1["status"], r1["status_notes"], r1["address"]) == (
        "closed", "Fixed and inspected", street)
    assert (r1["long"], r1["lat"]) == (24.94, 60.17)
    assert r1["description"] is r1["zipcode"] is r1["media_url"] is None
    due = (T0 + timedelta(hours=10)).astimezone(ZoneInfo(TZ))
    assert r1["expected_datetime"] == due.isoformat(timespec="seconds")
    summaries = [n["summary"] for n in r1["notes"]]
    assert summaries[0] == "Reported to Waste Management"
    assert summaries[-1] == "The fix was inspected and confirmed"
    assert r1["notes"][-1]["type"] == "closed"
    (r2,) = client.get("/open311/v2/requests/r2.json").get_json()
    assert r2["status"] == "closed" and r2["status_notes"].startswith("Same problem as request r1")
    everything = client.get("/open311/v2/requests.xml?extensions=true").data.decode()
    for private in ("040 123 4567", "Kaivokatu 8", " B 12", "00100", "o311.example", "Virtanen",
                    "flat 12", "olga", "crew-north", "ines"):  # fmt: skip
        assert private not in everything
        assert private not in client.get("/status/r1").data.decode()
    still_open = client.get("/open311/v2/requests.json?status=open").get_json()
    assert [r["service_request_id"] for r in still_open] == ["r3"]

    page = client.get("/status/r1")
    assert "Access-Control-Allow-Origin" not in page.headers  # a page, not data
    text = page.data.decode()
    assert page.status_code == 200 and "Your report r1" in text and "Closed" in text
    assert "Overflowing bin" in text and street in text
    assert text.index("Reported to Waste Management") < text.index("A crew started the work") \
        < text.index("The fix was inspected and confirmed")  # fmt: skip
    assert 'src="/status/r1/photo.jpg?size=thumb"' in text
    shot = client.get("/status/r1/photo.jpg")
    assert shot.status_code == 200 and shot.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(shot.data)).getexif() == {}  # no location or camera metadata
    open_page = client.get("/status/r3").data.decode()
    due = (T0 + timedelta(minutes=50, hours=10)).astimezone(ZoneInfo(TZ))
    assert "Expected by" in open_page and "photo.jpg" not in open_page  # the level: 10 h
    assert f'datetime="{due.isoformat()}"' in open_page
    assert client.get("/status/r3/photo.jpg").status_code == 404  # no fix validated yet
    assert client.get("/status/nope/qr.svg").status_code == 404  # no code for what is not there
    missing = client.get("/status/nope")
    assert missing.status_code == 404 and "We have no report nope" in missing.data.decode()
    qr = client.get("/status/r1/qr.svg")  # an image a browser draws: a standalone SVG
    assert qr.mimetype == "image/svg+xml" and b'<svg xmlns="http://www.w3.org/2000/svg"' in qr.data
    assert qr.headers["Cache-Control"] == "no-store"  # its address is the Host header's

    (r2_page,) = [client.get("/status/r2").data.decode()]  # the duplicate, from its own report
    assert r2_page.index("Reported to Waste Management") < r2_page.index("Linked to request r1")
    assert "Taken up by the city" not in r2_page  # that was its original's, before it came


def test_a_request_of_another_source_is_published_under_its_source(store, city, dash_app,
                                                                   tmp_path):  # fmt: skip
    server = serve(dash_app, store, city, tmp_path, open_data={"public_per_minute": 100_000})
    add_request(store, "r1")
    client = server.test_client()
    with store.transaction() as cur:
        cur.execute("UPDATE service_requests SET status_notes = 'called Mrs X on 040 765'")
    (r1,) = client.get("/open311/v2/requests/o311:r1.json").get_json()
    assert r1["service_request_id"] == "o311:r1"
    assert r1["status_notes"] is None  # not an Open311 source's: maybe a staff member's note
    assert client.get("/status/o311:r1").status_code == 200


def test_open311_refusals_are_the_specs_errors_in_one_line(store, city, dash_app, tmp_path):
    server = serve(dash_app, store, city, tmp_path, **loop_settings(tmp_path))
    add_request(store, "r1")
    client = server.test_client()
    wide = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z"
                      "&end_date=2026-06-01T00:00:00Z")  # fmt: skip
    assert wide.status_code == 400
    assert wide.get_json() == [{"code": 400, "description": "the date range is limited to 90 days"}]
    bad = client.get("/open311/v2/requests.xml?start_date=yesterday")
    assert bad.status_code == 400 and b"<description>start_date 'yesterday' is not" in bad.data
    assert client.get("/open311/v2/requests.json?status=pending").status_code == 400
    for edge in ("end_date=0001-01-01T00:00:00Z", "start_date=9999-12-31T00:00:00Z",
                 "updated_after=0001-01-01T00:00:00%2B01:00"):  # fmt: skip
        answer = client.get(f"/open311/v2/requests.json?{edge}")
        assert answer.status_code == 400 and len(answer.get_json()) == 1, edge
    assert client.get("/open311/v2/requests.csv").status_code == 404
    assert client.get("/open311/v2/requests/nope.json").status_code == 404
    services = client.get("/open311/v2/services.json").get_json()
    assert [(s["service_code"], s["service_name"]) for s in services] == [
        ("WST-OVF", "Overflowing bin")]
    later = (T0 + timedelta(minutes=1)).isoformat()
    assert client.get("/open311/v2/requests.json", query_string={"updated_after": later}
                      ).get_json() == []  # fmt: skip


def test_a_stray_control_character_does_not_break_the_xml_and_a_reopening_shows(
    store, city, dash_app, tmp_path
):
    server = serve(dash_app, store, city, tmp_path, **loop_settings(tmp_path))
    add_request(store, "r1")
    with store.transaction() as cur:
        cur.execute("UPDATE service_requests SET status_notes = 'bin\x0b emptied', "
                    "updated_at = updated_at + INTERVAL 2 HOUR")  # fmt: skip
        cur.execute("INSERT INTO service_request_events VALUES ('o311', 'r1', 'open', ?), "
                    "('o311', 'r1', 'closed', ?)", [T0, T0 + timedelta(hours=1)])  # fmt: skip
    client = server.test_client()
    xml = client.get("/open311/v2/requests.xml?service_request_id=r1&extensions=true").data
    (request,) = ElementTree.fromstring(xml)  # parses: the stray character is dropped
    assert request.findtext("status_notes") == "bin emptied"
    steps = [n.findtext("summary") for n in request.iter("note")]
    assert steps == ["Reported to Waste Management", "Closed by Waste Management", "Reopened"]
    page = client.get("/status/r1").data.decode()
    assert page.index("Closed by Waste Management") < page.index("Reopened")


def test_one_address_asking_too_often_is_told_to_wait(store, city, dash_app, tmp_path):
    server = serve(dash_app, store, city, tmp_path, **loop_settings(tmp_path,
                                                                    public_per_minute=3))
    add_request(store, "r1")
    client = server.test_client()
    resident, neighbour = (str(IPv6Address(uuid4().int)) for _ in range(2))  # new to the count
    answers = [client.get("/status/r1", environ_base={"REMOTE_ADDR": resident})
               for _ in range(4)]  # fmt: skip
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    refused = answers[3]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.mimetype == "text/html" and "too many requests from your address" in \
        refused.data.decode()  # fmt: skip
    other = client.get("/open311/v2/requests/r1.json", environ_base={"REMOTE_ADDR": resident})
    assert other.status_code == 429  # one count across the public endpoints, in Open311's form
    assert json.loads(other.data)[0]["code"] == 429
    assert client.get("/status/r1", environ_base={"REMOTE_ADDR": neighbour}).status_code == 200
