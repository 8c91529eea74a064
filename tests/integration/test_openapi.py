"""C3's public API against its own OpenAPI document (issue 20): schemathesis generates
requests from /openapi.json, valid and invalid, sends them over real HTTP to a running
C3 holding a day of the demo city, and checks every answer: no server error, a status
code, content type, headers and body the document describes. And the document covers
every public route C3 serves."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from app import create_app
from config import load_settings
from services.context import Services, attach_services
from sim.http import BackgroundServer
from store import Store
from store.cache import Cache
from store.city import load_city_model
from tests.helpers import FIXED_NOW, TZ, seed_demo_day

PUBLIC_PREFIXES = ("/open311/", "/status/", "/open-data/", "/ngsi-ld/", "/pulse")


@pytest.fixture(scope="module")
def running_c3(demo_city, city, dash_app, tmp_path_factory):
    """A C3 over real HTTP with a day of the demo city, the pulse on, no rate limit in
    the way of the generated requests."""
    folder = tmp_path_factory.mktemp("openapi")
    store = Store(folder / "c3.duckdb")
    load_city_model(store, city)
    feeds = seed_demo_day(store, demo_city, FIXED_NOW)
    config = load_settings(timezone=TZ, data_dir=folder, auth="none", connectors=feeds,
                           open_data={"public_per_minute": 1_000_000, "pulse": True})  # fmt: skip
    svc = Services(settings=config, store=store, cache=Cache(None), map_bounds=city.bounds)
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    with BackgroundServer(dash_app["app"].server) as server:
        yield server, dash_app["app"].server
    store.close()


def test_every_public_endpoint_answers_as_its_document_says(running_c3):
    """Each operation of the document, with generated requests (schemathesis' pytest
    plugin predates pytest 9, so its strategies run under hypothesis here). Every check
    but one: a request valid by its parameters' schemas may still break a rule between
    them (start before end, a span of at most 90 days) that OpenAPI 3.0 can only state in
    words, and is rightly refused with the documented 400."""
    server, _ = running_c3
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures, checked = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def answers_as_described(case):
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            answers_as_described()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's, not the first's
            failures[operation.label] = str(exc)[:2000]
        checked += 1
    assert checked >= 10, "the document lost operations"
    assert not failures, "\n\n".join(f"{label}:\n{why}" for label, why in failures.items())


EDGES = ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z",
         "9999-12-31T23:59:59-01:00", "")  # the calendar's ends, and nothing


def test_every_time_parameter_takes_the_calendars_ends_without_a_server_error(running_c3):
    """What generated examples rarely hit: each date-time query parameter of the
    document at the first and last instant Python can hold, alone; a 4xx is fine."""
    server, _ = running_c3
    document = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    tried = 0
    for path, item in document["paths"].items():
        params = item["get"].get("parameters", [])
        times = [p["name"] for p in params
                 if p["in"] == "query" and p["schema"].get("format") == "date-time"]  # fmt: skip
        fmt = "csv" if path.startswith("/open-data/") else "json"  # each path's own format
        url = server.url + path.replace("{fmt}", fmt).replace("{domain}", "traffic")
        for name in times:
            for edge in EDGES:
                answer = requests.get(url, params={name: edge}, timeout=30)
                assert answer.status_code != 404 and answer.status_code < 500, (
                    path, name, edge, answer.text[:300])
                tried += 1
    assert tried >= 30, "the document lost its time parameters"


def test_the_document_describes_every_public_route(running_c3):
    server, flask_app = running_c3
    document = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    described = {path.replace("{", "<").replace("}", ">") for path in document["paths"]}
    served = set()
    for rule in flask_app.url_map.iter_rules():
        path = rule.rule
        for converter in ("string:", "path:", "int:"):
            path = path.replace(f"<{converter}", "<")
        if path.startswith(PUBLIC_PREFIXES) and "/static/" not in path:
            served.add(path)
    assert served and served <= described, served - described
    assert document["info"]["license"]["name"] == "CC BY 4.0"
