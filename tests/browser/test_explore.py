"""`/explore` in headless Chromium: the URL is the view, filters redraw, clicks open history."""

import csv
import glob
import math
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.support.ui import WebDriverWait

from sim.http import free_port
from store import explore

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


LISTED = (
    "const ids = []; window.dash_ag_grid.getApi('explore-table')"
    ".forEachNode((n) => n.data && ids.push(n.data.container_id)); return ids;"
)


def exported_rows(dash_duo, layer: str) -> list[dict]:
    """Click Export CSV and read the file the browser downloads."""
    dash_duo.find_element("#explore-export").click()
    pattern = os.path.join(dash_duo.download_path, f"c3-{layer}-*.csv")
    WebDriverWait(dash_duo.driver, 10).until(lambda _: glob.glob(pattern))
    time.sleep(0.5)  # let the download finish writing
    with open(glob.glob(pattern)[0], newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def busiest_zone(store) -> tuple[str, int]:
    """The zone with the most containers, and how many it has."""
    with store.reading() as cur:
        return cur.execute(
            "SELECT zone_id, count(*) FROM waste_containers GROUP BY ALL ORDER BY 2 DESC LIMIT 1"
        ).fetchone()


def click_zone(dash_duo, zone_id: str) -> None:
    """A click on a zone, as the map reports it."""
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props(arguments[0], {clickData: {id: arguments[1]}})",
        {"aio_id": "explore", "component": "MapShell", "layer": "zones", "part": "layer"},
        zone_id,
    )


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
    glass = int((demo_city.containers["waste_type"] == "glass").sum())
    open_explore(dash_duo, live_app, "?layers=waste&waste_type=glass")
    drawn(dash_duo, "waste", glass)
    dash_duo.wait_for_contains_text("#explore-table-count", f"{glass} rows", timeout=10)
    rows = exported_rows(dash_duo, "waste")
    assert len(rows) == glass
    assert {r["Waste type"] for r in rows} == {"glass"}
    listed = dash_duo.driver.execute_script(LISTED)
    assert [r["Container"] for r in rows] == listed  # the same rows, in the table's order
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


COLOURS = """
const out = {waste: {}, traffic: {}, complaints: 0};
window.c3.map.instance.eachLayer((l) => {
  const p = l.feature && l.feature.properties;
  if (!p) return;
  if (p.waste_type !== undefined) out.waste[p.id] = l.options.fillColor;
  else if (p.road_class !== undefined) out.traffic[p.id] = l.options.color;
  else if (p.cluster) out.complaints += p.point_count;
  else if (p.service !== undefined) out.complaints += 1;
});
return out;"""


def _colours_at(dash_duo, at, previous=None):
    """Move the slider to `at` and wait until the layers have redrawn for it."""
    dash_duo.wait_for_contains_text("#explore-moment", " ", timeout=15)  # slider has its range
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props('explore-slider', {value: arguments[0]})", at
    )
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: (
            f"at={at}" in d.current_url
            and (c := d.execute_script(COLOURS))["waste"]
            and c != previous
        )
    )
    time.sleep(0.5)  # let the last layer finish redrawing
    return dash_duo.driver.execute_script(COLOURS)


def test_the_slider_moves_every_layer_to_its_moment(dash_duo, live_app, store, demo_city):
    """A container's colour at t0 differs from t1 when its fill did; roads and complaints
    follow the same moment."""
    open_explore(dash_duo, live_app, "?layers=traffic,waste,complaints&range=24h")
    drawn(dash_duo, "waste", len(demo_city.containers))
    with store.reading() as cur:
        t0, t1 = (
            int(t)
            for (t,) in cur.execute(
                "SELECT DISTINCT epoch(observed_at)::BIGINT FROM waste_readings "
                "ORDER BY 1 DESC LIMIT 20"
            ).fetchall()[::19][::-1]
        )
        fills = {
            t: dict(
                cur.execute(
                    "SELECT container_id, fill_level FROM waste_readings "
                    "WHERE epoch(observed_at) = ?",
                    [t],
                ).fetchall()
            )
            for t in (t0, t1)
        }
    before = _colours_at(dash_duo, t0)
    after = _colours_at(dash_duo, t1, before)

    def colour(v):  # assets/map.js FILL_CLASSES, on the 2-decimal value the frame carries
        v = math.floor(v * 100 + 0.5) / 100  # DuckDB rounds half away from zero
        return (
            "#b71c1c"
            if v >= 0.95
            else "#ef6c00"
            if v >= 0.8
            else ("#f9a825" if v >= 0.5 else "#2e7d32")
        )

    for drawn_at, t in ((before, t0), (after, t1)):
        wrong = {
            k: (v, drawn_at["waste"][k])
            for k, v in fills[t].items()
            if drawn_at["waste"][k] != colour(v)
        }
        assert not wrong, (t, list(wrong.items())[:5])
    changed = [k for k in fills[t0] if colour(fills[t0][k]) != colour(fills[t1][k])]
    assert changed, "the simulator's bins should fill over 19 hours"
    # roads: each segment in the class of its latest ratio then (the same moment)
    with store.reading() as cur:
        ratios = {
            t: dict(
                cur.execute(
                    "SELECT segment_id, arg_max(congestion_ratio, observed_at) "
                    "FROM traffic_readings WHERE observed_at > to_timestamp(?) - INTERVAL 30 "
                    "MINUTE AND observed_at <= to_timestamp(?) GROUP BY ALL",
                    [t, t],
                ).fetchall()
            )
            for t in (t0, t1)
        }

    def road(v):  # assets/map.js RATIO_CLASSES; grey without a value
        if v is None or not math.isfinite(v):
            return "#8a8f98"
        v = math.floor(v * 100 + 0.5) / 100
        return "#6a1b1a" if v >= 3 else "#d32f2f" if v >= 1.8 else (
            "#f59f00" if v >= 1.25 else "#2f9e44")  # fmt: skip

    for drawn_at, t in ((before, t0), (after, t1)):
        wrong = {
            k: (v, drawn_at["traffic"].get(k))
            for k, v in ratios[t].items()
            if drawn_at["traffic"].get(k) != road(v)
        }
        assert not wrong, (t, list(wrong.items())[:5])
    # complaints: exactly those filed and not yet closed at each moment
    with store.reading() as cur:
        for drawn_at, t in ((before, t0), (after, t1)):
            moment = datetime.fromtimestamp(t, UTC)
            window = explore.Window(
                datetime.now(UTC) - timedelta(hours=24), datetime.now(UTC), moment
            )
            expected = explore.layer_rows(cur, "complaints", {}, False, window).num_rows
            assert drawn_at["complaints"] == expected > 0
    assert dash_duo.find_element("#explore-moment").text != "Live · now"
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
    assert checked == [False, True, False, True, True, False]  # waste, hotspots, zones
    assert "op=waste:0.4" in search and "status=open" in search
    assert dash_duo.driver.execute_script(ON_MAP).get("traffic", 0) == 0
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


def test_a_zone_figure_lists_exactly_the_rows_it_counts(dash_duo, live_app, store):
    zone_id, n_containers = busiest_zone(store)
    open_explore(dash_duo, live_app, "?layers=zones")
    drawn(dash_duo, "zones")
    click_zone(dash_duo, zone_id)
    figure = '#explore-panel button[id*=\'"metric":"reporting"\'][id*=\'"layer":"waste"\']'
    dash_duo.wait_for_element(figure, timeout=10).click()
    dash_duo.wait_for_contains_text("#explore-table-count", f"{n_containers} rows", timeout=10)
    assert "Containers reporting" in dash_duo.find_element("#explore-subset-bar").text
    dash_duo.find_element("#explore-subset-clear").click()
    dash_duo.wait_for_contains_text("#explore-table-count", "rows · now", timeout=10)
    assert not dash_duo.find_element("#explore-subset-bar").is_displayed()
    assert dash_duo.get_logs() == []


def test_play_walks_the_range_to_now(dash_duo, live_app):
    open_explore(dash_duo, live_app, "?layers=waste&range=24h")
    drawn(dash_duo, "waste")
    dash_duo.wait_for_contains_text("#explore-moment", " ", timeout=15)  # slider has its range
    start = int(time.time()) - 3 * 3600
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props('explore-slider', {value: arguments[0]})", start
    )
    dash_duo.wait_for_element("#explore-play").click()
    dash_duo.wait_for_contains_text("#explore-play", "Pause", timeout=5)
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: d.find_element("id", "explore-moment").text == "Live · now"
    )
    assert "Play" in dash_duo.find_element("#explore-play").text
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


def test_the_table_sorts_and_filters_in_the_store_and_exports_what_it_lists(
    dash_duo, live_app, demo_city
):
    open_explore(dash_duo, live_app, "?layers=waste")
    dash_duo.wait_for_contains_text(
        "#explore-table-count", f"{len(demo_city.containers)} rows", timeout=10
    )
    dash_duo.driver.execute_script(
        "const api = window.dash_ag_grid.getApi('explore-table');"
        "api.setFilterModel({waste_type: {filterType: 'text', type: 'equals', filter: 'paper'}});"
        "api.applyColumnState({state: [{colId: 'container_id', sort: 'desc'}]});"
    )
    paper = sorted(
        demo_city.containers.loc[demo_city.containers["waste_type"] == "paper", "container_id"],
        reverse=True,
    )
    WebDriverWait(dash_duo.driver, 10).until(lambda d: d.execute_script(LISTED) == paper)
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: "paper" in d.find_element("id", "explore-export").get_attribute("href")
    )
    assert [r["Container"] for r in exported_rows(dash_duo, "waste")] == paper
    assert dash_duo.get_logs() == []
