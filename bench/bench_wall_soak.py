"""Wall soak: /wall open in headless Chromium against `c3 demo` with 1 s refreshes.

Prints JS heap and server RSS at start and end, and the bytes the wall fetches per
refresh: a poll where nothing changed, and a refresh where one domain changed (budget:
under 100 KB). Baseline in the same run: reloading the whole page, which is what a
wall without in-place updates would do on every change.

    python bench/bench_wall_soak.py --minutes 10
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402

from bench._demo import start_demo  # noqa: E402
from scripts.chromium import options  # noqa: E402

BUDGET_BYTES = 100_000
DOMAINS = ("waste", "traffic", "complaints", "feeds")


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def heap_mb(driver) -> float:
    driver.execute_cdp_cmd("Performance.enable", {})
    driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize") / 1e6


RECORDER = """
window.__net = [];
const originalFetch = window.fetch;
window.fetch = async (...args) => {
    const response = await originalFetch(...args);
    const body = (args[1] && typeof args[1].body === "string") ? args[1].body.slice(0, 400) : "";
    const length = response.headers.get("content-length");
    window.__net.push([String(args[0]), body, length === null ? -1 : Number(length)]);
    return response;
};
"""


class Network:
    """Bytes of every fetch the page makes (compressed Content-Length), drained in batches."""

    def __init__(self, driver):
        self.driver = driver
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})

    def drain(self) -> list[tuple[str, str, float]]:
        return self.driver.execute_script(
            "const n = window.__net || []; window.__net = []; return n;"
        )


def purpose(url: str, body: str) -> str:
    if "/api/wall/tokens" in url:
        return "poll"
    if "/api/layers/" in url:
        return "layer:" + url.split("/api/layers/")[1].split(".")[0].replace("_public", "")
    if "_dash-update-component" in url:
        for domain in DOMAINS:
            if f"wall-tile-{domain}" in body:
                return f"tile:{domain}"
        if "wall-alerts.children" in body:
            return "alerts"
        return "other-callback"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo, base = start_demo(tmp, refresh_ms="1000", sim_backfill_days="2")
        driver = webdriver.Chrome(options=options(1920, 1080))
        try:
            url = f"{base}/wall"
            net = Network(driver)
            driver.get(url)
            time.sleep(15)
            net.drain()
            page_bytes = driver.execute_script(  # baseline: what one full page load transfers
                "return performance.getEntriesByType('navigation')[0].transferSize + performance"
                ".getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"
            )
            heap0, rss0 = heap_mb(driver), rss_mb(demo.pid)

            by_purpose: dict[str, list[float]] = defaultdict(list)
            started = time.monotonic()
            deadline = started + args.minutes * 60
            samples = []  # (minute, server RSS MB, JS heap MB) once a minute, to show the trend
            while time.monotonic() < deadline:
                time.sleep(5)
                for u, body, size in net.drain():
                    by_purpose[purpose(u, body)].append(size)
                minute = int((time.monotonic() - started) // 60)
                if minute >= 1 and (not samples or minute > samples[-1][0]):
                    samples.append((minute, rss_mb(demo.pid), heap_mb(driver)))
            heap1, rss1 = heap_mb(driver), rss_mb(demo.pid)
        finally:
            driver.quit()
            demo.terminate()
            demo.wait(10)

    polls = by_purpose["poll"]
    strip = by_purpose["alerts"]
    strip_avg = sum(strip) / len(strip) if strip else 0  # the alerts strip follows any change
    per_domain = {}
    for domain in DOMAINS:
        tiles, layers = by_purpose[f"tile:{domain}"], by_purpose[f"layer:{domain}"]
        if tiles:
            per_domain[domain] = (len(tiles), (sum(tiles) + sum(layers)) / len(tiles) + strip_avg)
    worst = max((avg for _, avg in per_domain.values()), default=0)
    print(f"wall soak: {args.minutes:g} min, refresh every 1 s, headless Chromium, loopback")
    print(
        f"  JS heap:    {heap0:6.1f} MB at start, {heap1:6.1f} MB at end ({heap1 - heap0:+.1f} MB)"
    )
    print(
        f"  server RSS: {rss0:6.1f} MB at start, {rss1:6.1f} MB at end "
        f"({rss1 - rss0:+.1f} MB, simulator and connectors included)"
    )
    trend = ", ".join(f"{m} min {r:.0f}/{h:.1f}" for m, r, h in samples)
    print(f"  each minute, server RSS MB / JS heap MB: {trend}")
    print(
        f"  polls: {len(polls)}, {sum(polls) / max(len(polls), 1) / 1000:.2f} KB of body each "
        "(nothing changed: the versions poll)"
    )
    for domain, (count, avg) in per_domain.items():
        print(
            f"  {domain:<10} changed {count:4d} times: {avg / 1000:6.1f} KB per refresh "
            "(tile + layer + alerts strip)"
        )
    print(
        f"  worst one-domain refresh: {worst / 1000:.1f} KB "
        f"(budget < 100 KB: {'OK' if worst < BUDGET_BYTES else 'OVER BUDGET'})"
    )
    print(
        f"  baseline, reloading the page: {page_bytes / 1000:.0f} KB; "
        f"in-place refresh is {page_bytes / max(worst, 1):.0f}x smaller"
    )


if __name__ == "__main__":
    main()
