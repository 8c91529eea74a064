"""First load of `/` in headless Chromium against `c3 demo`: bytes transferred, time to map.

Budget (issue #2): under 2 MB and the map shown in under 2 s. Baseline in the same run
and the same browser: a bare one-line Dash page served by the same kind of server.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from dash import Dash, html
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._demo import start_demo  # noqa: E402
from scripts.chromium import chromium  # noqa: E402
from sim.http import BackgroundServer, free_port  # noqa: E402

BUDGET_BYTES = 2_000_000
BUDGET_S = 2.0
RUNS = 3
TRANSFERRED = """
const nav = performance.getEntriesByType('navigation')[0];
return nav.transferSize + performance.getEntriesByType('resource')
    .reduce((sum, r) => sum + r.transferSize, 0);
"""
MAP_READY = """
const m = window.c3 && window.c3.map.onMap;
return m && m.waste > 0 && m.traffic > 0 && m.complaints > 0 ? performance.now() : null;
"""
PAGE_READY = """
return document.querySelector('#hello') ? performance.now() : null;
"""


def first_load(url: str, ready_js: str) -> tuple[float, int]:
    """(ms from navigation start to ready, bytes transferred) in a fresh browser profile."""
    driver = chromium()
    try:
        driver.get(url)
        ready_ms = WebDriverWait(driver, 30, poll_frequency=0.05).until(
            lambda d: d.execute_script(ready_js)
        )
        time.sleep(0.5)  # let late resources finish so their bytes are counted
        return ready_ms, driver.execute_script(TRANSFERRED)
    finally:
        driver.quit()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        demo, url = start_demo(tmp)
        try:
            time.sleep(3)  # first polls of the connectors
            c3 = [first_load(url + "/", MAP_READY) for _ in range(RUNS)]
        finally:
            demo.terminate()
            demo.wait(10)

    bare = Dash(__name__, compress=True)
    bare.layout = html.Div("hello", id="hello")
    with BackgroundServer(bare.server, port=free_port()) as server:
        baseline = [first_load(server.url + "/", PAGE_READY) for _ in range(RUNS)]

    c3_ms = sorted(ms for ms, _ in c3)[RUNS // 2]
    c3_bytes = max(b for _, b in c3)
    base_ms = sorted(ms for ms, _ in baseline)[RUNS // 2]
    base_bytes = max(b for _, b in baseline)
    print(f"first load of / (median of {RUNS} fresh browser profiles, headless Chromium, loopback)")
    print(
        f"  C3 map with 3 layers drawn: {c3_ms / 1000:5.2f} s "
        f"(budget < {BUDGET_S} s: {'OK' if c3_ms / 1000 < BUDGET_S else 'OVER BUDGET'})"
    )
    print(
        f"  transferred:                {c3_bytes / 1e6:5.2f} MB "
        f"(budget < 2 MB: {'OK' if c3_bytes < BUDGET_BYTES else 'OVER BUDGET'})"
    )
    print(f"  baseline bare Dash page:    {base_ms / 1000:5.2f} s, {base_bytes / 1e6:.2f} MB")
    print(
        f"  ratio C3 / bare Dash: time {c3_ms / base_ms:.1f}x, bytes {c3_bytes / base_bytes:.1f}x"
    )


if __name__ == "__main__":
    main()
