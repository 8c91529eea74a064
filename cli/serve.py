"""The commands that run C3 or its simulator: `c3 demo`, `c3 serve`, `c3 sim` and
`c3 synthetic`. Each serves the dashboard under gunicorn (cli.web): this process checks
the settings and the store's lock, then gunicorn's worker opens what the command serves
(`open_*` here: city, store, the demo's history and simulator) and starts C3 on it."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import typer

from cli.web import C3Server, Opened, check_port_free, in_child
from cli.wiring import configured_city, open_store, setup_logging, store_of
from config import Settings, load_settings
from store.lock import check_not_locked

log = logging.getLogger("c3")


def build_demo_city(settings: Settings, city, now_s: float | None = None):
    """The demo city, with `sim_faults` of each kind from midnight (UTC) four days back."""
    from sim.faults import seed_faults
    from sim.model import DemoCity

    demo = DemoCity(city, settings.sim_seed, settings.sim_containers, settings.timezone)
    if not settings.sim_faults:
        return demo
    since = (int(time.time() if now_s is None else now_s) // 86400 - 4) * 86400
    faults = seed_faults(demo.containers, demo.segments, settings.sim_seed, since,
                         per_kind=settings.sim_faults)  # fmt: skip
    return DemoCity(city, settings.sim_seed, settings.sim_containers, settings.timezone,
                    faults=faults)  # fmt: skip


def start_sim(settings: Settings, demo_city):
    from sim.http import BackgroundServer
    from sim.server import create_sim_app

    app = create_sim_app(demo_city, settings.city_name)
    return BackgroundServer(app, settings.sim_host, settings.sim_port).start()


def serve_dashboard(settings: Settings, open_site: Callable[[], Opened]) -> None:
    """Serve the dashboard under gunicorn on what `open_site` opens (in the worker); returns
    once C3 has stopped."""
    check_port_free(settings)
    host = "localhost" if settings.http_host in ("127.0.0.1", "0.0.0.0") else settings.http_host
    C3Server(settings, open_site, f"C3 is running: http://{host}:{settings.http_port}").run()


def open_demo(settings: Settings) -> Opened:
    """`c3 demo`, in the worker: the city, its simulator, and the store with its history."""
    from sim.demo_history import backfill_demo

    clock = time.monotonic()
    city = configured_city(settings)
    demo_city = build_demo_city(settings, city)
    sim = start_sim(settings, demo_city)
    store = open_store(settings, city)
    typer.echo(f"Backfilling {settings.sim_backfill_days} days of simulated history…")
    summary = backfill_demo(store, demo_city, settings.sim_backfill_days, settings.sim_step_minutes)
    typer.echo(
        f"  {summary.traffic_rows:,} traffic and {summary.waste_rows:,} waste readings, "
        f"{summary.collections:,} collections in {summary.seconds:.1f} s"
    )
    typer.echo(
        f"Simulator serving Open311 and NGSI-v2 at {sim.url} "
        f"(ready {time.monotonic() - clock:.1f} s after start)"
    )
    return Opened(store, city, demo=True, on_stop=sim.stop)


def open_configured(settings: Settings) -> Opened:
    """`c3 serve` (and wsgi.py), in the worker: the configured city and its store."""
    city = configured_city(settings)
    return Opened(open_store(settings, city), city)


def demo(
    port: int = typer.Option(None, help="Dashboard port (default: setting http_port)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Run the demo city: simulator, connectors, DuckDB file and dashboard."""
    setup_logging(verbose)
    settings = load_settings(**({"http_port": port} if port else {}))
    check_not_locked(settings.database_file)  # at once, not after loading the city
    serve_dashboard(settings, lambda: open_demo(settings))


def serve(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Run C3 against the configured feeds (single-site mode)."""
    setup_logging(verbose)
    settings = load_settings()
    check_not_locked(settings.database_file)  # at once, not after loading the city
    serve_dashboard(settings, lambda: open_configured(settings))


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
    rollup_days: int = typer.Option(0, min=0, help="Days of history before the readings, "
                                    "as rollups (each zone's hours, each feature's days)."),
    jobs: bool = typer.Option(True, "--jobs/--no-jobs", help="Run the planner, the reports "
                              "and retention while serving the file; off: serve only."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Build a synthetic grid city of any size (scale tests); serve the dashboard on it.
    With `[store] kind = "ducklake"`, the file is copied into that (empty) lake and the
    dashboard serves the lake."""
    setup_logging(verbose)
    from sim.synthetic import NotSynthetic, SyntheticParams, ensure_synthetic_store

    overrides = {"http_port": port} if port else {}
    settings = load_settings(**overrides)
    db = Path(db) if db else settings.data_dir / "synthetic.duckdb"
    params = SyntheticParams(containers, segments, requests, days, seed, settings.timezone,
                             rollup_days)  # fmt: skip
    try:  # in a child process: DuckDB must not have run in gunicorn's master (cli.web)
        summary = in_child(ensure_synthetic_store, db, params, rebuild=rebuild,
                           progress=typer.echo)  # fmt: skip
    except NotSynthetic as exc:
        raise typer.BadParameter(f"{exc}; choose another --db", param_hint="--db") from None
    typer.echo(f"{summary.path}: {summary.file_bytes / 1e9:.2f} GB")
    for table, rows in summary.rows.items():
        typer.echo(f"  {table:<24}{rows:>13,}")
    on_lake = settings.store.kind == "ducklake"
    if on_lake:
        copy_synthetic_into_lake(settings, db)
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
    serve_dashboard(settings, lambda: Opened(store_of(settings) if on_lake else Store(db), city,
                                             basemap, connectors=[], jobs=jobs))


def copy_synthetic_into_lake(settings: Settings, db: Path) -> None:
    """The synthetic file copied into the configured lake (kept if it holds that build)."""
    from sim.synthetic import ensure_in_lake
    from store.copy import LakeNotEmpty

    def into_lake(progress):
        lake = store_of(settings)
        try:
            return ensure_in_lake(db, lake, progress)
        finally:
            lake.close()

    try:
        in_child(into_lake, progress=typer.echo)
    except LakeNotEmpty as exc:
        raise typer.BadParameter(f"the lake holds other data ({exc}): name an empty one",
                                 param_hint="[store]") from None  # fmt: skip
