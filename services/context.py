"""The running C3's services (settings, store, cache, the planner and report producer
where this process runs them), and how a request, page or callback reaches them.

One name for one thing: the object is a `Services`; code holds it as `svc` and reaches
it with `current_services()` inside a request, or `services_of(flask_app)` outside one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from config import Settings
from store import Store
from store.cache import Cache

if TYPE_CHECKING:  # the planner and the producer import this module's layer-mates
    from services.collection import CollectionPlanner
    from services.reports.producer import Reporter

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
    # the collection planner, where this process runs one
    collection: CollectionPlanner | None = None
    # the report producer, where this process runs the scheduler
    reporter: Reporter | None = None
    # the secret `c3 report` sends to have this process produce a report (see cli)
    report_token: str | None = None


def attach_services(server: Flask, svc: Services) -> None:
    """Serve `svc` from `server` from now on."""
    server.extensions[EXTENSION_KEY] = svc


def services_of(server: Flask) -> Services:
    """The services `server` serves (outside a request: tests, start-up)."""
    return server.extensions[EXTENSION_KEY]


def current_services() -> Services:
    """The services of the app answering the current request."""
    return services_of(current_app)
