"""`/explore` in headless Chromium, complaints clustered on the server (issue 17): the city
view shows count bubbles adding up to the complaints shown, a click on one zooms in, and
zoomed in far enough the complaints are drawn one by one."""

from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import WebDriverWait

from store import explore
from tests.helpers import rows
from tests.helpers.browser import drawn, map_fitted, open_explore

pytestmark = pytest.mark.browser

# The complaints layer as drawn: cluster bubbles (count, the text on them) and points.
COMPLAINTS_DRAWN = """
const out = {clusters: [], points: [], zoom: window.c3.map.instance.getZoom()};
window.c3.map.instance.eachLayer((l) => {
  const p = l.feature && l.feature.properties;
  if (!p || (p.service === undefined && !p.cluster)) return;
  if (p.cluster) out.clusters.push([p.point_count, l.getElement().textContent]);
  else out.points.push(p.id);
});
return out;"""
CLUSTERS_ASKED = """return performance.getEntriesByType('resource').map((r) => r.name)
  .filter((n) => n.includes('/api/clusters/complaints'));"""


def shown_now(store) -> int:
    now = datetime.now(UTC)
    window = explore.Window(now - timedelta(days=7), now, now)
    with store.reading() as cur:
        return explore.layer_rows(cur, "complaints", {}, False, window).num_rows


def drawn_when(dash_duo, wanted, timeout=20):
    """Wait until the complaints drawn satisfy `wanted`; what is drawn then."""
    seen = {}

    def ready(d):
        seen.update(d.execute_script(COMPLAINTS_DRAWN))
        return seen if wanted(seen) else None

    try:
        return WebDriverWait(dash_duo.driver, timeout).until(ready)
    except Exception as exc:
        raise AssertionError(f"complaints drawn: {str(seen)[:400]}") from exc


def test_clusters_count_the_complaints_and_zoom_in_to_points(dash_duo, live_app, store, city):
    total = shown_now(store)
    open_explore(dash_duo, live_app, "?layers=complaints")
    drawn(dash_duo, "complaints")
    map_fitted(dash_duo, city.bounds)

    def counts_everything(d):
        return d["clusters"] and sum(n for n, _ in d["clusters"]) + len(d["points"]) == total

    city_wide = drawn_when(dash_duo, counts_everything)
    assert all(text == str(n) for n, text in city_wide["clusters"])  # the bubble says its count
    assert len(city_wide["clusters"]) + len(city_wide["points"]) < total / 2

    # a click on the biggest bubble zooms in, and the server sends that zoom's clusters
    before = city_wide["zoom"]
    bubbles = dash_duo.find_elements(".c3-cluster")
    biggest = max(bubbles, key=lambda b: int(b.text))
    dash_duo.driver.execute_script("document.querySelector('.c3-legend').style.display='none'")
    ActionChains(dash_duo.driver).move_to_element(biggest).click().perform()
    zoomed = drawn_when(dash_duo, lambda d: d["zoom"] > before)
    WebDriverWait(dash_duo.driver, 20).until(lambda d: any(
        f"zoom={int(zoomed['zoom'])}&" in url for url in d.execute_script(CLUSTERS_ASKED)))

    # zoomed in on one complaint: it is drawn as itself, named by its id
    request_id, lon, lat = rows(store, "SELECT request_id, lon, lat FROM service_requests "
                                       "WHERE lon IS NOT NULL AND status = 'open' "
                                       "ORDER BY request_id LIMIT 1")[0]  # fmt: skip
    dash_duo.driver.execute_script(
        "window.c3.map.instance.setView([arguments[0], arguments[1]], 18)", lat, lon)
    close = drawn_when(dash_duo, lambda d: d["zoom"] == 18 and request_id in d["points"])
    assert close["clusters"] == []
    assert dash_duo.get_logs() == []
