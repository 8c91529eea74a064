"""`/feeds` in headless Chromium: one row per connector with its state (degraded when its
last run was mostly rejected), last success and last error, the runs of the last 24 h,
and a drill into a connector's quarantined records, shown as text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from selenium.webdriver.support.ui import WebDriverWait

from config import ConfigProblem
from services.context import services_of
from sim.http import free_port
from store.ledger import RunRecord, write_quarantine, write_run

pytestmark = pytest.mark.browser

HOSTILE = '{"service_code": "<img src=x onerror=alert(1)>", "lat": null}'


@pytest.fixture
def troubled(live_app, store):
    """The live app after the traffic feed's last poll failed and the complaints feed
    sent two records C3 could not take."""
    now = datetime.now(UTC)
    with store.transaction() as cur:
        timeout = "ReadTimeout: the broker did not answer in 10 s"
        write_run(cur, RunRecord("traffic", "traffic", now, now, status="failed", error=timeout))
        drift = "new attributes, kept in the extras column: notes"
        run_id = write_run(cur, RunRecord("complaints", "complaints", now, now, fetched=2,
                                          quarantined=2, warnings=[drift]))  # fmt: skip
        write_quarantine(cur, "complaints", run_id, now, [
            ("no location (lat/long or address)", HOSTILE),
            ("requested_datetime missing", {"service_request_id": "8812"}),
        ])  # fmt: skip
    return live_app


def test_feeds_show_state_errors_and_the_quarantine(dash_duo, troubled):
    dash_duo.start_server(troubled, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/feeds")
    dash_duo.wait_for_element(".c3-feeds-table tbody tr")
    rows = {r.get_attribute("data-feed"): r for r in dash_duo.find_elements("tbody tr")}
    # every record of the complaints feed's last run was rejected: it ran, but is not live
    assert {n: r.get_attribute("data-state") for n, r in rows.items()} == {
        "waste": "live", "traffic": "failing", "complaints": "degraded",
    }  # fmt: skip
    assert "2 of 2 records of the last run rejected" in rows["complaints"].text
    assert "ReadTimeout: the broker did not answer in 10 s" in rows["traffic"].text
    assert "none" in rows["waste"].text  # no error, no quarantine
    assert "last run: fetched 2" in rows["complaints"].text
    warnings = rows["complaints"].find_elements("css selector", ".c3-feeds-warning")
    assert [w.text for w in warnings] == [
        "⚠ new attributes, kept in the extras column: notes"
    ]  # schema drift is reported where the operator looks
    assert [w.text for w in rows["waste"].find_elements("css selector", ".c3-feeds-warning")] == []
    assert rows["traffic"].find_elements("css selector", ".c3-bar-failed")  # the outage shows

    button = rows["complaints"].find_element("css selector", "button")
    assert button.text == "2 records"
    button.click()
    dash_duo.wait_for_text_to_equal(
        "#feeds-drill-title", "Quarantine of complaints: 2 records, newest first"
    )
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: len(d.find_elements("css selector", "#feeds-quarantine-grid .ag-row")) == 2
    )
    grid = dash_duo.find_element("#feeds-quarantine-grid").text
    assert "no location (lat/long or address)" in grid and "requested_datetime missing" in grid
    # an operator without personal data sees why, not the complainant's record
    assert grid.count("(withheld: this record may hold a complainant's personal data)") == 2
    assert "onerror" not in grid
    assert dash_duo.get_logs() == []


def test_who_may_see_personal_data_gets_quarantined_records_as_text(dash_duo, troubled):
    services_of(troubled.server).demo_sign_in = True  # the demo's admin: personal data granted
    dash_duo.start_server(troubled, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/feeds")
    dash_duo.wait_for_element(".c3-feeds-table tbody tr[data-feed=complaints] button").click()
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: len(d.find_elements("css selector", "#feeds-quarantine-grid .ag-row")) == 2
    )
    grid = dash_duo.find_element("#feeds-quarantine-grid").text
    assert "<img src=x onerror=alert(1)>" in grid  # the record as text, never as markup
    assert dash_duo.find_elements("#feeds-quarantine-grid img") == []
    assert dash_duo.get_logs() == []


def test_a_misconfigured_feed_is_listed_with_why_while_the_others_run(dash_duo, live_app):
    svc = services_of(live_app.server)
    svc.misconfigured = [ConfigProblem("c3.toml:14", "the mapping needs request_id", "la311")]
    dash_duo.start_server(live_app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/feeds")
    dash_duo.wait_for_element(".c3-feeds-table tbody tr[data-feed=la311]")
    rows = {r.get_attribute("data-feed"): r for r in dash_duo.find_elements("tbody tr")}
    assert {n: r.get_attribute("data-state") for n, r in rows.items()} == {
        "la311": "misconfigured", "waste": "live", "traffic": "live", "complaints": "live",
    }  # fmt: skip
    assert "the mapping needs request_id" in rows["la311"].text
    assert "fix it at c3.toml:14, then restart C3" in rows["la311"].text
    caption = dash_duo.find_element(".c3-feeds-table caption").text
    assert caption.startswith("4 connectors, 1 misconfigured (not polled);")
    api = requests.get(dash_duo.server_url + "/api/feeds", timeout=10).json()["connectors"]
    aside = api[-1]
    assert (aside["name"], aside["state"], aside["where"], aside["reason"]) == (
        "la311", "misconfigured", "c3.toml:14", "the mapping needs request_id")  # fmt: skip
    assert set(aside) > set(api[0])  # every key a running feed has, and why and where
    # the wall counts it with the feeds that bring no data, and says why
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    dash_duo.wait_for_contains_text("#wall-alerts", "Feed la311 misconfigured: not polled")
    dash_duo.wait_for_text_to_equal("[data-figure='feeds.stale']", "1")
    assert dash_duo.get_logs() == []
