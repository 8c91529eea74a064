"""`/reports` and the report files in headless Chromium: the archive lists the reports
newest first with their notes and links; a report's HTML opens with the network off
and fetches nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from selenium.webdriver.support.ui import WebDriverWait

from config import ReportKind
from services.context import attach_services, services_of
from services.reports.producer import Reporter
from sim.http import free_port

pytestmark = pytest.mark.browser

DAILY = ReportKind(name="city-daily", title="City daily report", cron="0 6 * * *")
WASTE = ReportKind(name="waste-weekly", title="Waste weekly report", cron="0 7 * * mon",
                   department="waste")  # fmt: skip


@pytest.fixture
def archived(live_app, tmp_path):
    """Three reports written by the reporter: two scheduled (one late) and one on demand."""
    svc = services_of(live_app.server)
    settings = svc.settings.model_copy(
        update={"data_dir": tmp_path / "var", "reports": [DAILY, WASTE]}
    )
    svc.settings = settings
    attach_services(live_app.server, svc)
    reporter = Reporter(svc.store, settings, svc.map_bounds, svc.basemap_path,
                        svc.feed_intervals)  # fmt: skip
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    reporter.tick(now)  # both kinds' last slots: produced now, the waste one days late
    newest = reporter.on_demand("city-daily", now - timedelta(minutes=5))
    return live_app, settings, newest


def test_the_archive_lists_reports_newest_first_to_open_or_download(dash_duo, archived):
    app, settings, newest = archived
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/reports")
    rows = dash_duo.wait_for_element(".c3-reports-table tbody tr")
    assert rows
    listed = [r.get_attribute("data-report") for r in dash_duo.find_elements("tbody tr")]
    assert len(listed) == 3
    moments = [name.split("/")[1] for name in listed]
    assert moments == sorted(moments, reverse=True)
    assert listed[0] == f"city-daily/{newest.files.html.stem}"
    notes = {r.get_attribute("data-report"): r.text for r in dash_duo.find_elements("tbody tr")}
    waste = next(k for k in notes if k.startswith("waste-weekly"))
    assert "late" in notes[waste] and "on demand" in notes[listed[0]]
    assert "City daily report" in dash_duo.find_element(".c3-reports-schedule").text

    first = dash_duo.find_elements("tbody tr")[0]
    html_href = first.find_element("link text", "Open").get_attribute("href")
    pdf_href = first.find_element("link text", "Download PDF").get_attribute("href")
    page = requests.get(html_href, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.text == newest.files.html.read_text()
    pdf = requests.get(pdf_href, timeout=10)
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert pdf.content == newest.files.pdf.read_bytes()
    missing = requests.get(f"{dash_duo.server_url}/api/reports/city-daily/x.html", timeout=10)
    assert missing.status_code == 404
    for bad in ("city-daily/..%2F..%2Fc3.duckdb", "..%2F..%2F..%2F..%2Fetc/passwd"):
        answer = requests.get(f"{dash_duo.server_url}/api/reports/{bad}", timeout=10)
        assert answer.status_code in (200, 404)  # Dash's page for unknown paths, or ours
        assert b"DUCK" not in answer.content and b"root:" not in answer.content

    dash_duo.select_dcc_dropdown("#reports-kind", "Waste weekly report")
    caption = f"1 report, newest first; times in {settings.timezone}"
    dash_duo.wait_for_text_to_equal(".c3-reports-table caption", caption)
    assert dash_duo.get_logs() == []


def test_a_report_opens_with_the_network_off_and_fetches_nothing(dash_duo, archived):
    app, _, newest = archived
    dash_duo.start_server(app, port=free_port())
    driver = dash_duo.driver
    driver.get("about:blank")  # leave the dashboard before the network goes
    driver.get_log("browser")  # and forget what it logged
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        driver.get(newest.files.html.as_uri())
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        loaded = driver.execute_script(
            """return {
                 title: document.title,
                 images: [...document.images].map(i => [i.complete, i.naturalWidth]),
                 fetched: performance.getEntriesByType('resource').map(e => e.name),
                 external: [...document.querySelectorAll('[src],[href]')]
                   .map(e => e.getAttribute('src') || e.getAttribute('href'))
                   .filter(u => !u.startsWith('data:') && !u.startsWith('#')),
               }"""
        )
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": False, "latency": 0, "downloadThroughput": -1,
                                "uploadThroughput": -1})  # fmt: skip
    assert loaded["title"].startswith("City daily report")
    # the map and a chart per domain with data (the feeds polled after this moment)
    assert len(loaded["images"]) == newest.files.html.read_text().count("<img ") == 4
    assert all(done and width > 0 for done, width in loaded["images"])
    assert loaded["fetched"] == [] and loaded["external"] == []
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
