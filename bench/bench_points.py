"""Points the browser can take (issue 17): the first draw of `/explore` with 20,000 and
200,000 complaints on the map, against the same page with the same map and no points,
both measured in the same run on the same server, in headless Chromium.

Two synthetic cities, alike but for their complaints (50,000 containers, 20,000 road
segments, 7 days, so that the 7-day view shows every complaint). For each: the median of
fresh browsers to the zones drawn (the baseline page, `?layers=zones`), and to the zones
and the complaints drawn (`?layers=zones,complaints`); the complaints' responses.

Budget: the complaints cost at most 1 s over the baseline at 20,000, 2.5 s at 200,000.
Run it from another checkout (`python /elsewhere/bench/bench_points.py`) to measure that
checkout's code: the servers run the code beside the bench.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_explore import start_server  # noqa: E402
from scripts.chromium import chromium  # noqa: E402

CITY = {"containers": 50_000, "segments": 20_000, "days": 7}
BUDGET_OVER_S = {20_000: 1.0, 200_000: 2.5}
ZONES_DRAWN = """
const m = window.c3 && window.c3.map.onMap;
return m && m.zones > 0 ? performance.now() : null;"""
POINTS_DRAWN = """
const m = window.c3 && window.c3.map.onMap;
return m && m.zones > 0 && m.complaints > 0 ? performance.now() : null;"""
COMPLAINT_RESPONSES = """
return performance.getEntriesByType('resource')
  .filter((r) => /\\/api\\/(clusters\\/complaints|requests)/.test(r.name))
  .map((r) => ({ms: r.responseEnd - r.requestStart, bytes: r.transferSize,
                body: r.decodedBodySize}));"""


def first_draw(url: str, ready_js: str) -> tuple[float, list[dict], int]:
    """(ms from navigation to `ready_js`, the complaints' responses, markers on the map) in
    a fresh browser profile."""
    driver = chromium()
    try:
        driver.get(url)
        ready = WebDriverWait(driver, 120, poll_frequency=0.05).until(
            lambda d: d.execute_script(ready_js)
        )
        drawn = driver.execute_script("return window.c3.map.onMap.complaints || 0")
        return ready, driver.execute_script(COMPLAINT_RESPONSES), drawn
    finally:
        driver.quit()


def measure(requests: int, db: Path, runs: int, rebuild: bool) -> dict:
    """Baseline and points pages, alternating, on one server of a city with `requests`."""
    server, url = start_server(db, rebuild, {**CITY, "requests": requests})
    try:
        first_draw(url + "/explore?layers=zones,complaints", POINTS_DRAWN)  # warm the server
        base, points = [], []
        for _ in range(runs):
            base.append(first_draw(url + "/explore?layers=zones", ZONES_DRAWN)[0])
            points.append(first_draw(url + "/explore?layers=zones,complaints", POINTS_DRAWN))
    finally:
        server.terminate()
        server.wait(30)
    return {
        "base_s": statistics.median(base) / 1000,
        "points_s": statistics.median(ms for ms, _, _ in points) / 1000,
        "responses": [r for _, found, _ in points for r in found],
        "markers": statistics.median(n for _, _, n in points),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep built files (data ages)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    found = {
        n: measure(n, args.dir / f"points-{n // 1000}k.duckdb", args.runs, not args.reuse)
        for n in BUDGET_OVER_S
    }
    print(f"\n/explore first draw, median of {args.runs} fresh browsers (headless Chromium, "
          f"loopback), cities of {CITY['containers']:,} containers, {CITY['segments']:,} "
          f"segments; code: {ROOT}")  # fmt: skip
    for n, f in found.items():
        over = f["points_s"] - f["base_s"]
        ok = "OK" if over <= BUDGET_OVER_S[n] else "OVER BUDGET"
        ms = [r["ms"] for r in f["responses"]]
        print(
            f"  {n:>7,} complaints: {f['points_s']:5.2f} s   baseline (same map, no points) "
            f"{f['base_s']:5.2f} s   over it {over:+5.2f} s (x{f['points_s'] / f['base_s']:.2f})"
            f"   budget +{BUDGET_OVER_S[n]} s: {ok}"
        )
        print(
            f"           {f['markers']:,.0f} markers drawn; complaints' responses: median "
            f"{statistics.median(ms):.0f} ms, largest "
            f"{max(r['bytes'] for r in f['responses']) / 1e3:,.0f} KB on the wire "
            f"({max(r['body'] for r in f['responses']) / 1e3:,.0f} KB decoded)"
        )


if __name__ == "__main__":
    main()
