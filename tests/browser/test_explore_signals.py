"""`/explore` in headless Chromium, the "Cross-domain signals" layer (issue 19): off at
first, switched on from the layer list it draws a marker per signal, its legend lists
the four rules, a marker opened from the keyboard shows its rule, place, time, evidence
and requests, and the zone filter narrows them. (The signals themselves are stubbed at
the service: finding them in a seeded city has its own tests,
tests/integration/test_signals*.py.)"""

from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from analytics.signals import RULES, Signal
from components import ids
from services import signals as service
from tests.helpers.browser import ON_MAP, drawn, open_explore

pytestmark = pytest.mark.browser


def made_up(demo_city) -> list[Signal]:
    """A signal of three rules, on two containers and a road of the demo city."""
    since = datetime.now(UTC) - timedelta(hours=5)
    bins = demo_city.containers.iloc[[40, 80]]
    road = demo_city.segments.iloc[len(demo_city.segments) // 2]
    middle = road.geometry.interpolate(0.5, normalized=True)
    return [
        Signal("sensor_disagrees", "waste", bins.iloc[0].container_id, since,
               bins.iloc[0].address, "3 overflowing-bin reports within 60 m while its sensor "
               "read 12 %", bins.iloc[0].zone_id, bins.iloc[0].lon, bins.iloc[0].lat,
               ("311/1001", "311/1002", "311/1003")),
        Signal("stuck_sensor", "waste", bins.iloc[1].container_id, since, bins.iloc[1].address,
               "sent 40 % in each of its last 300 readings", bins.iloc[1].zone_id,
               bins.iloc[1].lon, bins.iloc[1].lat),
        Signal("road_problem", "traffic", road.segment_id, since, road.name or "",
               "2 road-damage reports on it; speeds 35% below its profile", road.zone_id,
               middle.x, middle.y, ("311/2001", "311/2002")),
    ]  # fmt: skip


def test_the_signals_layer_switches_on_and_a_marker_opens_its_evidence(
    dash_duo, live_app, demo_city, monkeypatch
):
    signals = made_up(demo_city)
    monkeypatch.setattr(service, "current", lambda svc, now: signals)
    open_explore(dash_duo, live_app, "?layers=waste")
    drawn(dash_duo, "waste")
    assert dash_duo.driver.execute_script(ON_MAP).get("signals", 0) == 0  # off at first
    legend = dash_duo.find_element(".c3-legend").text
    assert "Cross-domain signals (now)" in legend
    assert all(label in legend for label in RULES.values())

    labels = dash_duo.find_elements("#explore-layers label")
    next(label for label in labels if label.text == "Cross-domain signals").click()
    drawn(dash_duo, "signals", len(signals))
    WebDriverWait(dash_duo.driver, 10).until(lambda d: "signals" in d.current_url)
    shapes = {e.get_attribute("class").split()[-1]
              for e in dash_duo.find_elements(".leaflet-marker-pane .c3-signal-mark")}  # fmt: skip
    assert shapes == {f"c3-signal-{s.rule}" for s in signals}

    first = signals[0]
    marker = dash_duo.find_element(f'.c3-signal[title="Signal: {RULES[first.rule]} · '
                                   f'{first.feature_id}"]')  # fmt: skip
    marker.send_keys(Keys.ENTER)  # a keyboard marker: Enter opens it as a click does
    dash_duo.wait_for_contains_text(".c3-signal-popup", first.evidence, timeout=10)
    popup = dash_duo.find_element(".c3-signal-popup").text
    assert popup.startswith(RULES[first.rule]) and first.feature_id in popup
    assert f"Place: {first.place}" in popup and "Since: " in popup
    assert "Requests: 311/1001, 311/1002, 311/1003" in popup

    zone = signals[2].zone_id  # the zone filter narrows the signals too
    dash_duo.wait_for_contains_text(f"#{ids.explore_filter('zone')}", "All zones")
    dash_duo.driver.execute_script("window.dash_clientside.set_props(arguments[0], "
                                   "{value: [arguments[1]]})", ids.explore_filter("zone"), zone)
    drawn(dash_duo, "signals", sum(s.zone_id == zone for s in signals))
    assert dash_duo.get_logs() == []
