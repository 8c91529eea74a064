"""`/explore` in headless Chromium, time: the slider moves every layer to its moment, Play
walks the range to now, and a value out of range in the address never breaks the page."""

import json
import math
import time
from datetime import UTC, datetime, timedelta

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from store import explore
from tests.helpers.browser import drawn, open_explore

pytestmark = pytest.mark.browser

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


def fill_colour(v):  # assets/map.js FILL_CLASSES, on the 2-decimal value the frame carries
    v = math.floor(v * 100 + 0.5) / 100  # DuckDB rounds half away from zero
    return (
        "#b71c1c"
        if v >= 0.95
        else "#ef6c00"
        if v >= 0.8
        else ("#f9a825" if v >= 0.5 else "#2e7d32")
    )


def road_colour(v):  # assets/map.js RATIO_CLASSES; grey without a value
    if v is None or not math.isfinite(v):
        return "#8a8f98"
    v = math.floor(v * 100 + 0.5) / 100
    return "#6a1b1a" if v >= 3 else "#d32f2f" if v >= 1.8 else (
        "#f59f00" if v >= 1.25 else "#2f9e44")  # fmt: skip


def moment_in_store(store, t) -> dict:
    """What the store says at moment `t` (epoch s): each container's fill, each segment's
    latest ratio then, and how many complaints were filed and not yet closed."""
    with store.reading() as cur:
        fills = cur.execute(
            "SELECT container_id, fill_level FROM waste_readings WHERE epoch(observed_at) = ?",
            [t],
        ).fetchall()
        ratios = cur.execute(
            "SELECT segment_id, arg_max(congestion_ratio, observed_at) "
            "FROM traffic_readings WHERE observed_at > to_timestamp(?) - INTERVAL 30 "
            "MINUTE AND observed_at <= to_timestamp(?) GROUP BY ALL",
            [t, t],
        ).fetchall()
        moment = datetime.fromtimestamp(t, UTC)
        window = explore.Window(datetime.now(UTC) - timedelta(hours=24), datetime.now(UTC), moment)
        complaints = explore.layer_rows(cur, "complaints", {}, False, window).num_rows
    return {"waste": dict(fills), "traffic": dict(ratios), "complaints": complaints}


def differences(drawn_at, expected) -> dict:
    """Where the drawn layers are not the store's moment."""
    return {
        "waste": {
            k: (v, drawn_at["waste"].get(k))
            for k, v in expected["waste"].items()
            if drawn_at["waste"].get(k) != fill_colour(v)
        },
        "traffic": {
            k: (v, drawn_at["traffic"].get(k))
            for k, v in expected["traffic"].items()
            if drawn_at["traffic"].get(k) != road_colour(v)
        },
        "complaints": (expected["complaints"], drawn_at["complaints"])
        if drawn_at["complaints"] != expected["complaints"]
        else (),
    }


def _colours_at(dash_duo, at, expected):
    """Move the slider to `at` and wait until every layer has drawn that moment: the page
    says nothing when the last layer is done (complaints reload from the server, waste and
    roads restyle from the moment's values), so wait until what is drawn is the moment."""
    dash_duo.wait_for_contains_text("#explore-moment", " ", timeout=15)  # slider has its range
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props('explore-slider', {value: arguments[0]})", at
    )
    last = {"drawn": {"waste": {}, "traffic": {}, "complaints": None}}

    def shown(d):
        if f"at={at}" not in d.current_url:
            return None
        last["drawn"] = d.execute_script(COLOURS)
        return None if any(differences(last["drawn"], expected).values()) else last["drawn"]

    try:
        return WebDriverWait(dash_duo.driver, 60).until(shown)
    except TimeoutException as exc:
        off = differences(last["drawn"], expected)
        raise AssertionError(f"the layers never showed {at}: {str(off)[:500]}") from exc


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
    expected = {t: moment_in_store(store, t) for t in (t0, t1)}
    before = _colours_at(dash_duo, t0, expected[t0])
    after = _colours_at(dash_duo, t1, expected[t1])

    fills = {t: expected[t]["waste"] for t in (t0, t1)}
    for drawn_at, t in ((before, t0), (after, t1)):
        wrong = {
            k: (v, drawn_at["waste"][k])
            for k, v in fills[t].items()
            if drawn_at["waste"][k] != fill_colour(v)
        }
        assert not wrong, (t, list(wrong.items())[:5])
    changed = [k for k in fills[t0] if fill_colour(fills[t0][k]) != fill_colour(fills[t1][k])]
    assert changed, "the simulator's bins should fill over 19 hours"
    # roads: each segment in the class of its latest ratio then (the same moment)
    ratios = {t: expected[t]["traffic"] for t in (t0, t1)}
    for drawn_at, t in ((before, t0), (after, t1)):
        wrong = {
            k: (v, drawn_at["traffic"].get(k))
            for k, v in ratios[t].items()
            if drawn_at["traffic"].get(k) != road_colour(v)
        }
        assert not wrong, (t, list(wrong.items())[:5])
    # complaints: exactly those filed and not yet closed at each moment
    for drawn_at, t in ((before, t0), (after, t1)):
        assert drawn_at["complaints"] == moment_in_store(store, t)["complaints"] > 0
    assert dash_duo.find_element("#explore-moment").text != "Live · now"
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
    dash_duo.wait_for_contains_text("#explore-play", "Pause", timeout=15)
    # twelve 15-minute steps, each a frame from the server: on a busy machine, slow ones
    WebDriverWait(dash_duo.driver, 90).until(
        lambda d: d.find_element("id", "explore-moment").text == "Live · now"
    )
    assert "Play" in dash_duo.find_element("#explore-play").text
    assert dash_duo.get_logs() == []


# -- values out of their range in the address ---------------------------------------------
BAD_URLS = (
    "?at=1e400",
    "?at=-1e400",
    "?at=nan",
    "?at=1e300&range=24h",
    "?at=1&at=2",
    "?view=garbage",
    "?view=1e400,nan,99&op=waste:nan,traffic:1e400",
    "?range=forever&start=2026-13-45",
    "?range=custom&start=0001-01-01&end=0001-01-02",
)


def dash_call(client, deps, output: str, values: dict):
    """POST the callback whose outputs include `output` ("id.property") as the renderer
    would, its inputs and states taken from `values` ({"id.property": value})."""

    def outputs(spec):  # "..a.children...b.data.." for several outputs
        text = spec["output"]
        return text[2:-2].split("...") if text.startswith("..") else [text]

    spec = next(d for d in deps if output in outputs(d))
    outs = outputs(spec)

    def item(dep):
        key = f"{dep['id']}.{dep['property']}"
        return {"id": dep["id"], "property": dep["property"], "value": values.get(key)}

    return client.post("/_dash-update-component", json={
        "output": spec["output"],
        "outputs": [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in outs],
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec["state"]],
        "changedPropIds": [],
    })  # fmt: skip


def props_of(tree, wanted: str) -> dict:
    """The props of the component with id `wanted` in a layout as Dash sends it."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == wanted:
            return tree["props"]
        tree = list(tree.values())
    if isinstance(tree, list):
        for part in tree:
            if (found := props_of(part, wanted)) is not None:
                return found
    return None


def test_values_out_of_range_in_the_url_are_clamped_or_ignored_and_said(live_app):
    client = live_app.server.test_client()
    assert client.get("/explore").status_code == 200  # Dash sets up its page router
    deps = client.get("/_dash-dependencies").get_json()
    for query in BAD_URLS:
        assert client.get(f"/explore{query}").status_code == 200, query
        page = dash_call(client, deps, "_pages_content.children",
                         {"_pages_location.pathname": "/explore",
                          "_pages_location.search": query})  # fmt: skip
        assert page.status_code == 200, (query, page.get_data(as_text=True)[-300:])
        layout = page.get_json()["response"]["_pages_content"]["children"]
        assert props_of(layout, "explore-layers") is not None  # the page is there
        assert "c3-url-notice" in json.dumps(layout), query  # and says what it changed
        initial = props_of(layout, "explore-initial")["data"]
        dates = props_of(layout, "explore-dates")
        # the time slider takes the URL's moment, range and dates
        slider = dash_call(client, deps, "explore-slider.min", {
            "explore-range.value": props_of(layout, "explore-range")["value"],
            "explore-dates.start_date": dates.get("start_date"),
            "explore-dates.end_date": dates.get("end_date"),
            "explore-initial.data": initial,
        })  # fmt: skip
        assert slider.status_code == 200, (query, slider.get_data(as_text=True)[-300:])
        span = slider.get_json()["response"]["explore-slider"]
        assert span["min"] <= span["value"] <= span["max"], query


def test_a_moment_out_of_range_shows_the_page_at_now_and_says_so(dash_duo, live_app):
    open_explore(dash_duo, live_app, "?layers=waste&at=1e400")
    drawn(dash_duo, "waste")
    dash_duo.wait_for_contains_text(".c3-url-notice", "at=1e400 ignored")
    dash_duo.wait_for_text_to_equal("#explore-moment", "Live · now", timeout=15)
    assert dash_duo.get_logs() == []


def test_a_moment_held_as_daily_means_says_so(dash_duo, live_app, store, demo_city):
    """Forty days back the readings are rolled up (store.retention): the slider's label
    names the grain the map shows there, and the bin is drawn with the day's mean."""
    day = (datetime.now(UTC) - timedelta(days=40)).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)  # fmt: skip
    container = demo_city.containers["container_id"].iloc[0]
    store.write(lambda cur: cur.execute(
        "INSERT INTO waste_rollups VALUES (?, 1440, ?, 96, 0.97, 0.9, 1.0, 0.97, ?, 4.0, 'ok')",
        [container, day, day + timedelta(hours=23)]))  # fmt: skip
    at = int((day + timedelta(hours=12)).timestamp())
    dates = f"start={day:%Y-%m-%d}&end={day + timedelta(days=1):%Y-%m-%d}"
    open_explore(dash_duo, live_app, f"?layers=waste&range=custom&{dates}&at={at}")
    dash_duo.wait_for_contains_text("#explore-moment", "daily means", timeout=30)
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: d.execute_script(COLOURS)["waste"].get(container) == fill_colour(0.97))
    assert dash_duo.get_logs() == []
