"""`/explore`'s "Cross-domain signals" layer (issue 19): the REST API serves the signals
of a city with seeded faults as GeoJSON points with their evidence, and a department
only those of its own domains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.signals import RULES
from app import create_app
from config import load_settings
from services import signals as service
from services.access import Principal
from services.context import Services, attach_services
from services.session import sign_in
from store.cache import Cache
from tests.helpers import TZ
from tests.helpers.signals import NOW

URL = "/api/signals.geojson?v=1.1.1.1"
LATER = datetime.now(UTC) + timedelta(hours=1)
DESKS = {  # who asks: the roles of the access matrix, and a desk whose domain has none
    "operator": Principal("olli", "operator", via="oidc", expires_at=LATER),
    "waste": Principal("maria", "department", ("waste",), via="oidc", expires_at=LATER),
    "traffic": Principal("tom", "department", ("traffic",), via="oidc", expires_at=LATER),
    "complaints": Principal("cara", "department", ("complaints",), via="oidc", expires_at=LATER),
}


@pytest.fixture
def app(dash_app, faulted, city, tmp_path, monkeypatch):
    """The dashboard over the faulted city, its signals found at the city's `NOW`."""
    store, _ = faulted
    provider = {"issuer": "https://login.city.example", "client_id": "c3"}
    settings = load_settings(timezone=TZ, data_dir=tmp_path, auth="oidc", oidc=provider)
    svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds)
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    at_now = service.current
    monkeypatch.setattr(service, "current", lambda svc, _now: at_now(svc, NOW))
    return dash_app["app"]


def layer_as(app, store, role: str) -> list[dict]:
    """The layer's features as `role` receives them."""
    client = app.server.test_client()
    with client.session_transaction() as session:
        sign_in(session, DESKS[role], store)
    answer = client.get(URL)
    assert answer.status_code == 200, answer.data[:300]
    assert answer.mimetype == "application/geo+json"
    assert answer.headers["Cache-Control"] == "private, no-store"  # it depends on who asks
    return answer.get_json()["features"]


def test_the_layer_serves_every_signal_as_a_point_with_its_evidence(app, faulted):
    store, faults = faulted
    found = {s.key: s for s in service.find(store, load_settings(timezone=TZ), NOW)}
    features = layer_as(app, store, "operator")
    shown = {f["properties"]["id"]: f for f in features}
    assert set(shown) == set(found) and len(features) == len(found)
    for key, signal in found.items():
        p = shown[key]["properties"]
        assert shown[key]["geometry"] == {"type": "Point",
                                          "coordinates": [signal.lon, signal.lat]}  # fmt: skip
        assert (p["rule"], p["title"], p["feature_id"], p["place"], p["zone"]) == (
            signal.rule, RULES[signal.rule], signal.feature_id, signal.place, signal.zone_id)
        assert datetime.fromisoformat(p["since"]) == signal.since
        assert p["evidence"] == signal.evidence and p["requests"] == list(signal.requests)
    assert {f["properties"]["rule"] for f in features} == set(RULES)  # each rule, its marker
    disagreement = shown[f"sensor_disagrees:{faults.misreading[0]}"]["properties"]
    assert disagreement["title"] == "Sensor disagrees with reports"
    assert "overflowing-bin report" in disagreement["evidence"] and disagreement["requests"]
    road = shown[f"road_problem:{faults.degrading[0]}"]["properties"]
    assert road["title"] == "Road problem" and "below its profile" in road["evidence"]


def test_a_department_sees_the_signals_of_its_own_domains_only(app, faulted):
    store, _ = faulted
    waste = layer_as(app, store, "waste")
    assert waste and {f["properties"]["domain"] for f in waste} == {"waste"}
    traffic = layer_as(app, store, "traffic")
    assert {f["properties"]["rule"] for f in traffic} == {"road_problem", "stuck_sensor"}
    assert {f["properties"]["domain"] for f in traffic} == {"traffic"}
    assert layer_as(app, store, "complaints") == []  # the signals are about bins and roads
