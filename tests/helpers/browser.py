"""What the browser tests read from the page and wait for: features on the map, the map at
rest, the renderer with no callback in flight; /explore's way in."""

from __future__ import annotations

from selenium.webdriver.support.ui import WebDriverWait

from services.context import services_of
from sim.http import free_port

# Features on the map per layer (assets/map.js keeps the count).
ON_MAP = "return (window.c3 && window.c3.map.onMap) || {}"

# The map has fitted `arguments[0]` ([[south, west], [north, east]]) and nothing moves: no
# zoom, pan or flight under way (Leaflet sets its zoom only once a zoom animation ends).
MAP_FITTED = """
const m = window.c3 && window.c3.map.instance;
if (!m || !m._loaded || m._animatingZoom || m._flyToFrame) return false;
if (m._panAnim && m._panAnim._inProgress) return false;
return m.getZoom() === m._limitZoom(m.getBoundsZoom(L.latLngBounds(arguments[0])));
"""

# Callbacks the Dash renderer has asked for and not yet applied (dash.testing's own test).
CALLBACKS_IN_FLIGHT = """
const state = Object.assign({}, window.store.getState().callbacks);
delete state.stored;
delete state.completed;
return Object.values(state).reduce((n, list) => n + list.length, 0);
"""


def drawn(dash_duo, layer, count=None, timeout=20):
    """Wait until `layer` has features on the map (exactly `count`, if given)."""

    def ready(d):
        n = d.execute_script(ON_MAP).get(layer, 0)
        return n if (n > 0 if count is None else n == count) else None

    try:
        return WebDriverWait(dash_duo.driver, timeout).until(ready)
    except Exception as exc:
        state = dash_duo.driver.execute_script(ON_MAP)
        raise AssertionError(f"{layer}: wanted {count or 'some'}, on the map {state}") from exc


def map_fitted(dash_duo, bounds, timeout=30):
    """Wait until the map shows the city (`bounds`: west, south, east, north) and is still."""
    west, south, east, north = bounds
    corners = [[south, west], [north, east]]
    WebDriverWait(dash_duo.driver, timeout).until(lambda d: d.execute_script(MAP_FITTED, corners))


def callbacks_settled(dash_duo, timeout=30):
    """Wait for a moment when the renderer has no callback in flight."""
    WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(CALLBACKS_IN_FLIGHT) == 0
    )


def open_explore(dash_duo, app, query):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/explore{query}")


def click_zone(dash_duo, zone_id: str) -> None:
    """A click on a zone, as the map reports it."""
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props(arguments[0], {clickData: {id: arguments[1]}})",
        {"aio_id": "explore", "component": "MapShell", "layer": "zones", "part": "layer"},
        zone_id,
    )


def busiest_zone(store) -> tuple[str, int]:
    """The zone with the most containers, and how many it has."""
    with store.reading() as cur:
        return cur.execute(
            "SELECT zone_id, count(*) FROM waste_containers GROUP BY ALL ORDER BY 2 DESC LIMIT 1"
        ).fetchone()


# Every response body the page's scripts fetch, kept in window.__bodies across navigations
# (added before any page script runs); window.__reading counts bodies not yet kept.
RECORD_RESPONSES = """
window.__bodies = JSON.parse(sessionStorage.getItem('c3-bodies') || '[]');
window.__reading = 0;
const original = window.fetch;
window.fetch = async (...args) => {
    window.__reading += 1;
    let response;
    try {
        response = await original(...args);
    } catch (err) {
        window.__reading -= 1;
        throw err;
    }
    response.clone().text().then((t) => {
        window.__bodies.push(t);
        sessionStorage.setItem('c3-bodies', JSON.stringify(window.__bodies));
    }).finally(() => { window.__reading -= 1; });
    return response;
};"""


def record_responses(dash_duo) -> None:
    """From the next page on, keep every body the page fetches (see `recorded_bodies`)."""
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_RESPONSES}
    )


def recorded_bodies(dash_duo, timeout: float = 30) -> list[str]:
    """The bodies fetched so far, once none is still being read; and the page itself."""
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda d: d.execute_script("return window.__reading") == 0
    )
    return dash_duo.driver.execute_script("return window.__bodies") + [
        dash_duo.driver.page_source
    ]


def configure(app, **changes):
    """The live app's services with these settings changed (sign-in on; after the app
    has started: dash_duo waits for the dashboard, which sign-in would hide)."""
    svc = services_of(app.server)
    svc.settings = svc.settings.model_copy(update=changes)
    return svc


def sign_in_locally(dash_duo, name: str, password: str) -> None:
    """Sign in on the /login page the browser shows."""
    dash_duo.wait_for_element("#c3-name").send_keys(name)
    dash_duo.find_element("#c3-password").send_keys(password)
    dash_duo.find_element(".c3-signin-form button").click()


# The requests a page sends (URL, body), for tests of what it asks and when
ASKED = """
window.__asked = [];
const before = window.fetch;
window.fetch = (...args) => {
    const body = (args[1] && typeof args[1].body === "string") ? args[1].body : "";
    window.__asked.push([String(args[0]), body]);
    return before(...args);
};
"""


def asked(dash_duo, what: str) -> int:
    """How many requests whose URL or body says `what` the page has sent since it opened
    (or since a test emptied `window.__asked`)."""
    return dash_duo.driver.execute_script(
        "return window.__asked.filter(([u, b]) => u.includes(arguments[0])"
        " || b.includes(arguments[0])).length",
        what,
    )


def record_requests(dash_duo) -> None:
    """From the next page on, keep the URL and body of every request the page fetches."""
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ASKED})

