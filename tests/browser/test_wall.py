"""`/wall` in headless Chromium: figures that match the store, updates in place, scenes,
privacy, and what it says when the server goes away."""

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from analytics import kpis, service_levels
from config.service_levels import ServiceLevelSettings
from sim.http import free_port
from store import wall
from store.ledger import bump_version
from store.outcomes import save_week
from store.schema import to_arrow
from store.upsert import upsert
from tests.helpers import TZ
from tests.helpers.browser import (
    ON_MAP,
    asked,
    callbacks_settled,
    map_fitted,
    record_requests,
    record_responses,
    recorded_bodies,
)

pytestmark = pytest.mark.browser

SECRET = "Call me on 040-1234567, Matti Meikäläinen, Kotikatu 3 B 12"


def figure(dash_duo, key: str) -> str:
    """A figure's text, read in one go (a tile is drawn again whenever its domain changes)."""
    return dash_duo.driver.execute_script(
        "const el = document.querySelector(`[data-figure='${arguments[0]}']`);"
        " return el && el.innerText;",
        key,
    )


def open_wall(dash_duo, app, query=""):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/wall{query}")
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: d.find_elements("css selector", "[data-figure='feeds.stale']")
    )


def wall_settled(dash_duo, timeout=30):
    """Wait until every tile has its figures and no callback is in flight: the tiles, the
    alerts under them and the map's layers are what the store says now."""
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda d: not d.find_elements("css selector", ".c3-tile-loading")
    )
    callbacks_settled(dash_duo, timeout)


def clock_ticks(dash_duo, ticks, timeout=60):
    """Wait until the wall's own clock (which the page moves on every poll) has shown
    `ticks` new times: time has passed in the page, however busy the machine."""
    seen = {dash_duo.find_element("#wall-clock").text}

    def ticked(d):
        seen.add(d.find_element("css selector", "#wall-clock").text)
        return len(seen) > ticks

    WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.2).until(ticked)


def expected_figures(store):
    now = datetime.now(UTC)
    midnight = now.astimezone(ZoneInfo(TZ)).replace(hour=0, minute=0, second=0, microsecond=0)
    with store.reading() as cur:
        waste = kpis.waste_figures(wall.container_states(cur, now).to_pandas())
        traffic = kpis.traffic_figures(wall.segment_states(cur, now, 15).to_pandas())
        open_requests = wall.open_complaints(cur).to_pandas()
        counts = wall.complaint_counts(cur, now, midnight)
    due = service_levels.due_times(open_requests, ServiceLevelSettings(), TZ)
    complaints = kpis.complaint_figures(
        open_requests, due, now, counts["opened_today"], counts["median_close_h"]
    )
    return waste, traffic, complaints


def test_tiles_show_what_the_store_says(dash_duo, live_app, store):
    open_wall(dash_duo, live_app)
    wall_settled(dash_duo)  # every tile has its figures
    waste, traffic, complaints = expected_figures(store)
    for key in ("over_95", "over_80", "overflowing", "forecast_6h"):
        assert figure(dash_duo, f"waste.{key}") == str(waste[key]), key
    assert figure(dash_duo, "traffic.index") == f"{traffic['index']:.2f}"
    assert figure(dash_duo, "traffic.incidents") == str(traffic["incidents"])
    name, ratio = traffic["worst"][0]
    assert figure(dash_duo, "traffic.worst.0") == f"× {ratio:.2f}"
    # a day of history: the forecast says why it is missing instead of guessing
    assert figure(dash_duo, "traffic.forecast").startswith("no forecast: too little recent")
    assert figure(dash_duo, "traffic.forecast.0") == "—"
    assert figure(dash_duo, "complaints.open") == str(complaints["open"])
    assert figure(dash_duo, "complaints.overdue") == str(complaints["overdue"])
    assert figure(dash_duo, "complaints.opened_today") == str(complaints["opened_today"])
    assert figure(dash_duo, "feeds.stale") == "0"
    units = dash_duo.find_element(".c3-tile-waste").text
    assert "containers" in units and "last 24 h" in units
    assert dash_duo.find_elements(".c3-tile-waste .c3-spark-line")
    assert dash_duo.find_element("#wall-root").get_attribute("data-scene") == "overview"
    assert dash_duo.get_logs() == []


def test_a_new_ingest_changes_a_tile_in_place_and_keeps_the_map_view(dash_duo, live_app, store):
    open_wall(dash_duo, live_app)
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: (d.execute_script(ON_MAP) or {}).get("waste", 0) > 0
    )
    before = int(figure(dash_duo, "waste.over_95"))
    view = (
        "return [document.querySelector('.leaflet-map-pane').style.transform,"
        " document.querySelector('.leaflet-proxy').style.transform]"
    )
    dash_duo.driver.execute_script("window.__sameDocument = 42")
    map_view = dash_duo.driver.execute_script(view)

    now = datetime.now(UTC)
    with store.reading() as cur:
        states = wall.container_states(cur, now).to_pandas()
    not_full = states[states["fill"] < 0.95]["container_id"].head(5).tolist()
    rows = [
        {"container_id": c, "observed_at": now, "fill_level": 0.97, "status": "ok"}
        for c in not_full
    ]
    with store.transaction() as cur:
        upsert(cur, "waste_readings", to_arrow("waste_readings", rows))
        bump_version(cur, "waste")

    WebDriverWait(dash_duo.driver, 15).until(
        lambda _: figure(dash_duo, "waste.over_95") == str(before + len(not_full))
    )
    assert dash_duo.driver.execute_script("return window.__sameDocument") == 42  # no reload
    assert dash_duo.driver.execute_script(view) == map_view  # the map kept its view
    assert dash_duo.get_logs() == []


def test_a_pinned_scene_shows_its_layers_and_tiles(dash_duo, live_app):
    open_wall(dash_duo, live_app, "?scene=traffic&rotate=5")  # pinned wins over rotating
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: (d.execute_script(ON_MAP) or {}).get("traffic", 0) > 0
    )
    tiles = dash_duo.find_element("#wall-tiles").get_attribute("class")
    assert "c3-show-traffic" in tiles and "c3-show-waste" not in tiles
    assert not dash_duo.find_element(".c3-tile-waste").is_displayed()
    assert dash_duo.find_element(".c3-tile-traffic").is_displayed()
    on_map = dash_duo.driver.execute_script(ON_MAP)
    assert on_map.get("waste", 0) == 0 and on_map.get("complaints", 0) == 0
    assert dash_duo.find_element("#wall-scene-title").text == "Traffic"
    clock_ticks(dash_duo, 7)  # pinned: past the first rotation (5 s), still no rotation
    assert dash_duo.find_element("#wall-root").get_attribute("data-scene") == "traffic"
    assert dash_duo.get_logs() == []


def test_rotation_moves_through_the_scenes(dash_duo, live_app):
    open_wall(dash_duo, live_app, "?rotate=5")
    root = dash_duo.find_element("#wall-root")
    assert root.get_attribute("data-scene") == "overview"
    WebDriverWait(dash_duo.driver, 12).until(lambda _: root.get_attribute("data-scene") == "waste")
    WebDriverWait(dash_duo.driver, 12).until(
        lambda _: root.get_attribute("data-scene") == "traffic"
    )
    assert dash_duo.get_logs() == []


def test_the_wall_never_receives_complainants_text(dash_duo, live_app, store):
    with store.transaction() as cur:
        cur.execute(
            "UPDATE service_requests SET description = ?, address = ? WHERE true",
            [SECRET, "Kotikatu 3 B 12"],
        )
        bump_version(cur, "complaints")
    record_responses(dash_duo)
    open_wall(dash_duo, live_app)
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: (d.execute_script(ON_MAP) or {}).get("complaints", 0) > 0
    )
    wall_settled(dash_duo)  # every tile, alert and layer has come
    bodies = recorded_bodies(dash_duo)
    assert len(bodies) > 5  # layout, callbacks, layers
    everything = "\n".join(bodies)
    assert "Matti" not in everything and "040-1234567" not in everything
    assert "Kotikatu 3 B 12" not in everything
    assert '"description":' not in everything  # no such field in any response
    assert dash_duo.get_logs() == []


def test_the_wall_says_so_when_the_server_is_gone(dash_duo, live_app):
    open_wall(dash_duo, live_app)
    assert dash_duo.find_element("#wall-connection").text == ""
    lost = datetime.now(ZoneInfo(TZ))
    dash_duo.server.stop()
    WebDriverWait(dash_duo.driver, 15).until(
        lambda d: "reconnecting" in d.find_element("css selector", "#wall-connection").text
    )
    assert "c3-offline" in dash_duo.find_element("#wall-root").get_attribute("class")
    said = dash_duo.find_element("#wall-connection").text
    noticed = datetime.now(ZoneInfo(TZ))  # in the city's time, as the wall's clock
    assert f"lost at {lost:%H:%M}" in said or f"lost at {noticed:%H:%M}" in said, said


def test_on_a_desk_screen_an_alert_click_flies_the_map_there(dash_duo, live_app, city):
    open_wall(dash_duo, live_app, "?kiosk=0")
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: d.find_elements("css selector", ".c3-alert-button")
    )
    # each domain's alerts arrive on their own and the list is drawn again each time (a new
    # first alert is a new button): click once the list is whole, and again if the button
    # went away under the click
    wall_settled(dash_duo)
    map_fitted(dash_duo, city.bounds)  # the view before the click is the city's
    zoom = "return document.querySelector('.leaflet-proxy').style.transform"
    before = dash_duo.driver.execute_script(zoom)

    def click_first_alert(d):
        d.find_elements("css selector", ".c3-alert-button")[0].click()
        return True

    WebDriverWait(dash_duo.driver, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        click_first_alert
    )
    WebDriverWait(dash_duo.driver, 30).until(lambda d: d.execute_script(zoom) != before)
    assert dash_duo.find_elements(".leaflet-control-zoom")  # desk screens keep their controls
    assert dash_duo.get_logs() == []


def test_a_poll_answered_slower_than_a_tick_still_reaches_the_tiles(dash_duo, live_app, store):
    """On a busy server the tokens can take longer than refresh_ms (1 s here): the
    renderer keeps only the newest tick's run, which must still get that answer."""
    record_requests(dash_duo)
    open_wall(dash_duo, live_app)
    wall_settled(dash_duo)
    views = live_app.server.view_functions
    quick = views["c3_api.wall_tokens_now"]

    def slow():
        time.sleep(2.5)
        return quick()

    views["c3_api.wall_tokens_now"] = slow
    try:
        dash_duo.driver.execute_script("window.__asked = []")
        with store.transaction() as cur:
            bump_version(cur, "waste")
        WebDriverWait(dash_duo.driver, 30).until(lambda _: asked(dash_duo, "wall-tile-waste"))
        assert asked(dash_duo, "/api/wall/tokens") >= 1
    finally:
        views["c3_api.wall_tokens_now"] = quick


def test_the_polls_answers_are_the_walls_heartbeat(dash_duo, live_app):
    """A wall polling every second sends nothing else to know it is connected; a poll the
    server cannot answer shows the connection as lost, and the next good one clears it."""
    record_requests(dash_duo)
    open_wall(dash_duo, live_app)
    WebDriverWait(dash_duo.driver, 30).until(lambda _: asked(dash_duo, "/api/wall/tokens"))
    dash_duo.driver.execute_script("window.__asked = []")  # from the first poll's answer on
    clock_ticks(dash_duo, 7)  # longer than the heartbeat's 5 s
    assert asked(dash_duo, "/api/wall/tokens") >= 5
    assert asked(dash_duo, "/api/version") == 0
    views = live_app.server.view_functions
    quick = views["c3_api.wall_tokens_now"]

    def failing():
        return {"error": "the store is being reopened"}, 503

    views["c3_api.wall_tokens_now"] = failing
    try:
        WebDriverWait(dash_duo.driver, 15).until(
            lambda d: "reconnecting" in d.find_element("css selector", "#wall-connection").text
        )
    finally:
        views["c3_api.wall_tokens_now"] = quick
    WebDriverWait(dash_duo.driver, 15).until(
        lambda d: d.find_element("css selector", "#wall-connection").text == ""
    )
    assert "c3-offline" not in dash_duo.find_element("#wall-root").get_attribute("class")


def test_the_outcomes_scene_shows_the_week_the_worker_kept(dash_duo, live_app, store):
    open_wall(dash_duo, live_app, "?scene=outcomes")
    tile = dash_duo.find_element(".c3-tile-outcomes")
    WebDriverWait(dash_duo.driver, 20).until(lambda _: "not computed yet" in tile.text)
    assert tile.is_displayed() and not dash_duo.find_element(".c3-tile-traffic").is_displayed()
    assert dash_duo.find_element("#wall-scene-title").text == "Outcomes of the week"
    week_end = datetime(2026, 11, 30, tzinfo=ZoneInfo(TZ)).astimezone(UTC)
    row = {"week_end": week_end, "computed_at": week_end, "days": 7, "rounds": 21,
           "fixed_start": "08:00", "recommended_min": 971.2, "fixed_min": 1116.4,
           "recommended_km": 402.0, "fixed_km": 431.5, "co2_kg_per_km": 1.25, "overflowed": 3,
           "overflowed_before": 5, "resolved": 40, "median_h": 20.5, "median_h_before": 31.0,
           "on_time": 0.72, "on_time_before": 0.57}  # fmt: skip
    store.write(lambda cur: save_week(cur, row))  # as the worker's daily job keeps a week
    WebDriverWait(dash_duo.driver, 20).until(
        lambda _: figure(dash_duo, "outcomes.saved_min") == "145")  # 1116.4 − 971.2 min
    assert figure(dash_duo, "outcomes.saved_km") == "29.5"
    assert figure(dash_duo, "outcomes.co2") == "37"  # 29.5 km × 1.25 kg/km
    assert figure(dash_duo, "outcomes.overflowed") == "3"
    assert figure(dash_duo, "outcomes.on_time") == "72 %"
    text = tile.text
    assert "collecting at 08:00" in text and "5 the week before" in text and "57 % before" in text
    assert figure(dash_duo, "outcomes.week").startswith("Mon 23 Nov – Sun 29 Nov: 21 zone rounds")
    assert dash_duo.get_logs() == []
