"""With personal data off for a role, no response it receives carries a complainant's
words (issue 16): every body fetched while an operator without the permission goes
through the map, /explore with its complaints table, /feeds and its quarantine drill and
/reports; and the CSV export. The demo's admin, who has it, gets them: the check can fail."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
from selenium.webdriver.support.ui import WebDriverWait

from services.context import services_of
from sim.http import free_port
from store.ledger import RunRecord, bump_version, write_quarantine, write_run
from tests.helpers.browser import callbacks_settled, record_responses, recorded_bodies

pytestmark = pytest.mark.browser
SECRET = "Call me on 040-7654321, Maija Mehiläinen, Kotikatu 5 A 1"
SCREENS = ("/", "/explore?range=7d", "/feeds", "/reports")


@pytest.fixture
def confided(live_app, store):
    """Every request's words and address are a complainant's own; the complaints feed
    has one record in quarantine that holds them too."""
    with store.transaction() as cur:
        cur.execute("UPDATE service_requests SET description = ?, address = ?",
                    [SECRET, "Kotikatu 5 A 1"])  # fmt: skip
        bump_version(cur, "complaints")
        now = datetime.now(UTC)
        run = RunRecord("complaints", "complaints", now, now, fetched=1, quarantined=1)
        write_quarantine(cur, "complaints", write_run(cur, run), run.started_at,
                         [("no location", {"description": SECRET})])  # fmt: skip
    return live_app


def browse_everything(dash_duo) -> str:
    """Every screen a desk role has, the feeds drill opened; all they received."""
    record_responses(dash_duo)
    for path in SCREENS:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(".c3-header")
        callbacks_settled(dash_duo)
        if path.startswith("/explore"):  # the complaints table, with its rows
            dash_duo.wait_for_element("#explore-table-layer input[value=complaints]").click()
            WebDriverWait(dash_duo.driver, 20).until(
                lambda d: d.find_elements("css selector", "#explore-table .ag-row"))
            callbacks_settled(dash_duo)
        if path == "/feeds":
            dash_duo.wait_for_element("tr[data-feed=complaints] button").click()
            WebDriverWait(dash_duo.driver, 10).until(
                lambda d: d.find_elements("css selector", "#feeds-quarantine-grid .ag-row"))
            callbacks_settled(dash_duo)
    return "\n".join(recorded_bodies(dash_duo))


def exported(dash_duo) -> str:
    query = json.dumps({"layer": "complaints", "filters": {}, "range": "7d"})
    cookies = {c["name"]: c["value"] for c in dash_duo.driver.get_cookies()}
    answer = requests.get(dash_duo.server_url + "/api/rows.csv", params={"q": query},
                          cookies=cookies, timeout=30)  # fmt: skip
    return answer.text if answer.ok else ""


def test_an_operator_without_personal_data_never_receives_a_complainants_words(
    dash_duo, confided
):
    dash_duo.start_server(confided, port=free_port())  # open access: an operator
    everything = browse_everything(dash_duo)
    assert everything.count("c3-header") >= 1 and len(everything) > 10_000
    assert "Mehiläinen" not in everything and "040-7654321" not in everything
    assert "Kotikatu 5 A 1" not in everything
    assert "Mehiläinen" not in exported(dash_duo)


def test_who_has_personal_data_does_receive_them(dash_duo, confided):
    services_of(confided.server).demo_sign_in = True  # the demo admin: granted
    dash_duo.start_server(confided, port=free_port())
    everything = browse_everything(dash_duo)
    assert "Mehiläinen" in everything
