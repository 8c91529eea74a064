"""`/collection` in headless Chromium: the matrix shows the stored plan, picking a zone's
window (its button, or a cell of the matrix) draws that window's routes, and a second
window sits beside it."""

import json
from datetime import UTC, datetime

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from services.collection import CollectionPlanner
from services.context import services_of
from sim.http import free_port
from store import collection
from tests.helpers.browser import ON_MAP

pytestmark = pytest.mark.browser
MATRIX_DATA = "return document.querySelector('#collection-matrix .js-plotly-plot').data"


@pytest.fixture
def planned_app(live_app, store, city):
    svc = services_of(live_app.server)
    planner = CollectionPlanner(store, city, svc.settings)
    plan_id = planner.recompute(datetime.now(UTC))
    svc.collection = planner
    with store.reading() as cur:
        frame = collection.plan_windows_frame(cur, plan_id)
    return live_app, planner, plan_id, frame


def stops_on_map(dash_duo, count):
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: d.execute_script(ON_MAP).get("stops", 0) == count
    )
    labels = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('.c3-stop-number')].map(e => e.textContent)"
    )
    return sorted(int(label) for label in labels if label != "D")


def test_the_matrix_shows_the_plan_and_a_pick_draws_its_routes(dash_duo, planned_app):
    app, planner, plan_id, frame = planned_app
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/collection")
    dash_duo.wait_for_element("#collection-matrix .js-plotly-plot", timeout=20)
    data = WebDriverWait(dash_duo.driver, 20).until(
        lambda d: (found := d.execute_script(MATRIX_DATA)) and len(found) == 4 and found
    )
    assert sorted(data[0]["y"]) == sorted(frame["zone_name"].unique())
    assert len(data[0]["x"]) == frame["start_at"].nunique() == 96
    stars = data[3]  # one ★ per zone, at its rank-1 start
    assert len(stars["x"]) == frame["zone_id"].nunique()

    # a zone's "Routes" button: its best window, routes as stored with the plan
    best = frame[frame["rank"] == 1].sort_values("zone_name").iloc[0]
    dash_duo.find_elements(".c3-collection-best .c3-button")[0].click()
    with planner.store.reading() as cur:
        stored = json.loads(collection.stored_routes(cur, plan_id, best.zone_id, best.start_at))
    n_stops = sum(len(v["stops"]) for v in stored["vehicles"])
    numbers = stops_on_map(dash_duo, n_stops)
    expected = sorted(s["seq"] for v in stored["vehicles"] for s in v["stops"])
    assert numbers == expected
    assert dash_duo.driver.execute_script(ON_MAP).get("routes") == len(stored["vehicles"])
    dash_duo.wait_for_contains_text(
        "#collection-summary", f"{stored['totals']['containers']}\nContainers collected"
    )
    outlined = (
        "const found = []; window.c3.map.instance.eachLayer(l => {"
        " if (l.feature && l.options.dashArray === '10 6') found.push(l.feature.properties.id);"
        " });"
        " return found;"
    )
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: d.execute_script(outlined) == [best.zone_id]
    )  # the picked zone, and only it, is outlined
    # the comparison opens on the zone's slowest allowed window
    dash_duo.wait_for_contains_text("#collection-comparison", "Compared", timeout=20)

    # a cell of the matrix: a window whose routes were not stored, computed once now; an
    # allowed one (in the evening the first late-ranked start is in the quiet hours), and
    # the one nearest the ★, whose marker must not catch a click on the cell beside it
    late = frame[(frame["zone_id"] == best.zone_id) & (frame["rank"] > 5) & frame["allowed"]]
    other = late.loc[(late["start_at"] - best.start_at).abs().idxmin()]
    gd = dash_duo.find_element("#collection-matrix .js-plotly-plot")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView()", gd)
    fx, fy = dash_duo.driver.execute_script(
        """const gd = arguments[0], L = gd._fullLayout, r = gd.getBoundingClientRect();
           return [(L._size.l + L.xaxis.l2p(L.xaxis.d2l(arguments[1]))) / r.width,
                   (L._size.t + L.yaxis.l2p(L.yaxis.d2l(arguments[2]))) / r.height];""",
        gd,
        other.start_at.tz_convert("Europe/Helsinki").strftime("%Y-%m-%d %H:%M:%S"),
        other.zone_name,
    )
    dash_duo.click_at_coord_fractions(gd, fx, fy)
    label = other.start_at.tz_convert("Europe/Helsinki").strftime("%a %d %b %H:%M")
    dash_duo.wait_for_contains_text("#collection-summary", label, timeout=20)
    with planner.store.reading() as cur:
        computed = collection.stored_routes(cur, plan_id, other.zone_id, other.start_at)
    assert computed is not None  # stored with the plan, so the next reader gets it
    routes = json.loads(computed)
    stops_on_map(dash_duo, sum(len(v["stops"]) for v in routes["vehicles"]))
    assert dash_duo.get_logs() == []


def test_before_the_first_plan_the_screen_says_it_is_computing(dash_duo, live_app, store, city):
    svc = services_of(live_app.server)
    svc.collection = CollectionPlanner(store, city, svc.settings)
    dash_duo.start_server(live_app, port=free_port())
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/collection")
    dash_duo.wait_for_contains_text("#collection-status", "Computing the first collection plan")
    assert dash_duo.get_logs() == []
