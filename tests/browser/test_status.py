"""A resident's status page (/status/<id>, issue 20) in headless Chromium on a phone
(390×844): a complaint taken round the loop to a validated fix shows its type, street,
timeline and the fix's photo, fits the phone's width, renders under C3's
Content-Security-Policy without a console error, and axe-core finds nothing serious or
critical; nor on the page of a number C3 does not know."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from services.access import Principal
from services.context import services_of
from services.photos import store_photo
from services.work_orders import move, open_order
from sim.http import free_port
from tests.helpers import rows
from tests.helpers.axe import run_axe, serious

pytestmark = pytest.mark.browser
FITS = "return document.documentElement.scrollWidth <= window.innerWidth"
PHOTO_SHOWN = "const i = document.querySelector('figure img'); return !!i && i.naturalWidth > 0"


def validated_request(app) -> str:
    """A request of the seeded store, taken to a validated fix with a photo."""
    svc = services_of(app.server)
    settings, store = svc.settings, svc.store
    (request_id,) = rows(store, "SELECT request_id FROM service_requests WHERE status = 'open' "
                                "ORDER BY requested_at DESC LIMIT 1")[0]  # fmt: skip
    operator, inspector = Principal("olga", "operator"), Principal("ines", "inspector")
    crew = settings.field_crews[0]
    worker = Principal(crew.crew_id, "crew")
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 110, 70)).save(picture, "JPEG")
    photo = store_photo(picture.getvalue(), settings.photo_folder)
    now = datetime.now(UTC)
    order = open_order(store, settings, operator, [("complaints", request_id)], now=now)
    for who, action, extra in [(operator, "triage", {}),
                               (operator, "assign", {"crew_id": crew.crew_id}),
                               (worker, "start", {}), (worker, "done", {"photo": photo}),
                               (inspector, "validate", {})]:  # fmt: skip
        move(store, settings, who, order, action, now=now, **extra)
    return request_id


def shown(driver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.TAG_NAME, "h1")
        and d.execute_script("return document.readyState") == "complete"
    )


def test_a_resident_follows_their_complaint_on_a_phone(dash_duo, live_app):
    request_id = validated_request(live_app)
    dash_duo.start_server(live_app, port=free_port())
    driver = dash_duo.driver
    driver.set_window_size(390, 844)
    shown(driver, f"{dash_duo.server_url}/status/{request_id}")
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Your report {request_id}"
    assert driver.find_element(By.CSS_SELECTOR, ".c3-status-badge").text == "Closed"
    steps = [li.text for li in driver.find_elements(By.CSS_SELECTOR, ".c3-status-steps li")]
    assert "Reported to" in steps[0] and "inspected and confirmed" in steps[-1]
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(PHOTO_SHOWN))
    assert driver.execute_script(FITS), "wider than the phone"
    found = run_axe(driver)
    assert serious(found) == [], serious(found)

    shown(driver, f"{dash_duo.server_url}/status/no-such-report")
    assert "We have no report" in driver.find_element(By.TAG_NAME, "h1").text
    assert serious(run_axe(driver)) == []
    logs = [e for e in dash_duo.get_logs() if "no-such-report - " not in e["message"]]
    assert logs == []  # no CSP violation, no script error (the unknown number is a 404)
