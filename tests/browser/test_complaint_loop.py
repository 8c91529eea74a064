"""The whole complaint loop in a browser (issue 18): two reports of one overflowing bin
arrive through the Open311 connector from a city's server over HTTP; on /complaints the
second is suggested as a duplicate of the first and linked by key; the nearest crew is
assigned by key; on a 390×844 phone the crew starts the job and marks it done with a
photo; an inspector validates it; the city's server receives each update and the
connector reads the closures back; the service KPIs change; a resident reopens it at the
city's server and it comes back to the queue. An operator hands a started job to
another crew from the phone page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, jsonify, request
from PIL import Image
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from config import ConnectorSettings, load_settings
from geo.basemap import basemap_file
from services.access import Principal
from services.context import Services, attach_services
from services.dispatch import Dispatcher
from services.source_updates import send_due
from services.triage import Desk, follow_up
from services.work_orders import move, open_order
from sim.http import BackgroundServer, free_port
from store.cache import Cache
from tests.helpers import TZ, rows
from tests.helpers.feeds import complaint, run_open311

pytestmark = pytest.mark.browser
WAIT = 45  # seconds; every wait is for a condition, the machine may be busy


class CityOpen311:
    """A city's Open311 server: its requests, and the update extension, which changes
    what it serves from then on."""

    def __init__(self, records):
        self.records = {r["service_request_id"]: r for r in records}
        self.updates: list[dict] = []
        self.app = Flask("city311")
        self.app.add_url_rule("/open311/v2/requests.json", view_func=self.listed)
        self.app.add_url_rule("/open311/v2/servicerequestupdates.json", view_func=self.update,
                              methods=["POST"])  # fmt: skip

    def listed(self):
        return jsonify(list(self.records.values()))

    def update(self):
        form = request.form.to_dict()
        self.updates.append(form)
        record = self.records[form["service_request_id"]]
        record["status"] = "closed" if form["status"] in ("FIXED", "CLOSED") else "open"
        record["status_notes"] = form["description"]
        record["updated_datetime"] = form["updated_datetime"]
        return jsonify({"service_request_updates": [{"update_id": f"city-{len(self.updates)}"}]})


@pytest.fixture
def loop(dash_app, store, city, tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(hours=2)
    kind = {"service_code": "WST-OVF", "service_name": "Overflowing waste container",
            "agency_responsible": "Waste Management"}  # fmt: skip
    city311 = CityOpen311([
        complaint("r1", first, lat=60.1700, long=24.9400, address="Kaivokatu 8",
                  description="Bin overflowing, bags on the pavement at Kaivokatu", **kind),
        complaint("r2", first + timedelta(minutes=40), lat=60.17018, long=24.9400,
                  description="Overflowing bin on Kaivokatu, bags everywhere", **kind),
    ])  # fmt: skip
    with BackgroundServer(city311.app) as server:
        assert run_open311(server.url, store, now).inserted == 2
        feed = ConnectorSettings(name="complaints", kind="open311", url=f"{server.url}/open311/v2",
                                 post_updates="open311")  # fmt: skip
        settings = load_settings(timezone=TZ, refresh_ms=1000, connectors=[feed],
                                 data_dir=tmp_path)  # fmt: skip
        svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds,
                       basemap_path=basemap_file(city.extract_path, tmp_path / "basemap"),
                       dispatch=Dispatcher(store, city, settings), demo_sign_in=True)  # fmt: skip
        if "app" not in dash_app:
            dash_app["app"] = create_app(svc)
        attach_services(dash_app["app"].server, svc)
        yield dash_app["app"], svc, city311, server


def wait(dash_duo, condition, timeout=WAIT):
    return WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.2).until(condition)


def text_of(dash_duo, css: str) -> str:
    """The text of the first element `css` finds ("" while there is none, or while the
    renderer is replacing it: the waits ask again)."""
    try:
        found = dash_duo.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found else ""
    except StaleElementReferenceException:
        return ""


def click(dash_duo, css: str) -> None:
    """Click the element `css` finds, once it is there and not being replaced."""

    def clicked(driver) -> bool:
        try:
            driver.find_element(By.CSS_SELECTOR, css).click()
            return True
        except (StaleElementReferenceException, NoSuchElementException):
            return False

    wait(dash_duo, clicked)


def press(dash_duo, key: str) -> None:
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys(key)


def switch_role(dash_duo, role: str) -> None:
    """The demo's role switcher, as its form posts it."""
    dash_duo.driver.execute_script(
        "const f = document.createElement('form'); f.method = 'post'; f.action = '/demo/role';"
        "const i = document.createElement('input'); i.name = 'role'; i.value = arguments[0];"
        "f.appendChild(i); document.body.appendChild(f); f.submit();", role)  # fmt: skip


def kpi(dash_duo, label: str) -> str:
    """The value of the KPI strip's figure named `label` ("" while it is being redrawn)."""
    try:
        for figure in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".c3-kpi summary"):
            if figure.find_element(By.CSS_SELECTOR, ".c3-kpi-label").text.endswith(label):
                return figure.find_element(By.CSS_SELECTOR, ".c3-kpi-value").text
    except StaleElementReferenceException:
        pass
    return ""


def test_a_complaint_goes_from_the_source_to_a_validated_fix_and_back(dash_duo, loop, tmp_path):
    app, svc, city311, server = loop
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.delete_all_cookies()
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/complaints")
    wait(dash_duo, lambda d: text_of(dash_duo, "#complaints-count").startswith("New requests: 2"))
    wait(dash_duo, lambda d: kpi(dash_duo, "resolved") == "0")

    # the second report: its duplicate suggested with the evidence, linked by key
    click(dash_duo, "button.c3-q-item[id*='complaints/r2']")
    wait(dash_duo, lambda d: "r1" in text_of(dash_duo, ".c3-complaints-dups"))
    evidence = text_of(dash_duo, ".c3-dup-evidence")
    assert evidence.startswith("20 m, 0.7 h apart, same type, words")
    press(dash_duo, "l")
    wait(dash_duo, lambda d: "one work order" in text_of(dash_duo, "#complaints-status"))
    wait(dash_duo, lambda d: text_of(dash_duo, "#complaints-count").startswith("New requests: 1"))

    # the first report, now covering both: the nearest crew by road, assigned by key
    click(dash_duo, "button.c3-q-item[id*='complaints/r1']")
    wait(dash_duo, lambda d: "covering 2 requests" in text_of(dash_duo, ".c3-complaints-order"))
    wait(dash_duo, lambda d: text_of(dash_duo, ".c3-crew-name") != "")
    assert text_of(dash_duo, ".c3-crew-name") == "Waste crew 1"  # first of the two that fix it
    press(dash_duo, "a")
    wait(dash_duo, lambda d: "assigned to crew-waste-1" in text_of(dash_duo, "#complaints-status"))

    # the crew's phone: start, then done with a photo of the fix
    photo = tmp_path / "fix.jpg"
    Image.new("RGB", (1600, 1200), (60, 120, 60)).save(photo, "JPEG")
    dash_duo.driver.set_window_size(390, 844)
    switch_role(dash_duo, "crew")
    wait(dash_duo, lambda d: d.current_url.endswith("/field"))
    wait(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, "form[data-action=start] button"))
    assert "Kaivokatu" in text_of(dash_duo, ".c3-job h2")
    assert "Bin overflowing" not in text_of(dash_duo, "main")  # never the complainant's words
    click(dash_duo, "form[data-action=start] button")
    wait(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, "form[data-action=done]"))
    dash_duo.driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(photo))
    dash_duo.driver.find_element(By.CSS_SELECTOR, "form[data-action=done] textarea") \
        .send_keys("Emptied, bags taken")  # fmt: skip
    click(dash_duo, "form[data-action=done] button")
    wait(dash_duo, lambda d: "No jobs for you" in text_of(dash_duo, "main"))

    # the inspector: the crew's photo, validated
    switch_role(dash_duo, "inspector")
    wait(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, "form[data-action=validate]"))
    wait(dash_duo, lambda d: d.execute_script(  # the thumbnail, loaded
        "const i = document.querySelector('.c3-job-photo img'); return i && i.naturalWidth") == 320)
    assert "Emptied, bags taken" in text_of(dash_duo, ".c3-job-photo figcaption")
    click(dash_duo, "form[data-action=validate] button")
    wait(dash_duo, lambda d: not d.find_elements(By.CSS_SELECTOR, "form[data-action=validate]"))

    # the city's server gets every change (the job worker's pass), and the connector reads
    # the closures back
    assert send_due(svc.store, svc.settings)["failed"] == 0
    told = [(u["service_request_id"], u["status"]) for u in city311.updates]
    assert told == [("r2", "CLOSED"), ("r1", "INVESTIGATING"), ("r1", "ACTION_SCHEDULED"),
                    ("r1", "IN_PROGRESS"), ("r1", "IN_PROGRESS"), ("r1", "FIXED")]  # fmt: skip
    run_open311(server.url, svc.store, datetime.now(UTC))
    assert rows(svc.store, "SELECT request_id, status FROM service_requests ORDER BY 1") == [
        ("r1", "closed"), ("r2", "closed")]  # fmt: skip

    # the KPIs: both reports resolved, on time, by one validated fix
    dash_duo.driver.set_window_size(1920, 1080)
    switch_role(dash_duo, "operator")
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/complaints")
    wait(dash_duo, lambda d: kpi(dash_duo, "resolved") == "2")
    assert kpi(dash_duo, "on time") == "100" and kpi(dash_duo, "fixes reopened") == "0"

    # a resident reopens the first at the city's server: the job worker's pass puts the
    # order back in the queue, unresolved
    city311.records["r1"].update(status="open", updated_datetime=(
        datetime.now(UTC) + timedelta(seconds=1)).isoformat())  # fmt: skip
    run_open311(server.url, svc.store, datetime.now(UTC) + timedelta(seconds=2))
    assert follow_up(Desk(svc.store, svc.settings, svc.dispatch))["reopened"] != []
    wait(dash_duo, lambda d: text_of(dash_duo, "#complaints-count").startswith("New requests: 1"))
    wait(dash_duo, lambda d: kpi(dash_duo, "resolved") == "0")


def test_an_order_opened_by_mistake_is_cancelled_with_a_reason(dash_duo, loop):
    app, svc, _, _ = loop
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.driver.delete_all_cookies()
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/complaints?kpi_days=7")  # the wall's
    wait(dash_duo, lambda d: text_of(dash_duo, ".c3-kpi-title") == "Service, last 7 days")
    click(dash_duo, "button.c3-q-item[id*='complaints/r1']")
    wait(dash_duo, lambda d: text_of(dash_duo, ".c3-complaints-detail h3") == "Request r1")
    press(dash_duo, "o")
    wait(dash_duo, lambda d: "is in work order" in text_of(dash_duo, "#complaints-status"))
    wait(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, ".c3-cancel-why"))
    why = dash_duo.driver.find_element(By.CSS_SELECTOR, ".c3-complaints-cancel input")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", why)
    why.send_keys("opened by mistake")
    click(dash_duo, ".c3-complaints-cancel button")
    wait(dash_duo, lambda d: "cancelled" in text_of(dash_duo, "#complaints-status"))
    wait(dash_duo, lambda d: not d.find_elements(By.CSS_SELECTOR, ".c3-complaints-order"))
    assert rows(svc.store, "SELECT state FROM work_orders") == [("cancelled",)]
    assert rows(svc.store, "SELECT count(*) FROM work_order_requests") == [(0,)]


def test_an_operator_hands_a_started_job_to_another_crew(dash_duo, loop):
    app, svc, _, _ = loop
    operator = Principal("demo-operator", "operator")
    order_id = open_order(svc.store, svc.settings, operator, [("complaints", "r1")])
    move(svc.store, svc.settings, operator, order_id, "assign", crew_id="crew-waste-1")
    move(svc.store, svc.settings, Principal("crew-waste-1", "crew"), order_id, "start")
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(390, 844)
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(f"{dash_duo.server_url}/field")
    wait(dash_duo, lambda d: text_of(dash_duo, ".c3-field-who").endswith("admin"))
    switch_role(dash_duo, "operator")  # the demo visitor starts as admin
    wait(dash_duo, lambda d: not d.current_url.endswith("/field"))  # the operator's home
    dash_duo.driver.get(f"{dash_duo.server_url}/field")
    wait(dash_duo, lambda d: d.find_elements(By.CSS_SELECTOR, "form[data-action=assign] select"))
    assert text_of(dash_duo, ".c3-field-who").endswith("operator")
    assert "In progress" in text_of(dash_duo, ".c3-job-facts")
    choice = dash_duo.driver.find_element(By.CSS_SELECTOR, "form[data-action=assign] select")
    assert [o.text for o in choice.find_elements(By.TAG_NAME, "option")] == ["Waste crew 2"]
    click(dash_duo, "form[data-action=assign] button")
    wait(dash_duo, lambda d: rows(svc.store, "SELECT state, crew_id FROM work_orders") == [
        ("assigned", "crew-waste-2")])  # fmt: skip
    last = rows(svc.store, "SELECT who, action, from_state, to_state, crew_id "
                           "FROM work_order_events ORDER BY happened_at DESC LIMIT 1")[0]
    assert last[1:] == ("assign", "in_progress", "assigned", "crew-waste-2")
