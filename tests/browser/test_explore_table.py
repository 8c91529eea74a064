"""`/explore` in headless Chromium, the table: it lists what the map draws (or exactly the
features a figure counts), sorts and filters in the store, and exports what it lists."""

import csv
import glob
import os

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers.browser import busiest_zone, click_zone, drawn, open_explore

pytestmark = pytest.mark.browser

LISTED = (
    "const ids = []; window.dash_ag_grid.getApi('explore-table')"
    ".forEachNode((n) => n.data && ids.push(n.data.container_id)); return ids;"
)


def table_count(dash_duo, rows, timeout=30) -> str:
    """Wait until the table's count line ("1,234 rows · now") gives exactly `rows`."""

    def line(d):
        text = d.find_element("id", "explore-table-count").text
        return text if text.partition(" rows ·")[0] == f"{rows:,}" else ""

    return WebDriverWait(dash_duo.driver, timeout).until(line)


def exported_rows(dash_duo, layer: str) -> list[dict]:
    """Click Export CSV and read the file the browser downloads, once it is complete
    (Chromium writes to a .crdownload file and renames it when done)."""
    dash_duo.find_element("#explore-export").click()
    pattern = os.path.join(dash_duo.download_path, f"c3-{layer}-*.csv")
    partial = os.path.join(dash_duo.download_path, "*.crdownload")
    WebDriverWait(dash_duo.driver, 30).until(
        lambda _: glob.glob(pattern) and not glob.glob(partial)
    )
    with open(glob.glob(pattern)[0], newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_the_table_lists_what_is_drawn_and_exports_it(dash_duo, live_app, demo_city):
    glass = int((demo_city.containers["waste_type"] == "glass").sum())
    open_explore(dash_duo, live_app, "?layers=waste&waste_type=glass")
    drawn(dash_duo, "waste", glass)
    table_count(dash_duo, glass)
    # the grid has its rows, and the export link is the filtered table's
    WebDriverWait(dash_duo.driver, 30).until(lambda d: len(d.execute_script(LISTED)) == glass)
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: "glass" in d.find_element("id", "explore-export").get_attribute("href")
    )
    rows = exported_rows(dash_duo, "waste")
    assert len(rows) == glass
    assert {r["Waste type"] for r in rows} == {"glass"}
    listed = dash_duo.driver.execute_script(LISTED)
    assert [r["Container"] for r in rows] == listed  # the same rows, in the table's order
    stamped = [r["Observed"] for r in rows if r["Observed"]]
    assert stamped and all(s.endswith(("+02:00", "+03:00")) for s in stamped)  # city time, ISO
    assert dash_duo.get_logs() == []


def test_a_zone_figure_lists_exactly_the_rows_it_counts(dash_duo, live_app, store, demo_city):
    zone_id, n_containers = busiest_zone(store)
    open_explore(dash_duo, live_app, "?layers=zones")
    drawn(dash_duo, "zones")
    click_zone(dash_duo, zone_id)
    figure = '#explore-panel button[id*=\'"metric":"reporting"\'][id*=\'"layer":"waste"\']'
    dash_duo.wait_for_element(figure, timeout=30).click()
    table_count(dash_duo, n_containers)  # exactly: "20 rows" is in "120 rows" too
    assert "Containers reporting" in dash_duo.find_element("#explore-subset-bar").text
    dash_duo.find_element("#explore-subset-clear").click()
    # every container again; the count line and the bar's box come in the same answer
    assert "rows · now" in table_count(dash_duo, len(demo_city.containers))
    assert not dash_duo.find_element("#explore-subset-bar").is_displayed()
    assert dash_duo.get_logs() == []


def test_the_table_sorts_and_filters_in_the_store_and_exports_what_it_lists(
    dash_duo, live_app, demo_city
):
    open_explore(dash_duo, live_app, "?layers=waste")
    table_count(dash_duo, len(demo_city.containers))
    # set as a person would; set again if the page's own set-up (a late first render of
    # the table) cleared it: what is asserted is that the store sorts and filters
    choose = (
        "const api = window.dash_ag_grid.getApi('explore-table');"
        "if (!Object.keys(api.getFilterModel() || {}).length) api.setFilterModel("
        "  {waste_type: {filterType: 'text', type: 'equals', filter: 'paper'}});"
        "if (!api.getColumnState().some((c) => c.sort)) api.applyColumnState("
        "  {state: [{colId: 'container_id', sort: 'desc'}]});"
    )
    paper = sorted(
        demo_city.containers.loc[demo_city.containers["waste_type"] == "paper", "container_id"],
        reverse=True,
    )

    def listed_paper(d) -> bool:
        d.execute_script(choose)
        return d.execute_script(LISTED) == paper

    WebDriverWait(dash_duo.driver, 30, poll_frequency=0.5).until(listed_paper)
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: "paper" in d.find_element("id", "explore-export").get_attribute("href")
    )
    assert [r["Container"] for r in exported_rows(dash_duo, "waste")] == paper
    assert dash_duo.get_logs() == []
