"""The read-only NGSI-LD view (issue 20) as a FIWARE client sees it: entities of a type
in the normalized form, paged with limit and offset; NGSI-LD problem bodies for what it
cannot answer; service requests as C3's Open311 server publishes them (its ids and
status, the nearest street, the point to ~10 m), without the citizen's words or address;
and C3's own NGSI-LD connector, over real HTTP, reading the same fill levels from it. On
both stores."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from werkzeug.serving import make_server

from app import create_app
from config import ConnectorSettings, load_settings
from connectors.runner import build_connector, run_connector
from services.context import Services, attach_services, services_of
from store import Store
from store.cache import Cache
from store.city import load_city_model
from tests.helpers import TZ, rows, seed_demo_day
from tests.helpers.work_orders import add_order

NOW = datetime.now(UTC)
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"


@pytest.fixture
def app(dash_app, store, city, demo_city, tmp_path):
    seed_demo_day(store, demo_city, NOW)
    settings = load_settings(timezone=TZ, data_dir=tmp_path, auth="oidc",
                             oidc={"issuer": "https://login.city.example", "client_id": "c3"},
                             open_data={"public_per_minute": 100_000})  # fmt: skip
    svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds)
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    return dash_app["app"]


def test_entities_page_in_the_normalized_form(app, store):
    client = app.server.test_client()  # nobody signed in
    containers = rows(store, "SELECT count(*) FROM waste_containers")[0][0]
    first = client.get("/ngsi-ld/v1/entities?type=WasteContainer&limit=5&count=true")
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert "json-ld#context" in first.headers["Link"]  # the context, as application/json asks
    assert int(first.headers["NGSILD-Results-Count"]) == containers > 100
    page = first.get_json()
    assert len(page) == 5 and all("@context" not in e for e in page)
    second = client.get("/ngsi-ld/v1/entities?type=WasteContainer&limit=5&offset=5").get_json()
    ids = [e["id"] for e in page + second]
    assert ids == sorted(set(ids)) and all(i.startswith("urn:ngsi-ld:WasteContainer:") for i in ids)
    assert len(client.get("/ngsi-ld/v1/entities?type=WasteContainer").get_json()) == 20
    everything = client.get("/ngsi-ld/v1/entities?type=WasteContainer&limit=1000").get_json()
    assert len(everything) == containers

    entity = next(e for e in everything if "fillingLevel" in e)
    assert entity["type"] == "WasteContainer"
    assert entity["location"]["type"] == "GeoProperty"
    assert entity["location"]["value"]["type"] == "Point"
    fill = entity["fillingLevel"]
    assert fill["type"] == "Property" and 0 <= fill["value"] <= 1 and fill["observedAt"][-1] == "Z"
    local = entity["id"].removeprefix("urn:ngsi-ld:WasteContainer:")
    newest = rows(store, "SELECT arg_max(fill_level, observed_at) FROM waste_readings "
                  "WHERE container_id = ?", [local])[0][0]  # fmt: skip
    assert fill["value"] == newest

    # one entity by id, as JSON-LD with its @context; the id filter; keyValues
    one = client.get(f"/ngsi-ld/v1/entities/{entity['id']}",
                     headers={"Accept": "application/ld+json"})  # fmt: skip
    assert one.mimetype == "application/ld+json" and "Link" not in one.headers
    assert one.get_json()["fillingLevel"] == fill and one.get_json()["@context"]
    picked = client.get(f"/ngsi-ld/v1/entities?id={ids[3]},{ids[1]}").get_json()
    assert [e["id"] for e in picked] == [ids[1], ids[3]]
    simple = client.get(f"/ngsi-ld/v1/entities/{entity['id']}?options=keyValues").get_json()
    assert simple["fillingLevel"] == fill["value"]

    flows = client.get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=1000").get_json()
    flow = next(f for f in flows if "averageVehicleSpeed" in f)
    assert flow["refRoadSegment"]["type"] == "Relationship"
    assert flow["location"]["value"]["type"] == "LineString"
    assert flow["averageVehicleSpeed"]["unitCode"] == "KMH"
    assert client.post("/ngsi-ld/v1/entities", json={"id": "x"}).status_code == 405  # read-only


def test_what_it_cannot_answer_comes_as_an_ngsi_ld_problem(app):
    client = app.server.test_client()
    for url, status, kind in [
        ("/ngsi-ld/v1/entities", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities?type=Dinosaur", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities?type=WasteContainer&limit=1001", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities?type=WasteContainer&offset=-1", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities?type=WasteContainer&limit=many", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities/not-a-uri", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities/urn:ngsi-ld:WasteContainer:nowhere", 404, "ResourceNotFound"),
        ("/ngsi-ld/v1/entities/urn:ngsi-ld:Dinosaur:rex", 404, "ResourceNotFound"),
    ]:  # fmt: skip
        answer = client.get(url)
        assert answer.status_code == status, url
        problem = answer.get_json()
        assert problem["type"] == ERRORS + kind and problem["title"] and problem["detail"], url


def test_service_requests_are_the_open311_servers_without_words_or_address(app, store):
    client = app.server.test_client()
    said = rows(store, "SELECT description, address FROM service_requests")
    words = {d for d, _ in said if d and len(d) > 12}
    addresses = {a for _, a in said if a and any(c.isdigit() for c in a)}  # with a number
    assert len(words) > 10 and len(addresses) > 10
    fixed = rows(store, "SELECT request_id FROM service_requests WHERE source = 'complaints' "
                        "AND status = 'open' ORDER BY request_id")[0][0]
    add_order(store, "complaints", fixed, "validated", NOW, NOW)  # closed as published
    held = dict(rows(store, """
        SELECT CASE WHEN source = 'complaints' THEN request_id ELSE source || ':' || request_id
               END, status FROM service_requests"""))  # published id -> the source's status
    streets = {n for (n,) in rows(store, "SELECT DISTINCT name FROM road_segments")}

    requests, page = [], None
    while page != []:  # page by page, 400 at a time, to the end
        answer = client.get("/ngsi-ld/v1/entities?type=Open311ServiceRequest&limit=400"
                            f"&count=true&offset={len(requests)}")  # fmt: skip
        assert answer.status_code == 200, answer.data[:200]
        page = answer.get_json()
        requests += page
    assert int(answer.headers["NGSILD-Results-Count"]) == len(requests) == len(held) > 10
    past = client.get("/ngsi-ld/v1/entities?type=Open311ServiceRequest&offset=" + "9" * 30)
    assert past.status_code == 200 and past.get_json() == []  # past the end: nothing, no error
    by_id = {r["id"].removeprefix("urn:ngsi-ld:Open311ServiceRequest:"): r for r in requests}
    assert by_id.keys() == held.keys()  # every request, each once, by its published id
    assert {i: r["status"]["value"] for i, r in by_id.items()} == {**held, fixed: "closed"}
    assert all(r["service_request_id"]["value"] == i for i, r in by_id.items())
    for entity in requests:
        assert not {"description", "status_notes", "media_url", "zipcode"} & set(entity)
        if "address" in entity:  # the nearest street's name, never what was typed
            assert entity["address"]["value"]["streetAddress"] in streets
        lon, lat = entity["location"]["value"]["coordinates"]
        assert (round(lon, 4), round(lat, 4)) == (lon, lat)  # ~10 m, as the Open311 server
        assert entity["expected_datetime"]["value"]["@value"].endswith("Z")  # or the level
    assert [w for w in words | addresses if w in json.dumps(requests)] == []

    # one by id, as the Open311 server names it; a query by ids fills no cache
    (one,) = client.get(f"/ngsi-ld/v1/entities?id=urn:ngsi-ld:Open311ServiceRequest:{fixed}"
                        "&type=Open311ServiceRequest").get_json()  # fmt: skip
    assert one == by_id[fixed] and one["status"]["value"] == "closed"
    cache = services_of(app.server).cache
    before = set(cache._local)
    client.get(f"/ngsi-ld/v1/entities?id=urn:ngsi-ld:Open311ServiceRequest:{fixed},"
               "urn:ngsi-ld:Open311ServiceRequest:nobody-filed-this")  # fmt: skip
    assert set(cache._local) == before


def test_c3s_own_ngsi_ld_connector_reads_the_same_fill_levels(app, store, city, tmp_path):
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    mirror = Store(tmp_path / "mirror.duckdb")
    try:
        load_city_model(mirror, city)
        feed = ConnectorSettings(name="other-c3", kind="ngsi-ld", entity_type="WasteContainer",
                                 url=f"http://127.0.0.1:{server.server_port}", page_size=100,
                                 retries=1, timeout_s=10.0)  # fmt: skip
        run = run_connector(build_connector(feed, TZ), mirror)
        assert run.status == "ok", run.error
        read = ("SELECT container_id, arg_max(fill_level, observed_at) FROM waste_readings "
                "GROUP BY ALL")
        theirs = {c.removeprefix("urn:ngsi-ld:WasteContainer:"): f for c, f in rows(mirror, read)}
        ours = dict(rows(store, read))
        assert len(theirs) > 100 and theirs == ours
    finally:
        mirror.close()
        server.shutdown()
        thread.join(5)
