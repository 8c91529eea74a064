"""`/explore` in headless Chromium: the URL is the view, filters redraw, clicks open history."""

import time

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.support.ui import WebDriverWait

from sim.http import free_port

pytestmark = pytest.mark.browser

ON_MAP = "return (window.c3 && window.c3.map.onMap) || {}"


def open_explore(dash_duo, app, query):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/explore{query}")


def drawn(dash_duo, layer, count=None, timeout=20):
    def ready(d):
        n = d.execute_script(ON_MAP).get(layer, 0)
        return n if (n > 0 if count is None else n == count) else None

    try:
        return WebDriverWait(dash_duo.driver, timeout).until(ready)
    except Exception as exc:
        state = dash_duo.driver.execute_script(ON_MAP)
        raise AssertionError(f"{layer}: wanted {count or 'some'}, on the map {state}") from exc


def click_at(dash_duo, lat, lon):
    """Click the map, as a person would, where (lat, lon) is drawn."""
    view = "return document.querySelector('.leaflet-proxy').style.transform"
    last, stable_since = None, time.monotonic()
    while time.monotonic() - stable_since < 0.6:  # let the map finish fitting the city
        now = dash_duo.driver.execute_script(view)
        if now != last:
            last, stable_since = now, time.monotonic()
        time.sleep(0.1)
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


def test_clicking_a_container_opens_its_fill_history(dash_duo, live_app, demo_city):
    open_explore(dash_duo, live_app, "?layers=waste")
    drawn(dash_duo, "waste")
    target = demo_city.containers.iloc[10]
    click_at(dash_duo, target.lat, target.lon)
    dash_duo.wait_for_contains_text(
        "#explore-panel", f"Container {target.container_id}", timeout=10
    )
    dash_duo.wait_for_element("#explore-panel .c3-history-chart .main-svg", timeout=10)
    assert "Fill level, last 7 days" in dash_duo.find_element("#explore-panel").text
    assert dash_duo.get_logs() == []


def test_clicking_a_segment_opens_speed_and_weekday_profile(dash_duo, live_app, store):
    with store.reading() as cur:
        sid, name, lon, lat = cur.execute(
            "SELECT segment_id, name, ST_X(ST_LineInterpolatePoint(geom, 0.5)), "
            "ST_Y(ST_LineInterpolatePoint(geom, 0.5)) FROM road_segments "
            "WHERE road_class = 'primary' ORDER BY length_m DESC LIMIT 1"
        ).fetchone()
    open_explore(dash_duo, live_app, "?layers=traffic")
    drawn(dash_duo, "traffic")
    click_at(dash_duo, lat, lon)
    dash_duo.wait_for_contains_text("#explore-panel", "Weekday profile", timeout=10)
    assert sid in dash_duo.find_element("#explore-panel").text
    assert len(dash_duo.find_elements("#explore-panel .c3-history-chart")) == 2
    assert dash_duo.get_logs() == []


def test_the_table_lists_what_is_drawn_and_exports_it(dash_duo, live_app, demo_city):
    import csv
    import glob
    import os

    glass = int((demo_city.containers["waste_type"] == "glass").sum())
    open_explore(dash_duo, live_app, "?layers=waste&waste_type=glass")
    drawn(dash_duo, "waste", glass)
    dash_duo.wait_for_contains_text("#explore-table-count", f"{glass} rows", timeout=10)
    dash_duo.find_element("#explore-export").click()
    pattern = os.path.join(dash_duo.download_path, "c3-waste-*.csv")
    WebDriverWait(dash_duo.driver, 10).until(lambda _: glob.glob(pattern))
    time.sleep(0.5)
    with open(glob.glob(pattern)[0], newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == glass
    assert {r["Waste type"] for r in rows} == {"glass"}
    stamped = [r["Observed"] for r in rows if r["Observed"]]
    assert stamped and all(s.endswith(("+02:00", "+03:00")) for s in stamped)  # city time, ISO
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
    zoom = "return document.querySelector('.leaflet-proxy').style.transform"
    before = dash_duo.driver.execute_script(zoom)
    click_at(dash_duo, lat, lon)
    dash_duo.wait_for_contains_text("#explore-panel", name, timeout=10)
    panel = dash_duo.find_element("#explore-panel").text
    assert f"Open\n{n_open}" in panel
    assert f"Containers reporting\n{reporting}" in panel
    WebDriverWait(dash_duo.driver, 10).until(lambda d: d.execute_script(zoom) != before)
    assert dash_duo.get_logs() == []
