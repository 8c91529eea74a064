"""Take headless-Chromium screenshots of C3 pages and print the browser console.

python scripts/screenshot.py http://localhost:8050/ docs/home.png --size 1920x1080
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.chromium import chromium  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--wait", type=float, default=6.0, help="seconds to let the page settle")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    driver = chromium(width, height)
    try:
        # the exact viewport asked for: grow the window by its own chrome
        extra = driver.execute_script("return window.outerHeight - window.innerHeight")
        driver.set_window_size(width, height + extra)
        driver.get(args.url)
        time.sleep(args.wait)
        driver.save_screenshot(args.out)
        for entry in driver.get_log("browser"):
            print(entry["level"], entry["message"])
        print("features on map:", driver.execute_script("return window.c3 && window.c3.map.onMap"))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
