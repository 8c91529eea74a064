"""The running app's services (settings, store, cache), reached from inside a request."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from config import Settings
from store import Store
from store.cache import Cache

EXTENSION_KEY = "c3"


@dataclass
class Services:
    settings: Settings
    store: Store
    cache: Cache
    map_bounds: tuple[float, float, float, float]  # lon/lat: west, south, east, north
    basemap_path: Path | None = None
    feed_intervals: dict[str, int] = field(default_factory=dict)
    # more containers than settings.cluster_containers_over: explore opens on hotspots
    large_city: bool = False
    # the collection planner (jobs.collection.CollectionPlanner) where this process runs one
    collection: object | None = None
    # the report producer (jobs.reports.Reporter) where this process runs the scheduler
    reporter: object | None = None
    # the secret `c3 report` sends to have this process produce a report (see cli.py)
    report_token: str | None = None


def services() -> Services:
    return current_app.extensions[EXTENSION_KEY]
