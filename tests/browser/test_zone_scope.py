"""A department scoped to zones (issue 16), in headless Chromium: a local account of the
waste, traffic and complaints departments for one zone goes through every screen it
has, opens each of /explore's tables and the /feeds drill; no response it receives
names a container, street segment or request outside its zone, and its table lists
exactly its zone's containers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from services.accounts import add_account, new_account
from sim.http import free_port
from store.ledger import RunRecord, write_quarantine, write_run
from tests.helpers import rows
from tests.helpers.browser import (
    busiest_zone,
    callbacks_settled,
    configure,
    drawn,
    record_responses,
    recorded_bodies,
    sign_in_locally,
)

pytestmark = pytest.mark.browser
PASSWORD = "a passphrase of the zone"
SCREENS = ("/", "/explore?range=7d", "/collection", "/reports", "/feeds")
TABLES = ("waste", "traffic", "complaints")


def ids_by_zone(store) -> list[tuple[str | None, str]]:
    return rows(store, """
        SELECT zone_id, container_id FROM waste_containers UNION ALL
        SELECT zone_id, segment_id FROM road_segments UNION ALL
        SELECT zone_id, request_id FROM service_requests""")  # fmt: skip


def table_count(dash_duo) -> int:
    """The row count the table's count line gives ("57 rows · now")."""
    line = dash_duo.find_element("#explore-table-count").text
    return int(line.split(" rows")[0].replace(",", ""))


def test_a_department_scoped_to_a_zone_receives_that_zones_data_only(dash_duo, live_app, store):
    zone, containers = busiest_zone(store)
    found = ids_by_zone(store)
    inside = {i for z, i in found if z == zone}
    outside = {i for z, i in found if z != zone} - inside
    with store.transaction() as cur:  # a rejected reading: never placed in a zone
        now = datetime.now(UTC)
        run = write_run(cur, RunRecord("waste", "waste", now, now, fetched=1, quarantined=1))
        write_quarantine(cur, "waste", run, now, [("no location", {"id": sorted(outside)[0]})])
    dash_duo.start_server(live_app, port=free_port())  # open, until it has loaded once
    svc = configure(live_app, auth="local")
    add_account(svc.store, new_account("maria", "department", PASSWORD,
                                       ["waste", "traffic", "complaints"], [zone]))  # fmt: skip
    record_responses(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + "/login?next=/")
    sign_in_locally(dash_duo, "maria", PASSWORD)
    name = rows(store, "SELECT name FROM zones WHERE zone_id = ?", [zone])[0][0]
    dash_duo.wait_for_contains_text(".c3-user", f"(waste, traffic, complaints; zone {name})")
    for path in SCREENS:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(".c3-header")
        callbacks_settled(dash_duo)
        if path == "/":
            drawn(dash_duo, "waste", containers)  # the map: its zone's containers, all of them
        if path.startswith("/explore"):
            for layer in TABLES:
                choice = dash_duo.wait_for_element(f"#explore-table-layer input[value={layer}]")
                choice.click()
                callbacks_settled(dash_duo)
                WebDriverWait(dash_duo.driver, 20).until(
                    lambda d: d.find_elements("css selector", "#explore-table .ag-row")
                )
                callbacks_settled(dash_duo)
                if layer == "waste":
                    assert table_count(dash_duo) == containers
        if path == "/feeds":
            dash_duo.wait_for_element("tr[data-feed=waste] button").click()
            WebDriverWait(dash_duo.driver, 10).until(
                lambda d: d.find_elements("css selector", "#feeds-quarantine-grid .ag-row")
            )
            callbacks_settled(dash_duo)
    everything = "\n".join(recorded_bodies(dash_duo))
    assert sum(f'"{i}"' in everything for i in inside) > containers  # theirs came
    assert [i for i in outside if f'"{i}"' in everything] == []  # nothing else did
    assert [e for e in dash_duo.get_logs() if "status of 403" in e["message"]] == []
