"""Signing in, in headless Chromium (issue 16): through a real OpenID Connect provider on
the loopback (oidc-provider-mock: authorization code flow with PKCE) whose groups map to
C3's roles, and with a local account; the header names who is signed in; sign-out and
the end of a session send the browser back to the sign-in page."""

from __future__ import annotations

import pytest
from oidc_provider_mock import User, run_server_in_thread
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from config import Grant, OidcSettings
from services.accounts import add_account, new_account
from sim.http import free_port
from tests.helpers.browser import callbacks_settled, configure, drawn, sign_in_locally

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def test_a_local_account_signs_in_sees_its_role_and_signs_out(dash_duo, live_app):
    dash_duo.start_server(live_app, port=free_port())  # open, until it has loaded once
    svc = configure(live_app, auth="local")
    add_account(svc.store, new_account("maria", "department", PASSWORD, ["waste"]))
    dash_duo.driver.get(dash_duo.server_url + "/explore")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: "/login?next=/explore" in d.current_url)
    sign_in_locally(dash_duo, "maria", "not it at all")
    dash_duo.wait_for_contains_text(".c3-signin-error", "Wrong name or password.")
    sign_in_locally(dash_duo, "maria", PASSWORD)
    dash_duo.wait_for_contains_text(".c3-user", "maria · department (waste)")
    assert "/explore" in dash_duo.driver.current_url
    nav = [a.text for a in dash_duo.find_elements(".c3-nav a")]
    assert nav == ["City map", "Explore", "Collection", "Reports", "Feeds"]  # no wall, no admin
    callbacks_settled(dash_duo)  # the waste department's map asks for no one else's layers
    drawn(dash_duo, "waste")
    tables = [label.text for label in dash_duo.find_elements("#explore-table-layer label")]
    assert tables == ["Containers"]  # and lists no one else's rows
    layers = [label.text for label in dash_duo.find_elements("#explore-layers label")]
    assert layers == ["Waste containers", "Cross-domain signals", "Zones", "Basemap"]
    filters = [e.text for e in dash_duo.find_elements(".c3-control-label") if e.is_displayed()]
    assert "Waste type" in filters and "Road class" not in filters  # nothing of others' to pick
    assert "Complaint type" not in filters
    legend = [e.text for e in dash_duo.find_elements(".c3-legend .c3-legend-title")]
    assert legend == ["Waste container fill", "Cross-domain signals (now)"]  # theirs only
    assert [e for e in dash_duo.get_logs() if "status of 403" in e["message"]] == []
    dash_duo.find_element(".c3-signout").click()
    dash_duo.wait_for_contains_text(".c3-signin-notice", "You are signed out.")
    dash_duo.driver.get(dash_duo.server_url + "/feeds")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: "/login?next=/feeds" in d.current_url)
    # refusals (the open start page's polls after sign-in was switched on), no failures
    assert [e for e in dash_duo.get_logs() if "status of 5" in e["message"]] == []


def test_failed_sign_ins_are_throttled(dash_duo, live_app):
    dash_duo.start_server(live_app, port=free_port())
    svc = configure(live_app, auth="local")
    add_account(svc.store, new_account("olli", "operator", PASSWORD))
    dash_duo.driver.get(dash_duo.server_url + "/login")
    for _ in range(svc.settings.access.login_attempts):
        sign_in_locally(dash_duo, "olli", "guess guess guess")
        dash_duo.wait_for_contains_text(".c3-signin-error", "Wrong name or password.")
    sign_in_locally(dash_duo, "olli", PASSWORD)  # right, but too late
    dash_duo.wait_for_contains_text(".c3-signin-error", "Too many failed sign-ins")


def test_a_session_ends_when_its_time_is_up(dash_duo, live_app):
    dash_duo.start_server(live_app, port=free_port())
    svc = configure(live_app, auth="local")
    svc.settings.access.session_hours = 2 / 3600  # two seconds
    add_account(svc.store, new_account("olli", "operator", PASSWORD))
    dash_duo.driver.get(dash_duo.server_url + "/feeds")
    sign_in_locally(dash_duo, "olli", PASSWORD)
    dash_duo.wait_for_contains_text(".c3-user", "olli · operator")

    def sent_to_sign_in(driver):
        driver.get(dash_duo.server_url + "/feeds")
        return "/login?next=/feeds" in driver.current_url

    WebDriverWait(dash_duo.driver, 30, poll_frequency=0.5).until(sent_to_sign_in)


def test_the_city_provider_signs_in_with_groups_mapped_to_roles(dash_duo, live_app, monkeypatch):
    monkeypatch.setenv("C3_OIDC_CLIENT_SECRET", "the client secret, from the environment")
    people = [User(sub="maria", claims={"groups": ["waste-team"], "preferred_username": "maria"}),
              User(sub="eve", claims={"groups": ["visitors"], "preferred_username": "eve"})]
    dash_duo.start_server(live_app, port=free_port())
    with run_server_in_thread(port=free_port(), user_claims=people) as provider:
        issuer = f"http://localhost:{provider.server_port}"
        svc = configure(live_app, auth="oidc",
                        oidc=OidcSettings(issuer=issuer, client_id="c3", label="Helsinki ID"))
        svc.settings.access.groups = {"waste-team": Grant(role="department",
                                                          departments=["waste"])}
        dash_duo.driver.get(dash_duo.server_url + "/explore")
        dash_duo.wait_for_element(".c3-signin-provider").click()  # "Sign in with Helsinki ID"
        pick = (By.CSS_SELECTOR, "button[name=sub][value=maria]")
        WebDriverWait(dash_duo.driver, 10).until(lambda d: d.find_elements(*pick))
        asked = dash_duo.driver.current_url  # the provider's page: code flow with PKCE
        assert "response_type=code" in asked and "code_challenge_method=S256" in asked
        dash_duo.driver.find_element(*pick).click()
        dash_duo.wait_for_contains_text(".c3-user", "maria · department (waste)")
        assert "/explore" in dash_duo.driver.current_url
        # someone whose groups have no role in C3 is told so, and gets nothing
        dash_duo.find_element(".c3-signout").click()
        dash_duo.wait_for_element(".c3-signin-provider").click()
        pick = (By.CSS_SELECTOR, "button[name=sub][value=eve]")
        WebDriverWait(dash_duo.driver, 10).until(lambda d: d.find_elements(*pick))
        dash_duo.driver.find_element(*pick).click()
        dash_duo.wait_for_contains_text(".c3-signin-error", "none of their groups has a role")
