"""The real app on a temporary DuckDB seeded by the simulator, for dash_duo."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app import create_app
from config import load_settings
from geo.basemap import basemap_file
from scripts.chromium import options as chromium_options
from services.context import Services, attach_services
from store.cache import Cache
from tests.helpers import TZ, seed_demo_day


def pytest_setup_options():
    """Chromium for dash_duo, started like every other tool here starts it."""
    return chromium_options(headless=False)  # dash adds --headless itself


@pytest.fixture
def live_app(dash_app, store, city, demo_city, tmp_path):
    """The dashboard over a store holding a day of history and one poll of every feed."""
    feeds = seed_demo_day(store, demo_city, datetime.now(UTC))
    # open access: an operator without personal data (sign-in has its own tests)
    settings = load_settings(timezone=TZ, refresh_ms=1000, auth="none")
    svc = Services(
        settings=settings,
        store=store,
        cache=Cache(None),
        map_bounds=city.bounds,
        basemap_path=basemap_file(city.extract_path, tmp_path / "basemap"),
        feed_intervals={f.name: f.interval_s for f in feeds},
    )
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    return dash_app["app"]
