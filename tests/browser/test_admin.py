"""`/admin` in headless Chromium (issue 16, items 3 and 4): an admin names a wall display
and gets its one-time pairing link and QR code; the link signs a keyboardless browser in
as that wall, once; a revoked wall says so on its screen; displays are renamed and
revoked on the screen; and the audit log lists who changed them and who exported rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.expected_conditions import alert_is_present
from selenium.webdriver.support.ui import WebDriverWait

from services.admin import displays
from services.context import services_of
from sim.http import free_port
from store import access as rows

pytestmark = pytest.mark.browser


def as_demo_admin(dash_duo, app):
    """The browser signed in afresh as the demo's admin (its session cookie dropped)."""
    svc = services_of(app.server)
    svc.demo_sign_in = True
    dash_duo.driver.delete_all_cookies()
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/admin")
    dash_duo.wait_for_element(".c3-admin-displays-list")
    return svc


def create_display(dash_duo, name: str) -> str:
    """Create a display on the admin screen; its pairing link, as shown."""
    dash_duo.wait_for_element("#admin-display-name").send_keys(name)
    dash_duo.find_element("#admin-display-create").click()
    dash_duo.wait_for_contains_text(".c3-pairing", f"Pair “{name}”")
    return dash_duo.find_element(".c3-pairing-link").text


def browser_session(dash_duo) -> requests.Session:
    """An HTTP client with the browser's cookies: the same principal as the browser."""
    client = requests.Session()
    for cookie in dash_duo.driver.get_cookies():
        client.cookies.set(cookie["name"], cookie["value"])
    return client


def test_a_display_pairs_by_its_link_once_and_its_wall_says_when_revoked(dash_duo, live_app):
    dash_duo.start_server(live_app, port=free_port())
    svc = as_demo_admin(dash_duo, live_app)
    dash_duo.wait_for_contains_text(".c3-admin-displays-list", "No wall displays yet")
    link = create_display(dash_duo, "Control room, left")
    assert link.startswith(f"{dash_duo.server_url}/pair/")
    qr = dash_duo.find_element(".c3-pairing-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert "pairing link" in qr.get_attribute("alt")
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: d.execute_script("return arguments[0].naturalWidth", qr) > 100
    )  # drawn: the CSP lets a data: image through
    assert "Valid 24 h, once" in dash_duo.find_element(".c3-pairing").text
    dash_duo.wait_for_contains_text(".c3-admin-displays tbody", "awaiting pairing")
    assert dash_duo.find_element("#admin-display-name").get_attribute("value") == ""
    [device] = displays(svc.store, datetime.now(UTC))

    # the wall computer: no session, no keyboard, a link. Sign-in is on from here on, so
    # nothing but the link lets the browser in (no demo admin when its session ends)
    svc.demo_sign_in = False
    svc.settings = svc.settings.model_copy(update={"auth": "local"})
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(link)
    WebDriverWait(dash_duo.driver, 10).until(lambda d: d.current_url.endswith("/wall"))
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: d.find_elements("css selector", "[data-figure='feeds.stale']")
    )
    who = browser_session(dash_duo).get(f"{dash_duo.server_url}/auth/whoami").json()
    assert (who["name"], who["role"], who["via"]) == ("Control room, left", "wall", "device")
    used = requests.get(link, allow_redirects=False, timeout=10)  # once only
    assert used.status_code == 410 and "has been used, has expired" in " ".join(used.text.split())

    # an admin revokes it (from another browser: this one is the wall now)
    with svc.store.transaction() as cur:
        assert rows.revoke_device(cur, device["device_id"], datetime.now(UTC))

    def says_unpaired(d):
        notice = d.find_elements("css selector", "#wall-signed-out")
        return notice and notice[0].is_displayed() and notice[0].text

    text = WebDriverWait(dash_duo.driver, 20).until(says_unpaired)
    assert "This display was unpaired by an admin: ask for a new pairing link" in text
    assert "Sign in" not in text  # a wall cannot type: no sign-in link
    assert "c3-signed-out" in dash_duo.find_element("#wall-root").get_attribute("class")
    assert not dash_duo.find_element("#wall-tiles").is_displayed()  # no stale picture
    assert "reconnecting" not in dash_duo.find_element("#wall-root").text  # not "server gone"


def test_an_admin_renames_and_revokes_a_display_and_the_audit_log_lists_it(dash_duo, live_app):
    dash_duo.start_server(live_app, port=free_port())
    svc = as_demo_admin(dash_duo, live_app)
    link = create_display(dash_duo, "Lobby")
    [device] = displays(svc.store, datetime.now(UTC))
    wall = requests.Session()  # the display, somewhere else
    assert wall.get(link, timeout=10).url.endswith("/wall")
    assert wall.get(f"{dash_duo.server_url}/api/version", timeout=10).status_code == 200

    row = f"tr[data-device='{device['device_id']}']"
    rename = dash_duo.wait_for_element(f"{row} label input")
    label = dash_duo.driver.execute_script("return arguments[0].labels[0].textContent", rename)
    assert label == "New name for Lobby"
    rename.send_keys(Keys.CONTROL, "a")
    rename.send_keys("Main lobby", Keys.ENTER)  # the keyboard alone
    dash_duo.wait_for_contains_text("#admin-display-status", "“Lobby” is now “Main lobby”.")
    dash_duo.wait_for_text_to_equal(f"{row} th", "Main lobby")
    assert dash_duo.find_element(row).get_attribute("data-state") == "paired"

    dash_duo.find_element(f"{row} .c3-button-danger").click()  # Revoke
    alert = WebDriverWait(dash_duo.driver, 10).until(alert_is_present())
    assert alert.text.startswith("Revoke “Main lobby”?")
    alert.accept()
    dash_duo.wait_for_contains_text("#admin-display-status", "“Main lobby” is revoked")
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: d.find_element("css selector", row).get_attribute("data-state") == "revoked"
    )
    assert not dash_duo.find_elements(f"{row} button")  # nothing more to do with it
    gone = wall.get(f"{dash_duo.server_url}/api/version", timeout=10)  # at once
    assert gone.status_code == 401

    # an export, by this admin: on the audit log with the device changes, newest first
    desk = browser_session(dash_duo)
    query = json.dumps({"layer": "waste", "filters": {}, "range": None})
    exported = desk.get(f"{dash_duo.server_url}/api/rows.csv", params={"q": query}, timeout=30)
    assert exported.status_code == 200

    def audit_rows(d):
        found = d.execute_script(
            "return [...document.querySelectorAll('#admin-audit-grid .ag-center-cols-container"
            " .ag-row')].sort((a, b) => a.getAttribute('row-index') - b.getAttribute("
            "'row-index')).map((r) => r.innerText.replace(/\\s+/g, ' '))"
        )
        return found if found and "export" in found[0] else None

    listed = WebDriverWait(dash_duo.driver, 30).until(audit_rows)  # the next refresh
    assert "demo visitor" in listed[0] and "waste rows" in listed[0]
    changes = [r for r in listed[1:] if "demo visitor admin device" in r]  # newest first
    assert "revoked" in changes[0] and "renamed from “Lobby”" in changes[1], listed
    assert "display “Lobby” created" in changes[2]
    csv = desk.get(f"{dash_duo.server_url}/api/admin/audit.csv", timeout=10)
    assert csv.status_code == 200 and "renamed from “Lobby”" in csv.text
    href = dash_duo.find_element(".c3-admin-export").get_attribute("href")
    assert href == f"{dash_duo.server_url}/api/admin/audit.csv"
    assert [e for e in dash_duo.get_logs() if "status of 5" in e["message"]] == []
