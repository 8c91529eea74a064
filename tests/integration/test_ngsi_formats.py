"""NGSI-v2 and NGSI-LD brokers over real HTTP: paging, tenancy, representations, drift."""

import json
from datetime import UTC, datetime

import pytest
from flask import Flask, jsonify, request

from config import ConnectorSettings
from connectors.runner import build_connector, run_connector
from sim.formats import ngsi_normalized
from sim.http import BackgroundServer
from store.ledger import get_watermark
from tests.helpers import TZ
from tests.helpers.entities import ld_normalized

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CONTEXT_URL = "https://smartdatamodels.org/context.jsonld"
LINK = f'<{CONTEXT_URL}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def container(i, **change):
    """A WasteContainer in NGSI-v2 keyValues form."""
    entity = {
        "id": f"bin-{i}",
        "type": "WasteContainer",
        "location": {"type": "Point", "coordinates": [24.94 + i / 10_000, 60.17]},
        "fillingLevel": round(i / 40, 3),
        "status": "ok",
        "dateModified": "2026-11-24T09:59:00Z",
    }
    return dict(entity, **change)


def flow(segment_id, speed=30.0):
    return {
        "id": f"traffic-{segment_id}",
        "type": "TrafficFlowObserved",
        "refRoadSegment": f"urn:ngsi-ld:RoadSegment:{segment_id}",
        "dateObserved": "2026-11-24T09:55:00Z/2026-11-24T10:00:00Z",
        "averageVehicleSpeed": speed,
        "intensity": 12,
        "congested": False,
    }


def service_request(i, status="open"):
    return {
        "id": f"sr-{i}",
        "type": "Open311ServiceRequest",
        "service_request_id": f"2026-{i:04d}",
        "status": status,
        "service_code": "pothole",
        "service_name": "Pothole",
        "requested_datetime": "2026-11-23T08:00:00+02:00",
        "updated_datetime": "2026-11-24T09:00:00+02:00",
        "address_string": "Mannerheimintie 5",
        "location": {"type": "Point", "coordinates": [24.9384, 60.1699]},
    }


class Broker:
    """An NGSI broker whose entities a test gives: NGSI-v2 keyValues for /v2 (normalized on
    request, like Orion), NGSI-LD entities for /ngsi-ld. Records every request it gets."""

    def __init__(self, entities, *, cap=1000, context_in_body=False, count=True, problem=None):
        self.entities, self.cap, self.count = entities, cap, count
        self.context_in_body, self.problem = context_in_body, problem
        self.requests: list[tuple[dict, dict]] = []  # (query, headers by lower-case name)
        self.app = Flask("broker")
        self.app.add_url_rule("/v2/entities", view_func=self.v2)
        self.app.add_url_rule("/ngsi-ld/v1/entities", view_func=self.ld)

    def _record(self):
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.requests.append((dict(request.args), headers))

    def _page(self):
        self._record()
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        return self.entities[offset : offset + min(limit, self.cap)]

    def v2(self):
        options = request.args.get("options", "").split(",")
        page = self._page()
        response = jsonify(page if "keyValues" in options else [ngsi_normalized(e) for e in page])
        if "count" in options and self.count:
            response.headers["Fiware-Total-Count"] = str(len(self.entities))
        return response

    def ld(self):
        if self.problem:
            self._record()
            status, problem = self.problem
            response = jsonify(problem)
            response.status_code, response.mimetype = status, "application/problem+json"
            return response
        page = [{k: v for k, v in e.items() if k != "@context"} for e in self._page()]
        if self.context_in_body:
            response = jsonify([dict(e, **{"@context": [CONTEXT_URL]}) for e in page])
            response.mimetype = "application/ld+json"
        else:
            response = jsonify(page)
            response.headers["Link"] = LINK
        if request.args.get("count") == "true" and self.count:
            response.headers["NGSILD-Results-Count"] = str(len(self.entities))
        return response


def settings(url, kind, entity_type="WasteContainer", **kw):
    return ConnectorSettings(
        name=kw.pop("name", "bins"),
        kind=kind,
        url=url,
        entity_type=entity_type,
        retries=kw.pop("retries", 0),
        timeout_s=2.0,
        **kw,
    )


def run(store, broker, kind, entity_type="WasteContainer", now=NOW, **kw):
    with BackgroundServer(broker.app) as server:
        connector = build_connector(settings(server.url, kind, entity_type, **kw), TZ)
        return run_connector(connector, store, now=now)


def rows(store, sql, params=()):
    with store.reading() as cur:
        return cur.execute(sql, list(params)).fetchall()


def ledger(store):
    return rows(
        store,
        "SELECT fetched, inserted, updated, unchanged, quarantined FROM ingest_runs "
        "WHERE status = 'ok' ORDER BY run_id",
    )


def encode(kind, entities):
    """The same keyValues entities as the broker of `kind` serves them."""
    return entities if kind == "ngsi-v2" else [ld_normalized(e) for e in entities]


# -- NGSI-LD -------------------------------------------------------------------------------
def test_ld_pages_to_the_results_count_and_every_entity_lands(store):
    entities = [ld_normalized(container(i)) for i in range(25)]
    entities[11] = ld_normalized(container(11, fillingLevel="0.4"))
    broker = Broker(entities, cap=4)  # the broker caps limit below the page size asked for
    first = run(store, broker, "ngsi-ld", page_size=10)
    second = run(store, broker, "ngsi-ld", page_size=10, now=NOW.replace(minute=5))
    assert first.status == second.status == "ok", (first.error, second.error)
    assert [int(q["offset"]) for q, _ in broker.requests[:7]] == [0, 4, 8, 12, 16, 20, 24]
    assert {q["count"] for q, _ in broker.requests} == {"true"}
    assert ledger(store) == [(25, 24, 0, 0, 1), (25, 0, 0, 25, 0)]  # the held one: unchanged
    for fetched, inserted, updated, unchanged, quarantined in ledger(store):
        assert fetched == inserted + updated + unchanged + quarantined
    assert rows(store, "SELECT count(*) FROM waste_containers") == [(24,)]
    assert rows(store, "SELECT container_id FROM waste_containers ORDER BY 1 LIMIT 1") == [
        ("urn:ngsi-ld:WasteContainer:bin-0",)
    ]


def test_ld_without_a_count_stops_at_a_short_page(store):
    broker = Broker([ld_normalized(container(i)) for i in range(7)], count=False)
    result = run(store, broker, "ngsi-ld", page_size=3)
    assert (result.status, result.inserted) == ("ok", 7)
    assert len(broker.requests) == 3


def test_ld_broker_ignoring_offset_fails_instead_of_looping(store):
    broker = Broker([ld_normalized(container(i)) for i in range(2)], count=False)
    broker.app.view_functions["ld"] = lambda: jsonify(broker.entities)
    result = run(store, broker, "ngsi-ld", page_size=2)
    assert result.status == "failed" and "offset ignored" in result.error


@pytest.mark.parametrize("context", [CONTEXT_URL, None])
def test_ld_tenant_and_context_headers_reach_the_broker(store, context):
    broker = Broker([ld_normalized(container(1))])
    result = run(store, broker, "ngsi-ld", ngsild_tenant="helsinki", ngsild_context=context)
    assert result.status == "ok", result.error
    (query, headers), *_ = broker.requests
    assert headers["ngsild-tenant"] == "helsinki"
    assert headers.get("link") == (LINK if context else None)
    assert query["type"] == "WasteContainer"


def test_an_empty_answer_without_a_context_says_what_to_check(store):
    nothing = run(store, Broker([]), "ngsi-ld")
    assert (nothing.status, nothing.fetched) == ("ok", 0)
    assert nothing.warnings == [
        "no WasteContainer entities: if the broker holds them under the Smart Data Models' "
        "@context, set ngsild_context"
    ]
    with_context = run(store, Broker([]), "ngsi-ld", ngsild_context=CONTEXT_URL)
    assert with_context.warnings == []


@pytest.mark.parametrize("context_in_body", [False, True], ids=["link-header", "body"])
def test_ld_context_in_the_body_or_a_link_header_reads_the_same(store, context_in_body):
    broker = Broker(
        [ld_normalized(container(i)) for i in range(3)], context_in_body=context_in_body
    )
    result = run(store, broker, "ngsi-ld")
    assert (result.status, result.inserted, result.quarantined) == ("ok", 3, 0), result.error
    assert result.warnings == []
    assert rows(store, "SELECT count(*) FROM waste_readings WHERE extras IS NULL") == [(3,)]


def test_ld_waste_containers_land_from_properties_and_geo_properties(store):
    entity = ld_normalized(container(1, fillingLevel=0.8, temperature=4.5), expand=True)
    entity["refDevice"] = {"type": "Relationship", "object": ["urn:ngsi-ld:Device:lid-1"]}
    result = run(store, Broker([entity]), "ngsi-ld")
    assert (result.status, result.inserted) == ("ok", 1), result.error
    [(lon, lat)] = rows(store, "SELECT lon, lat FROM waste_containers")
    assert (lon, lat) == (pytest.approx(24.9401), 60.17)
    reading = rows(store, "SELECT fill_level, temperature_c, status, extras FROM waste_readings")
    assert reading[0][:3] == (0.8, 4.5, "ok")
    assert json.loads(reading[0][3]) == {"refDevice": ["urn:ngsi-ld:Device:lid-1"]}


def test_ld_traffic_flows_land_on_their_road_segment_relationships(store):
    segments = [s for (s,) in rows(store, "SELECT segment_id FROM road_segments LIMIT 3")]
    broker = Broker([ld_normalized(flow(s)) for s in segments])
    result = run(store, broker, "ngsi-ld", "TrafficFlowObserved", name="traffic")
    assert (result.status, result.inserted, result.quarantined) == ("ok", 3, 0), result.error
    landed = rows(
        store, "SELECT segment_id, observed_at, speed_kmh, travel_time_s FROM traffic_readings"
    )
    assert sorted(r[0] for r in landed) == sorted(segments)
    assert {r[1] for r in landed} == {NOW}
    assert all(r[2] == 30.0 and r[3] > 0 for r in landed)


def test_ld_service_requests_land_with_their_status_events(store):
    broker = Broker(
        [ld_normalized(service_request(1)), ld_normalized(service_request(2, "closed"))]
    )
    result = run(store, broker, "ngsi-ld", "Open311ServiceRequest", name="issues")
    assert (result.status, result.inserted, result.quarantined) == ("ok", 2, 0), result.error
    assert rows(store, "SELECT source, request_id, status FROM service_requests ORDER BY 2") == [
        ("issues", "2026-0001", "open"),
        ("issues", "2026-0002", "closed"),
    ]
    assert rows(store, "SELECT request_id, status FROM service_request_events ORDER BY 1, 2") == [
        ("2026-0001", "open"),
        ("2026-0002", "closed"),
        ("2026-0002", "open"),
    ]
    with store.reading() as cur:
        assert get_watermark(cur, "issues") == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_an_rfc7807_problem_fails_the_run_with_its_detail_and_keeps_the_watermark(store):
    assert run(store, Broker([ld_normalized(container(1))]), "ngsi-ld").status == "ok"
    with store.reading() as cur:
        before = get_watermark(cur, "bins")
    problem = {
        "type": "https://uri.etsi.org/ngsi-ld/errors/BadRequestData",
        "title": "Invalid limit",
        "detail": "limit 1000 is above the broker's maximum of 100",
    }
    result = run(store, Broker([], problem=(400, problem)), "ngsi-ld", now=NOW.replace(hour=11))
    assert result.status == "failed"
    assert "limit 1000 is above the broker's maximum of 100" in result.error
    assert "Invalid limit" in result.error and "BadRequestData" in result.error
    stored = rows(store, "SELECT status, error FROM ingest_runs ORDER BY run_id DESC LIMIT 1")
    assert stored[0][0] == "failed" and "maximum of 100" in stored[0][1]
    with store.reading() as cur:
        assert get_watermark(cur, "bins") == before


def test_a_broker_still_down_after_the_retries_says_why(store):
    problem = {
        "type": "https://uri.etsi.org/ngsi-ld/errors/InternalError",
        "title": "Service unavailable",
        "detail": "the context source for WasteContainer is being upgraded",
    }
    broker = Broker([], problem=(503, problem))
    result = run(store, broker, "ngsi-ld", retries=1)
    assert result.status == "failed"
    assert len(broker.requests) == 2  # asked again once, then gave up
    assert "503: Service unavailable: the context source for WasteContainer is being upgraded" in (
        result.error
    )


# -- NGSI-v2 -------------------------------------------------------------------------------
def test_v2_normalized_is_asked_without_key_values_and_lands_the_same_rows(store):
    broker = Broker([container(i, category=["fixed"]) for i in range(5)])
    key_values = run(store, broker, "ngsi-v2")
    snapshot = rows(store, "SELECT * FROM waste_readings ORDER BY container_id")
    normalized = run(store, broker, "ngsi-v2", ngsi_options="normalized", now=NOW.replace(minute=1))
    assert (key_values.inserted, normalized.status) == (5, "ok"), normalized.error
    assert (normalized.inserted, normalized.updated, normalized.unchanged) == (0, 0, 5)
    assert rows(store, "SELECT * FROM waste_readings ORDER BY container_id") == snapshot
    options = [q["options"] for q, _ in broker.requests]
    assert options == ["keyValues,count", "count"]


def test_v2_fiware_service_headers_reach_the_broker(store):
    broker = Broker([container(1)])
    result = run(
        store, broker, "ngsi-v2", fiware_service="helsinki", fiware_service_path="/waste/north"
    )
    assert result.status == "ok", result.error
    (_, headers), *_ = broker.requests
    assert (headers["fiware-service"], headers["fiware-servicepath"]) == (
        "helsinki",
        "/waste/north",
    )


# -- both ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ngsi-v2", "ngsi-ld"])
def test_a_new_attribute_is_kept_in_extras_and_named_in_the_warnings(store, kind):
    entities = [container(i) for i in range(4)]
    entities[2] = container(2, lidSensor={"battery": 0.2}, fillingLevelAlert=True)
    result = run(store, Broker(encode(kind, entities)), kind)
    assert (result.status, result.inserted, result.quarantined) == ("ok", 4, 0), result.error
    extras = rows(store, "SELECT extras FROM waste_readings WHERE container_id LIKE '%bin-2'")
    assert json.loads(extras[0][0]) == {"fillingLevelAlert": True, "lidSensor": {"battery": 0.2}}
    assert rows(store, "SELECT count(*) FROM waste_readings WHERE extras IS NULL") == [(3,)]
    warnings = rows(store, "SELECT warnings FROM ingest_runs")[0][0]
    assert "fillingLevelAlert, lidSensor" in warnings


@pytest.mark.parametrize("kind", ["ngsi-v2", "ngsi-ld"])
def test_a_type_change_is_quarantined_with_its_reason_and_the_rest_lands(store, kind):
    entities = [container(i) for i in range(5)]
    entities[1] = container(1, fillingLevel="full")
    entities[3] = container(3, location="60.17,24.94")
    result = run(store, Broker(encode(kind, entities)), kind)
    assert (result.status, result.inserted, result.quarantined) == ("ok", 3, 2), result.error
    reasons = sorted(r for (r,) in rows(store, "SELECT reason FROM quarantine"))
    assert "fillingLevel is not a number: 'full'" in reasons[0]
    assert "location is not a GeoJSON object" in reasons[1]
    assert ledger(store) == [(5, 3, 0, 0, 2)]
