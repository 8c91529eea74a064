"""Clusters made on the server (issue 17): `/api/clusters/<layer>.geojson` for a map view
counts exactly what the layer's filters (and the asker's zones) show, never sends more
features than its cap, and sends the points themselves, with their ids, zoomed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from config import load_settings
from services import clusters as server_clusters
from services.access import Principal
from services.context import Services, attach_services, services_of
from services.session import sign_in
from store import explore
from store.cache import Cache
from tests.helpers import TZ, rows, seed_demo_day

RANGE = "range=7d"


@pytest.fixture
def app(dash_app, store, city, demo_city):
    seed_demo_day(store, demo_city, datetime.now(UTC))
    settings = load_settings(timezone=TZ, auth="none")
    svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds)
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    return dash_app["app"]


def city_view(city, zoom: int = 13) -> str:
    """The city and a margin (a few points lie beyond its streets' extent)."""
    west, south, east, north = city.bounds
    return f"zoom={zoom}&bbox={west - 0.05},{south - 0.05},{east + 0.05},{north + 0.05}"


def layer(client, name: str, query: str) -> dict:
    answer = client.get(f"/api/clusters/{name}.geojson?{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()


def counted(collection: dict) -> int:
    """How many points the features stand for: a cluster its count, a point one."""
    return sum(f["properties"].get("point_count", 1) for f in collection["features"])


def clusters_of(collection: dict) -> list[dict]:
    return [f for f in collection["features"] if f["properties"].get("cluster")]


def shown_requests(store, filters: dict) -> int:
    """What /explore's table counts for the last 7 days, now, under `filters`."""
    now = datetime.now(UTC)
    window = explore.Window(now - timedelta(days=7), now, now)
    with store.reading() as cur:
        return explore.layer_rows(cur, "complaints", filters, False, window).num_rows


def test_a_city_view_is_clusters_counting_exactly_the_filtered_complaints(app, store, city):
    client = app.server.test_client()
    whole = layer(client, "complaints", f"{RANGE}&{city_view(city)}")
    total = shown_requests(store, {})
    assert counted(whole) == total > 50
    assert clusters_of(whole) and len(whole["features"]) < total  # gathered, not every point
    assert len(whole["features"]) <= server_clusters.MAX_FEATURES
    busiest = max(clusters_of(whole), key=lambda f: f["properties"]["point_count"])
    assert busiest["properties"]["expansion_zoom"] > 13  # a click zooms in to split it

    service = rows(store, "SELECT service_name FROM service_requests GROUP BY 1 "
                          "ORDER BY count(*) DESC LIMIT 1")[0][0]  # fmt: skip
    for filters in ({"status": ["open"]}, {"status": ["closed"]}, {"service": [service]}):
        query = "&".join(f"{k}={','.join(v)}" for k, v in filters.items())
        narrowed = layer(client, "complaints", f"{RANGE}&{query}&{city_view(city)}")
        assert counted(narrowed) == shown_requests(store, filters) < total, filters


def test_a_view_never_gets_more_features_than_the_cap(app, store, city, monkeypatch):
    client = app.server.test_client()
    fine = layer(client, "complaints", f"{RANGE}&{city_view(city, 17)}")
    cap = len(fine["features"]) // 4
    monkeypatch.setattr(server_clusters, "MAX_FEATURES", cap)
    capped = layer(client, "complaints", f"{RANGE}&{city_view(city, 16)}")
    assert len(capped["features"]) <= cap < len(fine["features"])
    assert counted(capped) == counted(fine) == shown_requests(store, {})  # coarser, not fewer
    assert capped["zoom"] < 16


def test_zoomed_in_the_view_gets_its_points_with_their_ids(app, store, city):
    client = app.server.test_client()
    request_id, service, lon, lat = rows(store, """
        SELECT request_id, service_name, lon, lat FROM service_requests
        WHERE lon IS NOT NULL AND status = 'open' ORDER BY request_id LIMIT 1""")[0]  # fmt: skip
    box = (lon - 0.004, lat - 0.002, lon + 0.004, lat + 0.002)
    near = layer(client, "complaints", f"{RANGE}&zoom=18&bbox={','.join(map(str, box))}")
    assert near["features"] and not clusters_of(near)
    points = {f["properties"]["id"]: f for f in near["features"]}
    assert points[request_id]["properties"]["service"] == service
    assert points[request_id]["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]
    inside = rows(store, """SELECT count(*) FROM service_requests WHERE status = 'open'
                            AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?""",
                  [box[0], box[2], box[1], box[3]])[0][0]  # fmt: skip
    opened = layer(client, "complaints", f"{RANGE}&status=open&zoom=18&bbox="
                                         + ",".join(map(str, box)))  # fmt: skip
    assert len(opened["features"]) == inside
    assert all(box[0] <= f["geometry"]["coordinates"][0] <= box[2] for f in near["features"])


def test_a_department_scoped_to_a_zone_counts_that_zones_complaints_only(app, store, city):
    zone = rows(store, """SELECT zone_id, count(*) FROM service_requests
                                   WHERE zone_id IS NOT NULL AND lon IS NOT NULL
                                   GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""")[0][0]  # fmt: skip
    other = rows(store, "SELECT zone_id FROM zones WHERE zone_id <> ? LIMIT 1", [zone])[0][0]
    provider = {"issuer": "https://login.city.example", "client_id": "c3"}
    services_of(app.server).settings = load_settings(timezone=TZ, auth="oidc", oidc=provider)
    head = Principal("maria", "department", ("complaints",), zones=(zone,), via="oidc",
                     expires_at=datetime.now(UTC) + timedelta(hours=1))  # fmt: skip
    client = app.server.test_client()
    with client.session_transaction() as session:
        sign_in(session, head, store)
    theirs = layer(client, "complaints", f"{RANGE}&{city_view(city)}")
    assert counted(theirs) == shown_requests(store, {"zone": [zone]}) > 0
    assert counted(theirs) < shown_requests(store, {})
    assert {f["properties"]["zone"] for f in theirs["features"]
            if not f["properties"].get("cluster")} <= {zone}  # fmt: skip
    asked_for_another = layer(client, "complaints", f"{RANGE}&zone={other}&{city_view(city)}")
    assert asked_for_another["features"] == []
    assert client.get(f"/api/clusters/waste.geojson?{city_view(city)}").status_code == 403


def test_containers_of_a_big_city_are_clustered_by_type(app, store, city):
    services_of(app.server).large_city = True
    client = app.server.test_client()
    glass = rows(store, "SELECT count(*) FROM waste_containers WHERE waste_type = 'glass'")[0][0]
    every = rows(store, "SELECT count(*) FROM waste_containers WHERE lon IS NOT NULL")[0][0]
    assert counted(layer(client, "waste", city_view(city))) == every
    typed = layer(client, "waste", f"waste_type=glass&{city_view(city, 12)}")
    assert counted(typed) == glass > 0 and clusters_of(typed)


def test_a_view_that_cannot_be_read_is_refused(app):
    client = app.server.test_client()
    for view in ("zoom=13", "zoom=x&bbox=1,2,3,4", "zoom=13&bbox=3,2,1,4", "zoom=13&bbox=1,2,3",
                 "zoom=13&bbox=nan,2,3,4"):  # fmt: skip
        assert client.get(f"/api/clusters/complaints.geojson?{view}").status_code == 400, view
    view = "zoom=13&bbox=24.9,60.1,25.0,60.2"
    assert client.get(f"/api/clusters/complaints.geojson?{view}").status_code == 200
    assert client.get(f"/api/clusters/traffic.geojson?{view}").status_code == 404
