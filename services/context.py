"""The running C3's services (settings, store, cache, the planner and report producer
where this process runs them), and how a request, page or callback reaches them.

One name for one thing: the object is a `Services`; code holds it as `svc` and reaches
it with `current_services()` inside a request, or `services_of(flask_app)` outside one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from config import ConfigProblem, Settings
from services.accounts import LoginThrottle, SessionChecks
from services.answers import SharedAnswers
from store import Store
from store.cache import Cache

if TYPE_CHECKING:  # the planner and the producer import this module's layer-mates
    from services.collection import CollectionPlanner
    from services.dispatch import Dispatcher
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
    # configured feeds set aside as misconfigured (not polled), each with why
    misconfigured: list[ConfigProblem] = field(default_factory=list)
    # when this process read its config and started serving
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # more containers than settings.cluster_containers_over: explore opens on hotspots
    large_city: bool = False
    # the collection planner, where this process runs one
    collection: CollectionPlanner | None = None
    # the report producer, where this process runs the scheduler
    reporter: Reporter | None = None
    # ranks crews for work orders over the road graph (services.dispatch.Dispatcher)
    dispatch: Dispatcher | None = None
    # the secret `c3 report` sends to have this process produce a report (see cli)
    report_token: str | None = None
    # have every connector poll now (the scheduler's jobs; -> the names asked), where
    # this process runs the scheduler: `c3 ingest --once` asks for it while C3 runs
    poll_now: Callable[[], list[str]] | None = None
    versions: object | None = None  # store.notices.VersionBoard: the data versions, from notices
    # the demo signs its visitors in as a demo admin (with a role switcher)
    demo_sign_in: bool = False
    # signs the session cookies; kept in the data directory so sessions outlive a restart
    session_key: str = field(default_factory=lambda: secrets.token_hex(32))
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    session_checks: SessionChecks = field(default_factory=SessionChecks)
    # what many ask at one data version (the wall's tiles), computed once (services.answers)
    answers: SharedAnswers = field(default_factory=SharedAnswers)
    # authlib's client of the city's OpenID Connect provider, made on first sign-in
    oidc_client: object | None = None


def accounts_changed(svc: Services) -> None:
    """After a sign-out, an account removed or a wall revoked: tell every web worker now
    (a change notice), so none takes the session as valid a moment longer."""
    if svc.versions is not None:
        svc.versions.publish()


def attach_services(server: Flask, svc: Services) -> None:
    """Serve `svc` from `server` from now on."""
    server.extensions[EXTENSION_KEY] = svc


def services_of(server: Flask) -> Services:
    """The services `server` serves (outside a request: tests, start-up)."""
    return server.extensions[EXTENSION_KEY]


def current_services() -> Services:
    """The services of the app answering the current request."""
    return services_of(current_app)
