"""Headless Chromium as every tool here starts it (tests, benches, screenshots)."""

from __future__ import annotations

from selenium import webdriver
from selenium.webdriver.chrome.options import Options

# --disable-background-networking: no calls home on a machine without internet.
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
)


def options(width: int = 1920, height: int = 1080, headless: bool = True) -> Options:
    opts = Options()
    for flag in (*FLAGS, f"--window-size={width},{height}"):
        opts.add_argument(flag)
    if headless:
        opts.add_argument("--headless=new")
    return opts


def chromium(width: int = 1920, height: int = 1080) -> webdriver.Chrome:
    opts = options(width, height)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=opts)
