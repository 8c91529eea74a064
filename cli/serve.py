"""The commands that run C3 or its simulator: `c3 demo`, `c3 serve`, `c3 sim` and
`c3 synthetic`, and the wiring of the dashboard they serve (store, connectors, scheduler,
collection planner, reports)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from cli.wiring import configured_city, open_store, setup_logging, write_report_token
from config import Settings, load_settings
from store.lock import check_not_locked

log = logging.getLogger("c3")


def build_demo_city(settings: Settings, city):
    from sim.model import DemoCity

    return DemoCity(city, settings.sim_seed, settings.sim_containers, settings.timezone)


def start_sim(settings: Settings, demo_city):
    from sim.http import BackgroundServer
    from sim.server import create_sim_app

    app = create_sim_app(demo_city, settings.city_name)
    return BackgroundServer(app, settings.sim_host, settings.sim_port).start()


def serve_dashboard(settings: Settings, store, city, connectors=None, basemap_path=None) -> None:
    """Serve the dashboard on `store`; connectors default to the configured feeds."""
    from app import create_app
    from cli.stopping import StopSignals, stop_gracefully
    from connectors.runner import build_connectors
    from geo.basemap import basemap_file
    from jobs.scheduler import RunningJobs, build_scheduler, poll_now
    from services.collection import CollectionPlanner
    from services.context import Services
    from services.reports.producer import Reporter
    from store.cache import Cache
    from store.containers import container_count

    misconfigured = []
    if connectors is None:
        connectors, misconfigured = build_connectors(settings)
    for problem in misconfigured:  # the rest run; /feeds and the wall show these
        log.warning("connector %s set aside as misconfigured: %s", problem.connector, problem)
    basemap_dir = settings.data_dir.resolve() / "basemap"
    basemap_path = basemap_path or basemap_file(city.extract_path, basemap_dir)
    feed_intervals = {c.name: c.settings.interval_s for c in connectors}
    report_token = write_report_token(settings)
    planner = CollectionPlanner(store, city, settings)
    reporter = Reporter(store, settings, city.bounds, basemap_path, feed_intervals, planner)
    jobs = RunningJobs()
    scheduler = build_scheduler(
        connectors, store, planner, settings.collection.recompute_minutes, reporter, jobs
    )
    signals = StopSignals()  # from here on, SIGTERM and Ctrl-C stop C3 gracefully
    scheduler.start()
    svc = Services(
        settings=settings,
        store=store,
        cache=Cache(settings.redis_url, prefix=f"c3:{store.store_id}"),
        map_bounds=city.bounds,
        basemap_path=basemap_path,
        feed_intervals=feed_intervals,
        misconfigured=misconfigured,
        collection=planner,
        reporter=reporter,
        report_token=report_token,
        poll_now=lambda: poll_now(scheduler),
    )
    with store.reading() as cur:
        containers = container_count(cur)
    svc.large_city = containers > settings.cluster_containers_over
    app = create_app(svc)
    host = "localhost" if settings.http_host in ("127.0.0.1", "0.0.0.0") else settings.http_host
    url = f"http://{host}:{settings.http_port}"
    typer.secho(f"\nC3 is running: {url}\n", fg=typer.colors.GREEN, bold=True)
    try:
        if signals.arm():  # not when a stop signal came during the start
            app.run(host=settings.http_host, port=settings.http_port, debug=False)
    except KeyboardInterrupt:
        pass  # a stop signal, as the server's loop began
    finally:
        stop_gracefully(scheduler, jobs, store, signals.disarm())


def demo(
    port: int = typer.Option(None, help="Dashboard port (default: setting http_port)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Run the demo city: simulator, connectors, DuckDB file and dashboard, in one process."""
    setup_logging(verbose)
    settings = load_settings(**({"http_port": port} if port else {}))
    check_not_locked(settings.database_file)  # at once, not after loading the city
    clock = time.monotonic()
    city = configured_city(settings)
    store = open_store(settings, city)
    demo_city = build_demo_city(settings, city)
    from sim.demo_history import backfill_demo

    typer.echo(f"Backfilling {settings.sim_backfill_days} days of simulated history…")
    summary = backfill_demo(store, demo_city, settings.sim_backfill_days, settings.sim_step_minutes)
    typer.echo(
        f"  {summary.traffic_rows:,} traffic and {summary.waste_rows:,} waste readings, "
        f"{summary.collections:,} collections in {summary.seconds:.1f} s"
    )
    sim = start_sim(settings, demo_city)
    typer.echo(
        f"Simulator serving Open311 and NGSI-v2 at {sim.url} "
        f"(ready {time.monotonic() - clock:.1f} s after start)"
    )
    try:
        serve_dashboard(settings, store, city)
    finally:
        sim.stop()


def serve(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Run C3 against the configured feeds (single-site mode)."""
    setup_logging(verbose)
    settings = load_settings()
    check_not_locked(settings.database_file)  # at once, not after loading the city
    city = configured_city(settings)
    serve_dashboard(settings, open_store(settings, city), city)


def sim(
    port: int = typer.Option(None, help="Port (default: setting sim_port)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Serve the demo city's feeds alone (point another C3 at them)."""
    setup_logging(verbose)
    settings = load_settings(**({"sim_port": port} if port else {}))
    server = start_sim(settings, build_demo_city(settings, configured_city(settings)))
    typer.echo(
        f"Simulator at {server.url}: /open311/v2/requests.json, "
        "/v2/entities?type=WasteContainer|TrafficFlowObserved"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()


def synthetic(
    containers: int = typer.Option(50_000, min=1, help="Waste containers."),
    segments: int = typer.Option(20_000, min=1, help="Road segments (block edges of the grid)."),
    requests: int = typer.Option(200_000, min=0, help="Service requests over the days."),
    days: int = typer.Option(30, min=1, help="Days of history, ending when the file is built."),
    db: str = typer.Option(None, help="DuckDB file (default: <data_dir>/synthetic.duckdb)."),
    seed: int = typer.Option(7, help="Seed of the city and of its simulator."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Build anew even if the file matches."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the dashboard on it."),
    port: int = typer.Option(None, help="Dashboard port (default: setting http_port)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Build a synthetic grid city of any size (scale tests); serve the dashboard on it."""
    setup_logging(verbose)
    from sim.synthetic import NotSynthetic, SyntheticParams, ensure_synthetic_store

    overrides = {"http_port": port} if port else {}
    settings = load_settings(**overrides)
    db = Path(db) if db else settings.data_dir / "synthetic.duckdb"
    params = SyntheticParams(containers, segments, requests, days, seed, settings.timezone)
    try:
        summary = ensure_synthetic_store(db, params, rebuild=rebuild, progress=typer.echo)
    except NotSynthetic as exc:
        raise typer.BadParameter(f"{exc}; choose another --db", param_hint="--db") from None
    typer.echo(f"{summary.path}: {summary.file_bytes / 1e9:.2f} GB")
    for table, rows in summary.rows.items():
        typer.echo(f"  {table:<24}{rows:>13,}")
    if not serve:
        return
    from geo.synthetic import basemap_file
    from store import Store

    city = params.city()
    settings = load_settings(**overrides, duckdb_path=db, city_name=city.name)
    age_min = (datetime.now(UTC) - summary.now).total_seconds() / 60
    log.warning(
        "synthetic city: no connectors run, the data is frozen at build time (it ends %s UTC, "
        "%.0f min ago); the live map shows the last 30 minutes of readings, so rebuild "
        "(--rebuild) for a live-looking map",
        f"{summary.now:%Y-%m-%d %H:%M}",
        age_min,
    )
    basemap = basemap_file(city, settings.data_dir.resolve() / "basemap")
    serve_dashboard(settings, Store(db), city, connectors=[], basemap_path=basemap)
