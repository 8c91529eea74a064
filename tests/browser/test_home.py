"""`/` in headless Chromium: the map with its three layers, legend, layer toggle, feed line."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from services.context import services_of
from sim.http import free_port
from tests.helpers.browser import ON_MAP, map_fitted

pytestmark = pytest.mark.browser

# Leaflet re-clusters the complaints on 'moveend'; a listener added now runs after it.
AWAIT_MOVE = (
    "window.__c3_moved = false;"
    " window.c3.map.instance.once('moveend', () => { window.__c3_moved = true; });"
)


def wait_for_layers(dash_duo, timeout=20):
    return WebDriverWait(dash_duo.driver, timeout).until(
        lambda d: (
            lambda m: (
                m
                if m and all(m.get(k, 0) > 0 for k in ("waste", "traffic", "complaints"))
                else None
            )
        )(d.execute_script(ON_MAP))
    )


BADGE = """
const b = document.querySelector(`.c3-feed[data-feed='${arguments[0]}']`);
return b && {state: b.dataset.state, failed: b.dataset.failed, text: b.innerText, title: b.title};
"""


def zoom_in(dash_duo, timeout=20):
    """Click the map's +, and wait until the zoom has ended and the markers re-clustered."""
    dash_duo.driver.execute_script(AWAIT_MOVE)
    dash_duo.find_element(".leaflet-control-zoom-in").click()
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda d: d.execute_script("return window.__c3_moved")
    )


def test_home_shows_three_layers_legend_and_feeds(dash_duo, live_app, demo_city):
    dash_duo.start_server(live_app, port=free_port())
    on_map = wait_for_layers(dash_duo)
    assert on_map["waste"] == len(demo_city.containers)
    assert on_map["traffic"] == len(demo_city.segments)
    assert dash_duo.find_elements(".c3-cluster, .c3-complaint")  # complaints, clustered

    legend = dash_duo.find_element(".c3-legend").text
    for words in (
        "Waste container fill",
        "≥ 95 %",
        "Travel time vs free flow",
        "congested",
        "Open complaints",
    ):
        assert words in legend

    dash_duo.wait_for_text_to_equal(".c3-feed[data-feed='waste'] b", "waste")
    states = dash_duo.driver.execute_script(  # in one go: the line is drawn on every poll
        "return Object.fromEntries([...document.querySelectorAll('.c3-feed')]"
        ".map((e) => [e.dataset.feed, e.dataset.state]));"
    )
    assert states == {"waste": "live", "traffic": "live", "complaints": "live"}
    assert dash_duo.find_element(".c3-sim-badge").text.startswith("SIMULATED DATA")
    assert dash_duo.get_logs() == []


def test_toggling_a_layer_hides_it(dash_duo, live_app):
    dash_duo.start_server(live_app, port=free_port())
    wait_for_layers(dash_duo)
    labels = dash_duo.driver.find_elements(
        By.CSS_SELECTOR, ".leaflet-control-layers-overlays label"
    )
    waste = next(label for label in labels if "Waste containers" in label.text)
    waste.find_element(By.TAG_NAME, "input").click()
    WebDriverWait(dash_duo.driver, 5).until(lambda d: d.execute_script(ON_MAP)["waste"] == 0)
    assert dash_duo.driver.execute_script(ON_MAP)["traffic"] > 0  # the others stay
    waste.find_element(By.TAG_NAME, "input").click()
    WebDriverWait(dash_duo.driver, 5).until(lambda d: d.execute_script(ON_MAP)["waste"] > 0)
    assert dash_duo.get_logs() == []


def test_complainants_text_stays_on_the_server_unless_allowed(dash_duo, live_app, store):
    import requests

    with store.transaction() as cur:
        cur.execute("UPDATE service_requests SET description = 'call me on 040 123'")
        cur.execute("UPDATE data_versions SET version = version + 1 WHERE domain = 'complaints'")
    dash_duo.start_server(live_app, port=free_port())
    for path in ("/api/layers/complaints.geojson", "/api/requests.geojson?range=7d"):
        body = requests.get(dash_duo.server_url + path, timeout=10).text
        assert '"service"' in body and "040 123" not in body and '"address"' not in body


def test_popup_shows_citizen_text_as_text(dash_duo, live_app, store, city):
    # someone granted personal data (the demo's admin): complainants' text is shown, as text
    services_of(live_app.server).demo_sign_in = True
    with store.transaction() as cur:
        cur.execute(
            "UPDATE service_requests SET description = '<img src=x onerror=alert(1)>bold' "
            "WHERE status = 'open'"
        )
        cur.execute("UPDATE data_versions SET version = version + 1 WHERE domain = 'complaints'")
    dash_duo.start_server(live_app, port=free_port())
    wait_for_layers(dash_duo)
    map_fitted(dash_duo, city.bounds)  # a click on + while the map fits the city is lost
    # zoom in until single complaint markers appear, then open one
    for _ in range(5):
        if dash_duo.find_elements(".c3-complaint"):
            break
        zoom_in(dash_duo)
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".c3-complaint")
    )
    dash_duo.driver.execute_script("document.querySelector('.c3-complaint').click()")
    popup = dash_duo.wait_for_element(".c3-popup", timeout=5)
    # the popup fades in: wait until it is visible before reading what it shows
    WebDriverWait(dash_duo.driver, 5).until(lambda _: popup.text)
    assert "<img src=x onerror=alert(1)>bold" in popup.text
    assert popup.find_elements(By.TAG_NAME, "img") == []
    assert dash_duo.get_logs() == []


def test_a_failing_feed_reads_stale_and_the_map_still_draws(dash_duo, live_app, store):
    from datetime import UTC, datetime

    from store.ledger import RunRecord, write_run

    now = datetime.now(UTC)
    with store.transaction() as cur:
        write_run(
            cur,
            RunRecord(
                "complaints",
                "complaints",
                started_at=now,
                finished_at=now,
                status="failed",
                error="ConnectionError: feed unreachable",
            ),
        )
    dash_duo.start_server(live_app, port=free_port())
    wait_for_layers(dash_duo)
    # the feed line is drawn again on every poll: read the badge in one go
    badge = WebDriverWait(dash_duo.driver, 20).until(
        lambda d: d.execute_script(BADGE, "complaints")
    )
    assert badge["state"] == "stale"
    assert badge["failed"] == "true"
    assert "last run failed" in badge["text"]
    assert "feed unreachable" in badge["title"]
    assert dash_duo.driver.execute_script(BADGE, "waste")["state"] == "live"
    assert dash_duo.get_logs() == []
