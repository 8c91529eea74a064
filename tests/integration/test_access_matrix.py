"""Roles decide what leaves the server (issue 16): for every registered route and server
callback, each role gets what it should and no more, anonymous a redirect to sign in or
401; a route or callback the matrix does not list fails, so none skips the guard. And the
quarantine leak: complaint records reached an anonymous POST to /_dash-update-component."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from plotly.utils import PlotlyJSONEncoder

from app import create_app
from components.ids import EXPLORE_PANEL_LAYERS
from config import ReportKind, load_settings
from services.access import Principal
from services.context import Services, attach_services, services_of
from services.session import sign_in
from store.access import audit_entries
from store.cache import Cache
from store.ledger import RunRecord, write_quarantine, write_run
from store.zone_rollups import roll_zone_hours
from tests.helpers import PUBLISHED, TZ, rows, seed_demo_day

LATER = datetime.now(UTC) + timedelta(hours=1)
EVERYWHERE = "zoom=20&bbox=24.5,59.9,25.5,60.5"  # a map view of the whole demo city, close up
ROLES = {
    "wall": Principal("hall display", "wall", via="oidc", expires_at=LATER),
    "waste": Principal("maria", "department", ("waste",), via="oidc", expires_at=LATER),
    "traffic": Principal("tom", "department", ("traffic",), via="oidc", expires_at=LATER),
    "operator": Principal("olli", "operator", via="oidc", expires_at=LATER),
    "admin": Principal("ada", "admin", personal_data=True, via="oidc", expires_at=LATER),
    "crew": Principal("crew-waste-1", "crew", via="oidc", expires_at=LATER),
    "inspector": Principal("ines", "inspector", via="oidc", expires_at=LATER),
}
EVERY = set(ROLES)
FIELD = {"crew", "inspector"}  # on a phone: their jobs, no city screens
DESKS = {"waste", "traffic", "operator", "admin"}
PUBLIC = {"anonymous"} | EVERY
CITY = {"operator", "admin"}  # who sees every department's data
# rule -> (method, a URL of it, who may have it); "anonymous" marks a public route
MATRIX = {
    "/": ("GET", "/", DESKS),
    "/<path:path>": ("GET", "/explore", DESKS),
    "/static/<path:filename>": ("GET", "/static/x.css", PUBLIC),
    "/assets/<path:filename>": ("GET", "/assets/c3.css", PUBLIC),
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>":
        ("GET", "/_dash-component-suites/dash/x.js", PUBLIC),
    "/_favicon.ico": ("GET", "/_favicon.ico", PUBLIC),
    "/_reload-hash": ("GET", "/_reload-hash", EVERY),
    "/_dash-layout": ("GET", "/_dash-layout", EVERY),
    "/_dash-dependencies": ("GET", "/_dash-dependencies", EVERY),
    "/_dash-update-component": ("POST", "/_dash-update-component", None),  # per callback
    "/api/version": ("GET", "/api/version", EVERY),
    "/api/wall/tokens": ("GET", "/api/wall/tokens", {"wall", "operator", "admin"}),
    "/api/basemap.geojson": ("GET", "/api/basemap.geojson", EVERY),
    "/api/layers/<name>.<fmt>": ("GET", "/api/layers/zones.geojson", EVERY - FIELD),
    "/api/frame": ("GET", "/api/frame", DESKS),
    # a department's data only: complaints are neither the waste nor the traffic one's
    "/api/requests.<fmt>": ("GET", "/api/requests.geojson", CITY),
    "/api/hotspots.geojson": ("GET", "/api/hotspots.geojson", CITY),
    "/api/signals.geojson": ("GET", "/api/signals.geojson", DESKS),  # each desk its own
    "/api/clusters/<layer>.geojson":
        ("GET", "/api/clusters/complaints.geojson?zoom=12&bbox=24.8,60.1,25.1,60.3", CITY),
    "/api/rows.csv": ("GET", '/api/rows.csv?q={"layer":"waste"}', {"waste", *CITY}),
    "/api/kpis/year/<domain>": ("GET", "/api/kpis/year/traffic", {"traffic", *CITY}),
    "/api/reports/<kind>/<name>": ("GET", "/api/reports/city-daily/x.html", CITY),
    "/api/reports/<kind>/run": ("POST", "/api/reports/city-daily/run", set()),  # token only
    "/api/connectors/poll": ("POST", "/api/connectors/poll", set()),  # token only
    "/api/feeds": ("GET", "/api/feeds", DESKS),
    "/api/admin/users": ("GET", "/api/admin/users", {"admin"}),
    "/api/admin/users/<name>": ("DELETE", "/api/admin/users/nobody", {"admin"}),
    "/api/admin/audit.csv": ("GET", "/api/admin/audit.csv", {"admin"}),
    "/login": ("GET", "/login", PUBLIC),
    "/logout": ("GET", "/logout", PUBLIC),
    "/auth/oidc": ("GET", "/auth/oidc", PUBLIC),
    "/auth/callback": ("GET", "/auth/callback", PUBLIC),
    "/pair/<token>": ("GET", "/pair/nope", PUBLIC),
    "/demo/role": ("POST", "/demo/role", EVERY),
    "/auth/whoami": ("GET", "/auth/whoami", EVERY),
    "/field": ("GET", "/field", FIELD | CITY),
    "/field/static/<path:filename>": ("GET", "/field/static/field.js", PUBLIC),
    "/field/map/<int:order_id>.svg": ("GET", "/field/map/1.svg", FIELD | CITY),
    "/api/field/orders/<int:order_id>/<action>": ("POST", "/api/field/orders/1/start",
                                                  FIELD | CITY),
    "/photos/<digest>.jpg": ("GET", "/photos/x.jpg", FIELD | CITY),
}  # fmt: skip
MATRIX |= {rule: ("GET", url, PUBLIC) for rule, url in PUBLISHED.items()}
# a server callback's module -> who may call it (Dash's page router: by the path asked)
CALLBACKS = {
    "callbacks.home": DESKS,
    "callbacks.explore": DESKS,
    "callbacks.explore_table": DESKS,
    "callbacks.collection": {"waste", "operator", "admin"},  # the waste department's
    "callbacks.complaints": CITY,  # the complaints department's (none of these two)
    "callbacks.reports": DESKS,
    "callbacks.feeds": DESKS,
    "callbacks.wall": {"wall", "operator", "admin"},
    "callbacks.admin": {"admin"},
}
PAGES = {"/": DESKS, "/explore": DESKS, "/collection": {"waste", "operator", "admin"},
         "/complaints": CITY,
         "/reports": DESKS, "/feeds": DESKS, "/wall": {"wall", "operator", "admin"},
         "/admin": {"admin"}}  # fmt: skip


@pytest.fixture
def app(dash_app, store, city, tmp_path):
    provider = {"issuer": "https://login.city.example", "client_id": "c3"}
    settings = load_settings(timezone=TZ, data_dir=tmp_path, auth="oidc", oidc=provider)
    svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds,
                   feed_intervals={"311": 60}, report_token="cli-token")  # fmt: skip
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    return dash_app["app"]


def client_as(app, role: str):
    client = app.server.test_client()
    if role != "anonymous":
        with client.session_transaction() as session:
            sign_in(session, ROLES[role], services_of(app.server).store)
    return client


def refused(response) -> bool:
    return response.status_code in (401, 403) or (
        response.status_code == 302 and response.location.startswith("/login?next="))  # fmt: skip


def test_every_route_is_in_the_matrix_and_each_role_gets_what_it_should(app):
    rules = {r.rule for r in app.server.url_map.iter_rules()}
    assert rules == set(MATRIX), "a route without an entry in the access matrix"
    for rule, (method, url, allowed) in MATRIX.items():
        if allowed is None:
            continue
        for role in ["anonymous", *ROLES]:
            answer = client_as(app, role).open(url, method=method)
            may = role in allowed
            assert refused(answer) != may, (rule, role, answer.status_code)
            if role == "anonymous" and not may:
                page = rule in ("/", "/<path:path>", "/field")
                assert answer.status_code == (302 if page else 401), (rule, answer.status_code)


def test_every_page_and_server_callback_is_guarded_by_role(app):
    client_as(app, "admin").get("/_dash-dependencies")  # Dash fills its callback map
    server_side = {o: s["callback"].__module__ for o, s in app.callback_map.items()
                   if s.get("callback") is not None}  # clientside ones never reach the server
    assert set(server_side.values()) - {"dash.dash"} == set(CALLBACKS), "a callback without rule"
    for output, module in server_side.items():
        if module == "dash.dash":
            continue  # the page router, below
        for role in ["anonymous", *ROLES]:
            answer = client_as(app, role).post("/_dash-update-component",
                                               json={"output": output, "inputs": []})
            assert refused(answer) != (role in CALLBACKS[module]), (output, role)
    for path, allowed in PAGES.items():
        for role in ["anonymous", *ROLES]:
            shell = client_as(app, role).get(path)
            assert refused(shell) != (role in allowed), (path, role, shell.status_code)
            routed = client_as(app, role).post("/_dash-update-component", json={
                "output": ".._pages_content.children..._pages_store.data..",
                "inputs": [{"id": "_pages_location", "property": "pathname", "value": path}],
            })  # fmt: skip
            assert refused(routed) != (role in allowed), (path, role, routed.status_code)


def quarantine_drill(connector: str) -> dict:
    """The /feeds drill callback as opening one connector's quarantine sends it."""
    return {"output": "..feeds-quarantine-grid.rowData...feeds-drill-title.children..",
            "outputs": [{"id": "feeds-quarantine-grid", "property": "rowData"},
                        {"id": "feeds-drill-title", "property": "children"}],
            "inputs": [{"id": "feeds-drill-connector", "property": "data", "value": connector},
                       {"id": "feeds-refresh", "property": "n_intervals", "value": 1}],
            "state": [{"id": "feeds-drill-title", "property": "children", "value": None}],
            "changedPropIds": ["feeds-drill-connector.data"]}  # fmt: skip


def panel_click(layer: str, feature: dict) -> dict:
    """The explore panel callback as a click on one feature of `layer` sends it."""

    def layer_id(name):
        return {"aio_id": "explore", "component": "MapShell", "layer": name, "part": "layer"}

    return {"output": "..explore-panel.children...{\"aio_id\":\"explore\",\"component\""
                      ":\"MapShell\",\"part\":\"map\"}.viewport..",
            "outputs": [{"id": "explore-panel", "property": "children"},
                        {"id": {"aio_id": "explore", "component": "MapShell", "part": "map"},
                         "property": "viewport"}],
            "inputs": [{"id": layer_id(name), "property": "clickData",
                        "value": feature if name == layer else None}
                       for name in EXPLORE_PANEL_LAYERS],
            "changedPropIds": [json.dumps(layer_id(layer), separators=(",", ":"),
                                          sort_keys=True) + ".clickData"]}  # fmt: skip


def test_quarantined_complaints_never_reach_anonymous_or_a_role_without_personal_data(app, store):
    now = datetime.now(UTC)
    record = {"service_request_id": "8812", "description": "Call Anna Virtanen 040 123 4567"}
    with store.transaction() as cur:
        run_id = write_run(cur, RunRecord("311", "complaints", now, now, fetched=1,
                                          quarantined=1))  # fmt: skip
        write_quarantine(cur, "311", run_id, now, [("no location", record)])
    drill = quarantine_drill("311")
    anonymous = client_as(app, "anonymous").post("/_dash-update-component", json=drill)
    assert anonymous.status_code == 401 and b"Virtanen" not in anonymous.data
    operator = client_as(app, "operator").post("/_dash-update-component", json=drill)
    assert operator.status_code == 200, operator.data[:300]
    assert b"Virtanen" not in operator.data and b"withheld" in operator.data
    admin = client_as(app, "admin").post("/_dash-update-component", json=drill)
    assert b"Anna Virtanen 040 123 4567" in admin.data  # granted personal data
    # and who saw it is on record
    with store.reading() as cur:
        [entry] = audit_entries(cur)
    assert (entry["who"], entry["action"], entry["what"], entry["rows"]) == (
        "ada", "personal-data", "quarantine of 311", 1)  # fmt: skip


def test_sessions_this_c3_cannot_make_and_forged_page_requests_are_refused(app):
    demo = Principal("demo visitor", "admin", personal_data=True, via="demo", expires_at=LATER)
    client = app.server.test_client()
    with client.session_transaction() as session:
        sign_in(session, demo)  # a cookie from `c3 demo` on the same data directory
    assert client.get("/auth/whoami").status_code == 401
    assert client.get("/api/admin/users").status_code == 401
    spoofed = client_as(app, "wall").post("/_dash-update-component", json={
        "output": ".._pages_content.children..._pages_store.data..",
        "inputs": [{"id": "_pages_location", "property": "xpathname", "value": "/admin"},
                   {"id": "_pages_location", "property": "pathname", "value": "/wall"}],
    })  # fmt: skip
    assert spoofed.status_code == 403


def test_a_department_gets_its_own_departments_data_only(app, store):
    now = datetime.now(UTC)
    with store.transaction() as cur:
        for name, domain in (("bins", "waste"), ("flows", "traffic")):
            write_run(cur, RunRecord(name, domain, now, now, fetched=1, inserted=1))
    svc = services_of(app.server)
    svc.feed_intervals = {"bins": 60, "flows": 60}
    feeds = client_as(app, "waste").get("/api/feeds").get_json()["connectors"]
    assert [f["name"] for f in feeds] == ["bins"]
    segment = panel_click("traffic", {"id": "x"})
    assert client_as(app, "waste").post("/_dash-update-component", json=segment).status_code \
        == 403  # fmt: skip
    moved = client_as(app, "traffic").get("/api/reports/old-kind/2026-11-30T0600.html")
    assert moved.status_code == 403  # a kind no longer configured is city-wide



def test_signing_out_ends_the_sign_in_on_the_server_too(app):
    client = client_as(app, "operator")
    with client.session_transaction() as session:
        copied = dict(session)  # someone took a copy of the cookie
    assert client.get("/auth/whoami").status_code == 200
    client.get("/logout")
    thief = app.server.test_client()
    with thief.session_transaction() as session:
        session.update(copied)
    assert thief.get("/auth/whoami").status_code == 401


def test_a_department_scoped_to_zones_gets_those_zones_data_only(app, store, demo_city):
    now = datetime.now(UTC)
    seed_demo_day(store, demo_city, now)
    ids_by_zone = rows(store, """
        SELECT zone_id, container_id FROM waste_containers UNION ALL
        SELECT zone_id, segment_id FROM road_segments UNION ALL
        SELECT zone_id, request_id FROM service_requests""")  # fmt: skip
    zone = max({z for z, _ in ids_by_zone if z}, key=lambda z: [y for y, _ in ids_by_zone].count(z))
    others = sorted({z for z, _ in ids_by_zone if z and z != zone})
    inside = {i for z, i in ids_by_zone if z == zone}
    outside = {i for z, i in ids_by_zone if z != zone} - inside  # outside every zone too
    assert len(inside) > 20 and len(outside) > 20
    svc = services_of(app.server)
    svc.settings.reports = [
        ReportKind(name="waste-city", title="Waste", cron="0 6 * * *", department="waste"),
        ReportKind(name="waste-here", title="Waste here", cron="0 6 * * *", department="waste",
                   zones=[zone]),
    ]  # fmt: skip
    maria = Principal("maria", "department", ("waste", "traffic", "complaints"), zones=(zone,),
                      via="oidc", expires_at=LATER)  # fmt: skip
    client = app.server.test_client()
    with client.session_transaction() as session:
        sign_in(session, maria, store)

    received = []
    for url in ("/api/layers/waste.geojson", "/api/layers/traffic.geojson",
                "/api/layers/complaints.geojson", "/api/layers/zones.geojson",
                f"/api/layers/waste.geojson?zone={others[0]}",
                f"/api/frame?at={int(now.timestamp())}",
                "/api/requests.geojson?range=7d", "/api/hotspots.geojson?range=7d",
                f"/api/requests.geojson?range=7d&zone={','.join(others)}",
                # the map's clusters, zoomed in until every point is drawn as itself
                f"/api/clusters/complaints.geojson?range=7d&{EVERYWHERE}",
                f"/api/clusters/waste.geojson?{EVERYWHERE}"):  # fmt: skip
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        received.append(answer.get_data(as_text=True))
    everything = "\n".join(received)
    mapped = {i for i in inside if i.startswith(("waste-", "w"))}  # containers and streets
    assert all(f'"{i}"' in everything for i in mapped)  # all of theirs on the map
    assert any(f'"{i}"' in everything for i in inside - mapped)  # and their requests
    assert [i for i in outside if f'"{i}"' in everything] == []  # and nothing else

    # a year of KPIs from the zone hours: their zone's readings alone
    hour = now.replace(minute=0, second=0, microsecond=0)
    store.write(lambda cur: roll_zone_hours(cur, hour - timedelta(days=3), hour))
    months = client.get("/api/kpis/year/waste").json["months"]
    ((theirs_read, city_read),) = rows(store, """
        SELECT count(*) FILTER (WHERE c.zone_id = $zone), count(*) FROM waste_readings r
        LEFT JOIN waste_containers c USING (container_id) WHERE r.observed_at < $hour""",
        {"zone": zone, "hour": hour})  # fmt: skip
    assert 0 < sum(m["readings"] for m in months) == theirs_read < city_read

    for layer in ("waste", "traffic", "complaints"):  # the table's export, ids forged too
        for forged in (None, sorted(outside)):
            query = {"layer": layer, "filters": {}, "range": "7d", "ids": forged}
            export = client.get("/api/rows.csv", query_string={"q": json.dumps(query)})
            listed = {row[0] for row in csv.reader(io.StringIO(export.text.lstrip("\ufeff")))}
            assert not listed & outside, (layer, forged)
            if forged is None:
                assert len(listed & inside) > 0, layer

    panel = client.post("/_dash-update-component", json=panel_click("waste", {
        "id": next(i for i in sorted(outside) if i.startswith("waste-"))}))  # fmt: skip
    assert panel.status_code == 403
    panel = client.post("/_dash-update-component", json=panel_click("zones", {"id": others[0]}))
    assert panel.status_code == 403
    theirs = client.post("/_dash-update-component", json=panel_click("zones", {"id": zone}))
    assert theirs.status_code == 200, theirs.data[:300]
    assert client.get("/api/reports/waste-city/x.html").status_code == 403  # the whole city's
    assert client.get("/api/reports/waste-here/x.html").status_code == 404  # theirs: no file yet
    with store.transaction() as cur:  # a rejected reading has no zone: its record is withheld
        run_id = write_run(cur, RunRecord("waste", "waste", now, now, fetched=1, quarantined=1))
        write_quarantine(cur, "waste", run_id, now, [("no location", {"id": "waste-9999"})])
    shown = client.post("/_dash-update-component", json=quarantine_drill("waste"))
    assert b"no location" in shown.data and b"waste-9999" not in shown.data
    assert b"withheld: your role sees some zones only" in shown.data


def test_a_layer_a_browser_cached_for_one_person_is_not_kept_for_another(app):
    """Layer URLs name whom they are for: a control-room PC shared across shifts must not
    show the operator the admin's cached complaints (with their words)."""
    version = client_as(app, "admin").get("/api/version").get_json().get("complaints", 0)
    admin, operator = ROLES["admin"].scope, ROLES["operator"].scope
    assert admin != operator and ROLES["waste"].scope != ROLES["traffic"].scope
    url = f"/api/layers/complaints.geojson?v={version}&s="
    kept = client_as(app, "operator").get(url + operator).headers["Cache-Control"]
    assert "immutable" in kept
    for other in (admin, ""):
        answer = client_as(app, "operator").get(url + other)
        assert answer.headers["Cache-Control"] == "private, no-cache", other


def test_forged_panels_and_other_departments_report_kinds_say_nothing(app):
    svc = services_of(app.server)
    svc.settings.reports = [
        ReportKind(name="roads", title="Roads weekly", cron="0 6 * * 1", department="traffic"),
        ReportKind(name="bins", title="Bins daily", cron="0 6 * * *", department="waste"),
    ]  # fmt: skip
    forged = panel_click("complaints", {"id": "x"})
    clicked = next(i for i in forged["inputs"] if i["value"])
    clicked["id"] = {**clicked["id"], "layer": "hotspots"}
    forged["changedPropIds"] = [forged["changedPropIds"][0].replace("complaints", "hotspots")]
    answer = client_as(app, "operator").post("/_dash-update-component", json=forged)
    assert answer.status_code == 204  # nothing to show, and no error
    from callbacks.reports import show_archive  # (pages register once the app exists)
    from layouts.reports import layout as reports_layout

    with app.server.test_request_context("/reports"):
        g.c3_principal = ROLES["waste"]
        page = json.dumps(reports_layout(), cls=PlotlyJSONEncoder)
        schedule = json.dumps(show_archive("", 0), cls=PlotlyJSONEncoder)
    assert "Bins daily" in page and "Roads weekly" not in page  # the kinds to pick
    assert "Bins daily" in schedule and "Roads weekly" not in schedule  # and the next runs
    with app.server.test_request_context("/reports"):
        g.c3_principal = Principal("tom", "department", ("traffic",), zones=("h3:elsewhere",),
                                   via="oidc", expires_at=LATER)  # fmt: skip
        none_of_theirs = json.dumps(show_archive("", 0), cls=PlotlyJSONEncoder)
    assert "no report kind is yours yet" in none_of_theirs


def test_a_change_sent_from_another_site_is_refused(app):
    """A page elsewhere (a sibling subdomain shares the site, so SameSite lets the cookie
    through) cannot make a signed-in user's browser move a job or switch a role."""
    operator, url = client_as(app, "operator"), "/api/field/orders/1/cancel"
    away = operator.post(url, headers={"Origin": "https://evil.city.example"})
    assert away.status_code == 403 and "another site" in away.get_json()["error"]
    at_home = operator.post(url, headers={"Origin": "http://localhost"})
    assert at_home.status_code == 409 and at_home.get_json()["error"] == "no work order 1"
    foreign = operator.post("/_dash-update-component", json={"output": "x", "inputs": []},
                            headers={"Origin": "null"})  # a sandboxed frame's
    assert foreign.status_code == 403
