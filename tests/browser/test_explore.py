"""`/explore` in headless Chromium, the map: the URL is the view, filters redraw, clicks on
a container, a road or a zone open their history and figures."""

import time

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.support.ui import WebDriverWait

from store.ledger import bump_version
from tests.helpers.browser import (
    ON_MAP,
    asked,
    busiest_zone,
    click_zone,
    drawn,
    map_fitted,
    open_explore,
    record_requests,
)

pytestmark = pytest.mark.browser

ZOOM = "return document.querySelector('.leaflet-proxy').style.transform"


def click_at(dash_duo, lat, lon, bounds):
    """Click the map, as a person would, where (lat, lon) is drawn, once the map has
    finished fitting the city (`bounds`) and stands still."""
    map_fitted(dash_duo, bounds)
    # the legend floats over the map's corner: keep it from catching the click
    dash_duo.driver.execute_script("document.querySelector('.c3-legend').style.display='none'")
    x, y = dash_duo.driver.execute_script(
        "const m = window.c3.map.instance, r = m.getContainer().getBoundingClientRect();"
        "const p = m.latLngToContainerPoint([arguments[0], arguments[1]]);"
        "return [r.left + p.x, r.top + p.y];",
        lat,
        lon,
    )
    actions = ActionBuilder(dash_duo.driver)
    actions.pointer_action.move_to_location(int(round(x)), int(round(y))).click()
    actions.perform()


def test_the_url_is_the_view_and_round_trips(dash_duo, live_app, demo_city):
    glass = int((demo_city.containers["waste_type"] == "glass").sum())
    open_explore(dash_duo, live_app, "?layers=waste&waste_type=glass")
    drawn(dash_duo, "waste", glass)
    assert dash_duo.driver.execute_script(ON_MAP).get("traffic", 0) == 0
    dash_duo.wait_for_contains_text("#explore-filter-waste_type", "glass")

    # turn road congestion on: the map and the address bar follow
    boxes = dash_duo.find_elements("#explore-layers input")
    boxes[0].click()
    drawn(dash_duo, "traffic", len(demo_city.segments))
    WebDriverWait(dash_duo.driver, 5).until(lambda d: "traffic" in d.current_url)
    url = dash_duo.driver.current_url
    assert "waste_type=glass" in url

    # the same URL in a fresh page gives the same view
    dash_duo.driver.get(url)
    drawn(dash_duo, "waste", glass)
    drawn(dash_duo, "traffic", len(demo_city.segments))
    assert dash_duo.get_logs() == []


def test_a_full_view_round_trips_through_the_url(dash_duo, live_app, demo_city):
    """Layers, opacity, filters, range, moment and map view come back from the address."""
    open_explore(dash_duo, live_app, "?layers=waste,hotspots,zones&range=24h")
    drawn(dash_duo, "hotspots")
    at = int(time.time()) - 6 * 3600
    at -= at % 900
    script = "window.dash_clientside.set_props(arguments[0], {value: arguments[1]})"
    dash_duo.wait_for_contains_text("#explore-moment", " ", timeout=15)  # slider has its range
    dash_duo.driver.execute_script(script, "explore-slider", at)
    dash_duo.driver.execute_script(script, "explore-opacity-waste", 0.4)
    dash_duo.driver.execute_script(script, "explore-filter-status", ["open"])
    dash_duo.driver.execute_script("window.c3.map.instance.setView([60.168, 24.942], 16)")
    wanted = (f"at={at}", "op=waste:0.4", "status=open", "view=60.168", "range=24h")
    try:
        WebDriverWait(dash_duo.driver, 10).until(
            lambda d: all(part in d.current_url for part in wanted)
        )
    except Exception as exc:
        raise AssertionError(f"{dash_duo.driver.current_url} lacks some of {wanted}") from exc
    url = dash_duo.driver.current_url
    shown = dash_duo.find_element("#explore-moment").text

    dash_duo.driver.get("about:blank")  # nothing of the page survives; only the address
    dash_duo.driver.get(url)
    drawn(dash_duo, "hotspots")
    drawn(dash_duo, "zones")
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: d.find_element("id", "explore-moment").text == shown
    )
    state = dash_duo.driver.execute_script(
        "const m = window.c3.map.instance;"
        "return [m.getZoom(), m.getCenter().lat, window.location.search,"
        " [...document.querySelectorAll('#explore-layers input')].map((i) => i.checked)];"
    )
    zoom, lat, search, checked = state
    assert zoom == 16 and abs(lat - 60.168) < 1e-3
    assert checked == [False, True, False, True, False, True, False]  # waste, hotspots, zones
    assert "op=waste:0.4" in search and "status=open" in search
    assert dash_duo.driver.execute_script(ON_MAP).get("traffic", 0) == 0
    assert dash_duo.get_logs() == []


def test_clicking_a_container_opens_its_fill_history(dash_duo, live_app, demo_city, city):
    open_explore(dash_duo, live_app, "?layers=waste")
    drawn(dash_duo, "waste")
    target = demo_city.containers.iloc[10]
    click_at(dash_duo, target.lat, target.lon, city.bounds)
    dash_duo.wait_for_contains_text(
        "#explore-panel", f"Container {target.container_id}", timeout=10
    )
    dash_duo.wait_for_element("#explore-panel .c3-history-chart .main-svg", timeout=10)
    assert "Fill level, last 7 days" in dash_duo.find_element("#explore-panel").text
    assert dash_duo.get_logs() == []


def test_clicking_a_segment_opens_speed_and_weekday_profile(dash_duo, live_app, store, city):
    with store.reading() as cur:
        sid, name, lon, lat = cur.execute(
            "SELECT segment_id, name, ST_X(ST_LineInterpolatePoint(geom, 0.5)), "
            "ST_Y(ST_LineInterpolatePoint(geom, 0.5)) FROM road_segments "
            "WHERE road_class = 'primary' ORDER BY length_m DESC LIMIT 1"
        ).fetchone()
    open_explore(dash_duo, live_app, "?layers=traffic")
    drawn(dash_duo, "traffic")
    click_at(dash_duo, lat, lon, city.bounds)
    dash_duo.wait_for_contains_text("#explore-panel", "Weekday profile", timeout=10)
    assert sid in dash_duo.find_element("#explore-panel").text
    assert len(dash_duo.find_elements("#explore-panel .c3-history-chart")) == 2
    assert dash_duo.get_logs() == []


def test_clicking_a_zone_shows_its_figures_and_zooms_to_it(dash_duo, live_app, store, city):
    with store.reading() as cur:
        zone_id, name, n_open = cur.execute(
            "SELECT z.zone_id, z.name, count(r.request_id) FROM zones z "
            "LEFT JOIN service_requests r ON r.zone_id = z.zone_id AND r.status = 'open' "
            "GROUP BY ALL ORDER BY 3 DESC, 1 LIMIT 1"
        ).fetchone()
        reporting = cur.execute(
            "SELECT count(*) FROM waste_containers WHERE zone_id = ?", [zone_id]
        ).fetchone()[0]
        # a point on a street of the zone: inside the zone and inside the city on screen
        lon, lat = cur.execute(
            "SELECT ST_X(m), ST_Y(m) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) AS m, "
            "length_m FROM road_segments WHERE zone_id = ?) ORDER BY length_m DESC LIMIT 1",
            [zone_id],
        ).fetchone()
        assert cur.execute(
            "SELECT ST_Contains(geom, ST_Point(?, ?)) FROM zones WHERE zone_id = ?",
            [lon, lat, zone_id],
        ).fetchone()[0]
    open_explore(dash_duo, live_app, "?layers=zones")
    drawn(dash_duo, "zones", len(city.zones))
    map_fitted(dash_duo, city.bounds)  # the view before the click is the city's
    before = dash_duo.driver.execute_script(ZOOM)
    click_at(dash_duo, lat, lon, city.bounds)
    dash_duo.wait_for_contains_text("#explore-panel", name, timeout=10)
    panel = dash_duo.find_element("#explore-panel").text
    assert f"Open\n{n_open}" in panel
    assert f"Containers reporting\n{reporting}" in panel
    WebDriverWait(dash_duo.driver, 10).until(lambda d: d.execute_script(ZOOM) != before)
    assert dash_duo.get_logs() == []


def test_hotspots_count_the_complaints_the_points_show(dash_duo, live_app, store):
    open_explore(dash_duo, live_app, "?layers=hotspots&status=open")
    drawn(dash_duo, "hotspots")
    counts = dash_duo.driver.execute_script(
        "let n = 0; window.c3.map.instance.eachLayer((l) => {"
        " const p = l.feature && l.feature.properties;"
        " if (p && p.requests) n += p.requests; }); return n;"
    )
    with store.reading() as cur:
        open_now = cur.execute(
            "SELECT count(*) FROM service_requests WHERE status = 'open' AND lon IS NOT NULL"
        ).fetchone()[0]
    assert counts == open_now > 0
    tooltip = dash_duo.driver.execute_script(
        "let t = null; window.c3.map.instance.eachLayer((l) => {"
        " if (!t && l.feature && l.feature.properties.requests) t = l.getTooltip().getContent();"
        "}); return t;"
    )
    assert "median" in tooltip and "days open" in tooltip
    assert dash_duo.get_logs() == []


def test_a_zone_picked_on_the_map_filters_every_layer_to_it(dash_duo, live_app, store):
    zone_id, in_zone = busiest_zone(store)
    open_explore(dash_duo, live_app, "?layers=zones,waste")
    drawn(dash_duo, "zones")
    click_zone(dash_duo, zone_id)
    dash_duo.wait_for_element("#explore-panel button.c3-button", timeout=10).click()
    drawn(dash_duo, "waste", in_zone)
    WebDriverWait(dash_duo.driver, 10).until(lambda d: f"zone={zone_id}" in d.current_url)
    dash_duo.wait_for_contains_text("#explore-table-count", f"{in_zone} rows", timeout=10)
    assert dash_duo.get_logs() == []


def test_the_pages_poll_wakes_its_callbacks_only_when_the_data_moved(dash_duo, live_app, store):
    """The page polls /api/version every refresh_ms (1 s here); the slider, the layers'
    sources and the table are asked again only when a version (or the minute) moved."""
    record_requests(dash_duo)
    open_explore(dash_duo, live_app, "?range=24h")
    drawn(dash_duo, "waste")
    WebDriverWait(dash_duo.driver, 30).until(lambda _: asked(dash_duo, "/api/version") >= 1)
    dash_duo.driver.execute_script("window.__asked = []")
    WebDriverWait(dash_duo.driver, 30).until(lambda _: asked(dash_duo, "/api/version") >= 4)
    # four polls and no new data: at most one wake (if a minute began between them)
    assert asked(dash_duo, "explore-sources.data") <= 1

    with store.transaction() as cur:
        bump_version(cur, "waste")
    dash_duo.driver.execute_script("window.__asked = []")
    WebDriverWait(dash_duo.driver, 30).until(lambda _: asked(dash_duo, "explore-sources.data"))
    assert asked(dash_duo, "explore-table-query.data") >= 1  # the table looks again too
    assert dash_duo.get_logs() == []
