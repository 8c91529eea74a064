"""The public city pulse (/pulse, issue 20 part 5) in headless Chromium, on a phone
(390×844) and a desktop (1920×1080), whole and embedded (`?embed=1`): it renders under
C3's Content-Security-Policy without a console error, fits the phone's width, and
axe-core finds nothing serious or critical."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sim.http import free_port
from tests.helpers.axe import run_axe, serious
from tests.helpers.browser import configure

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1920, 1080)]
# the page is no wider than the screen, and each table fits inside its section's card
FITS = """
if (document.documentElement.scrollWidth > window.innerWidth) return false;
return [...document.querySelectorAll('section')].every((s) =>
    s.querySelector('table').getBoundingClientRect().right <= s.getBoundingClientRect().right);
"""


def shown(driver, url: str) -> None:
    """Open `url` and wait until its three sections and the stylesheet are in."""
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "section[data-section]")) == 3
        and d.execute_script("return document.readyState") == "complete"
        and d.execute_script("return document.styleSheets.length") > 0
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_pulse_is_accessible_on_a_phone_and_a_desktop(dash_duo, live_app, size):
    svc = configure(live_app)
    configure(live_app, open_data=svc.settings.open_data.model_copy(update={"pulse": True}))
    dash_duo.start_server(live_app, port=free_port())
    driver = dash_duo.driver
    driver.set_window_size(*size)
    for query in ("", "?embed=1"):
        shown(driver, f"{dash_duo.server_url}/pulse{query}")
        tables = driver.find_elements(By.CSS_SELECTOR, "table caption")
        assert len(tables) == 3, query  # every section has its figures: the store is seeded
        assert driver.execute_script(FITS), (size, query, "wider than the screen")
        found = run_axe(driver)
        assert serious(found) == [], (size, query, serious(found))
        assert [v["id"] for v in found] == [], (size, query)  # not even a moderate one
        embedded = query == "?embed=1"
        assert bool(driver.find_elements(By.CSS_SELECTOR, "body > header")) != embedded
        assert driver.find_element(By.ID, "c3-pulse-pause").is_displayed()  # pulse.js ran
    assert dash_duo.get_logs() == []  # no CSP violation, no error


def test_the_figures_update_in_place_and_the_reader_may_pause_them(dash_duo, live_app, monkeypatch):
    monkeypatch.setattr("api.pulse.REFRESH_S", 1)  # pulse.js asks again every second
    svc = configure(live_app)
    configure(live_app, open_data=svc.settings.open_data.model_copy(update={"pulse": True}))
    dash_duo.start_server(live_app, port=free_port())
    driver = dash_duo.driver
    shown(driver, f"{dash_duo.server_url}/pulse")
    button = driver.find_element(By.ID, "c3-pulse-pause")
    assert button.is_displayed()  # the script runs: the updates' line shows
    driver.execute_script("document.querySelector('main').dataset.old = 'yes'")
    WebDriverWait(driver, 30).until(  # a fresh <main> in place of the old, same page
        lambda d: d.execute_script("return document.querySelector('main').dataset.old") is None
    )
    assert len(driver.find_elements(By.CSS_SELECTOR, "section[data-section]")) == 3
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    assert dash_duo.get_logs() == []
