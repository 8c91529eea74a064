"""What the `c3` commands share: logging, the configured city, its store, the address of
the C3 running on this machine, and the report token a running C3 writes for `c3 report`."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from config import ConfigProblem, Settings

log = logging.getLogger("c3")


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("pyrosm").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per PDF step
    logging.getLogger("dash.dash").setLevel(logging.WARNING)  # it prints its own banner


def configured_city(settings: Settings):
    """The city model of the configured extract, zones and zone resolution."""
    from geo.city import load_city

    return load_city(
        settings.city_extract,
        settings.city_name,
        settings.zones_geojson,
        settings.zone_h3_resolution,
    )


def store_of(settings: Settings, **options):
    """The configured store, opened: the DuckDB file, or the lake (`[store]`)."""
    from store import Store
    from store.lake import Lake

    lake = None
    if settings.store.kind == "ducklake":
        lake = Lake(settings.store.catalog, settings.lake_data_path, settings.store.inlining_rows)
    options.setdefault("memory_limit", settings.store.memory_limit)
    options.setdefault("config", {"temp_directory": str(settings.data_dir.resolve() / "tmp")})
    return Store(settings.database_file, lake=lake, **options)


def open_store(settings: Settings, city):
    """The configured store, with the city's zones and road segments loaded."""
    from store.city import load_city_model

    store = store_of(settings)
    load_city_model(store, city)
    return store


@dataclass
class JobParts:
    """What the jobs run on, built once for `c3 serve` and `c3 worker` alike."""

    connectors: list
    misconfigured: list
    basemap: Path
    feed_intervals: dict[str, int]
    planner: object  # services.collection.CollectionPlanner
    reporter: object  # services.reports.producer.Reporter
    retention: Callable[[], object]  # services.retention.run_retention on this store
    source_updates: Callable[[], object]  # services.source_updates.send_due on this store
    follow_up: Callable[[], object]  # services.triage.follow_up: reopened fixes, auto-assign
    outcomes: Callable[[], object]  # services.outcomes.record_week: the wall's week outcomes


def job_parts(settings: Settings, store, city, connectors=None, basemap=None) -> JobParts:
    """The connectors (the configured feeds, unless given; those set aside logged), the
    basemap, the collection planner and the report producer."""
    from connectors.runner import build_connectors
    from geo.basemap import basemap_file
    from services.collection import CollectionPlanner
    from services.dispatch import Dispatcher
    from services.outcomes import record_week
    from services.reports.producer import Reporter
    from services.retention import run_retention
    from services.source_updates import send_due
    from services.triage import Desk, follow_up

    misconfigured = []
    if connectors is None:
        connectors, misconfigured = build_connectors(settings)
    for problem in misconfigured:  # the rest run; /feeds and the wall show these
        log.warning("connector %s set aside as misconfigured: %s", problem.connector, problem)
    basemap = basemap or basemap_file(city.extract_path, settings.data_dir.resolve() / "basemap")
    intervals = {c.name: c.settings.interval_s for c in connectors}
    planner = CollectionPlanner(store, city, settings)
    reporter = Reporter(store, settings, city.bounds, basemap, intervals, planner)
    desk = Desk(store, settings, Dispatcher(store, city, settings, planner))
    return JobParts(connectors, misconfigured, basemap, intervals, planner, reporter,
                    partial(run_retention, store, settings), partial(send_due, store, settings),
                    partial(follow_up, desk), partial(record_week, store, city, settings))


def misconfigured_row(problem: ConfigProblem, state_at: int, reason_at: int) -> str:
    """A connector set aside as misconfigured, as a row of a `c3` table: its name, then
    'misconfigured' at column `state_at`, then where and why at column `reason_at`."""
    head = f"{problem.connector:<{state_at}}misconfigured"
    return f"{head:<{reason_at}}{problem.where}: {problem.message}"


def running_c3_url(settings: Settings, path: str) -> str:
    """A URL of the C3 running on this machine with these settings."""
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "localhost") else settings.http_host
    return f"http://{host}:{settings.http_port}{path}"


def report_token_file(settings: Settings) -> Path:
    return settings.data_dir / "report-token"


def write_report_token(settings: Settings) -> str:
    """A fresh secret in the data directory (owner-only): `c3 report` reads it to have
    this process produce a report; a web page or another user cannot."""
    token = secrets.token_urlsafe(24)
    path = report_token_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text(token)
    return token


def session_key(settings: Settings) -> str:
    """The key that signs session cookies, kept in the data directory (owner-only) so that
    sign-ins, a paired wall's above all, outlive a restart; made on first use."""
    path = settings.data_dir / "session-key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
