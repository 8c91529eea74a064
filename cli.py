"""The `c3` command: demo, serve, ingest, sim, synthetic, config. Wiring only."""

from __future__ import annotations

import logging
import secrets
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from config import ConnectorSettings, Settings, load_settings

cli = typer.Typer(
    help="C3: a city operations control center.", no_args_is_help=True, add_completion=False
)
log = logging.getLogger("c3")


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("pyrosm").setLevel(logging.WARNING)
    logging.getLogger("dash.dash").setLevel(logging.WARNING)  # it prints its own banner


def _city(settings: Settings):
    from geo.city import load_city

    return load_city(
        settings.city_extract,
        settings.city_name,
        settings.zones_geojson,
        settings.zone_h3_resolution,
    )


def _open_store(settings: Settings, city):
    from store import Store
    from store.city import load_city_model

    store = Store(settings.database_file)
    load_city_model(store, city)
    return store


def _demo_city(settings: Settings, city):
    from sim.model import DemoCity

    return DemoCity(city, settings.sim_seed, settings.sim_containers, settings.timezone)


def _start_sim(settings: Settings, demo_city):
    from sim.http import BackgroundServer
    from sim.server import create_sim_app

    app = create_sim_app(demo_city, settings.city_name)
    return BackgroundServer(app, settings.sim_host, settings.sim_port).start()


def _serve_dashboard(settings: Settings, store, city, connectors=None, basemap_path=None) -> None:
    """Serve the dashboard on `store`; connectors default to the configured feeds."""
    from app import create_app
    from connectors.runner import build_connectors
    from geo.basemap import basemap_file
    from jobs.scheduler import build_scheduler
    from services.collection import CollectionPlanner
    from services.context import Services
    from services.reports.producer import Reporter
    from store.cache import Cache

    connectors = build_connectors(settings) if connectors is None else connectors
    basemap_dir = settings.data_dir.resolve() / "basemap"
    basemap_path = basemap_path or basemap_file(city.extract_path, basemap_dir)
    feed_intervals = {c.name: c.settings.interval_s for c in connectors}
    report_token = _write_report_token(settings)
    planner = CollectionPlanner(store, city, settings)
    reporter = Reporter(store, settings, city.bounds, basemap_path, feed_intervals, planner)
    scheduler = build_scheduler(
        connectors, store, planner, settings.collection.recompute_minutes, reporter
    )
    scheduler.start()
    svc = Services(
        settings=settings,
        store=store,
        cache=Cache(settings.redis_url, prefix=f"c3:{store.store_id}"),
        map_bounds=city.bounds,
        basemap_path=basemap_path,
        feed_intervals=feed_intervals,
        collection=planner,
        reporter=reporter,
        report_token=report_token,
    )
    with store.reading() as cur:
        containers = cur.execute("SELECT count(*) FROM waste_containers").fetchone()[0]
    svc.large_city = containers > settings.cluster_containers_over
    app = create_app(svc)
    host = "localhost" if settings.http_host in ("127.0.0.1", "0.0.0.0") else settings.http_host
    url = f"http://{host}:{settings.http_port}"
    typer.secho(f"\nC3 is running: {url}\n", fg=typer.colors.GREEN, bold=True)
    try:
        app.run(host=settings.http_host, port=settings.http_port, debug=False)
    finally:
        scheduler.shutdown(wait=False)


@cli.command()
def demo(
    port: int = typer.Option(None, help="Dashboard port (default: setting http_port)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Run the demo city: simulator, connectors, DuckDB file and dashboard, in one process."""
    _logging(verbose)
    settings = load_settings(**({"http_port": port} if port else {}))
    clock = time.monotonic()
    city = _city(settings)
    store = _open_store(settings, city)
    demo_city = _demo_city(settings, city)
    from sim.demo_history import backfill_demo

    typer.echo(f"Backfilling {settings.sim_backfill_days} days of simulated history…")
    summary = backfill_demo(store, demo_city, settings.sim_backfill_days, settings.sim_step_minutes)
    typer.echo(
        f"  {summary.traffic_rows:,} traffic and {summary.waste_rows:,} waste readings, "
        f"{summary.collections:,} collections in {summary.seconds:.1f} s"
    )
    sim = _start_sim(settings, demo_city)
    typer.echo(
        f"Simulator serving Open311 and NGSI-v2 at {sim.url} "
        f"(ready {time.monotonic() - clock:.1f} s after start)"
    )
    try:
        _serve_dashboard(settings, store, city)
    finally:
        sim.stop()


@cli.command()
def serve(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Run C3 against the configured feeds (single-site mode)."""
    _logging(verbose)
    settings = load_settings()
    city = _city(settings)
    _serve_dashboard(settings, _open_store(settings, city), city)


@cli.command()
def ingest(
    once: bool = typer.Option(False, "--once", help="Poll every connector once, then exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Poll the configured connectors and print a summary per connector."""
    _logging(verbose)
    if not once:
        raise typer.BadParameter("only --once is supported; `c3 serve` polls on a schedule")
    from connectors.runner import run_all_once

    settings = load_settings()
    store = _open_store(settings, _city(settings))
    runs = run_all_once(settings, store)
    header = (
        f"{'connector':<14}{'status':<8}{'fetched':>9}{'inserted':>10}{'updated':>9}"
        f"{'unchanged':>11}{'quarantined':>13}  error"
    )
    typer.echo(header)
    typer.echo("-" * len(header))
    for r in runs:
        typer.echo(
            f"{r.connector:<14}{r.status:<8}{r.fetched:>9,}{r.inserted:>10,}{r.updated:>9,}"
            f"{r.unchanged:>11,}{r.quarantined:>13,}  {r.error or ''}"
        )
    if any(r.status != "ok" for r in runs):
        raise typer.Exit(1)


@cli.command()
def sim(
    port: int = typer.Option(None, help="Port (default: setting sim_port)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Serve the demo city's feeds alone (point another C3 at them)."""
    _logging(verbose)
    settings = load_settings(**({"sim_port": port} if port else {}))
    server = _start_sim(settings, _demo_city(settings, _city(settings)))
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


@cli.command()
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
    _logging(verbose)
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
    _serve_dashboard(settings, Store(db), city, connectors=[], basemap_path=basemap)


def _running_c3_url(settings: Settings, path: str) -> str:
    """A URL of the C3 running on this machine with these settings."""
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "localhost") else settings.http_host
    return f"http://{host}:{settings.http_port}{path}"


def _report_token_file(settings: Settings) -> Path:
    return settings.data_dir / "report-token"


def _write_report_token(settings: Settings) -> str:
    """A fresh secret in the data directory (owner-only): `c3 report` reads it to have
    this process produce a report; a web page or another user cannot."""
    token = secrets.token_urlsafe(24)
    path = _report_token_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text(token)
    return token


@cli.command()
def report(
    kind: str = typer.Argument(..., help="Report kind (see the `reports` setting)."),
    at: str = typer.Option(
        None, help="Show the city as it was then (ISO time; city time zone unless it has one)."
    ),
    mail: bool = typer.Option(False, "--mail", help="E-mail it to the kind's recipients too."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Produce one snapshot report now, or of a past moment from stored history."""
    _logging(verbose)
    from geo.basemap import basemap_file
    from services.collection import CollectionPlanner
    from services.reports.producer import Reporter
    from store import Store

    settings = load_settings()
    if kind not in {k.name for k in settings.reports}:
        names = ", ".join(k.name for k in settings.reports)
        raise typer.BadParameter(f"no report kind {kind!r}; configured: {names}", param_hint="KIND")
    moment = None
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise typer.BadParameter(f"{at!r} is not an ISO time", param_hint="--at") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(settings.timezone))
        moment = moment.astimezone(UTC)
    if not settings.database_file.exists():
        raise typer.BadParameter(
            f"{settings.database_file} does not exist: run `make run` (or `c3 serve`) first",
            param_hint="database",
        )
    try:
        store = Store(settings.database_file)
    except Exception as exc:  # DuckDB lets one process write a file: ask the running C3
        _report_by_the_running_app(settings, kind, moment, mail, exc)
        return
    city = _city(settings)
    basemap = basemap_file(city.extract_path, settings.data_dir.resolve() / "basemap")
    reporter = Reporter(store, settings, city.bounds, basemap, None,
                        CollectionPlanner(store, city, settings))  # fmt: skip
    try:
        produced = reporter.on_demand(kind, moment, mail=mail)
    except (ValueError, RuntimeError) as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    _print_report(str(produced.files.html), produced.files.pdf, produced.missing)


def _print_report(html: str, pdf, missing: list[str]) -> None:
    typer.echo(html)
    if pdf:
        typer.echo(str(pdf))
    for line in missing:
        typer.secho(f"missing: {line}", fg=typer.colors.YELLOW)


def _report_by_the_running_app(settings: Settings, kind: str, moment, mail: bool,
                               why: Exception) -> None:  # fmt: skip
    """Have the C3 that holds the DuckDB file produce the report (POST to its API, with
    the token it wrote in the data directory)."""
    import requests

    url = _running_c3_url(settings, f"/api/reports/{kind}/run")
    token_file = _report_token_file(settings)
    params = {"mail": "1"} if mail else {}
    if moment:
        params["at"] = moment.isoformat()
    try:
        token = token_file.read_text().strip()
        answer = requests.post(url, params=params, headers={"X-C3-Token": token}, timeout=600)
    except (OSError, requests.RequestException) as exc:
        typer.secho(
            f"Cannot open {settings.database_file} ({why}),\nand no running C3 answered at "
            f"{url} ({exc}).",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(2) from None
    if not answer.ok:
        message = answer.json().get("error") if answer.headers.get(
            "Content-Type", "").startswith("application/json") else answer.reason  # fmt: skip
        typer.secho(f"The running C3 did not produce it: {message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    body = answer.json()
    typer.echo(f"(produced by the running C3 at {settings.http_port})", err=True)
    _print_report(body["html"], body["pdf"], body["missing"])


connectors_cli = typer.Typer(help="The configured feeds: their state, a dry run of one.")
cli.add_typer(connectors_cli, name="connectors")


@connectors_cli.command("list")
def connectors_list(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Every configured connector with its state (from the store, or the running C3)."""
    _logging(verbose)
    settings = load_settings()
    states = _connector_states(settings)
    header = (
        f"{'connector':<14}{'kind':<30}{'every':>7}  {'state':<11}{'last success':<27}last error"
    )
    typer.echo(header)
    typer.echo("-" * len(header))
    zone = ZoneInfo(settings.timezone)
    for feed in settings.feeds:
        kind = feed.kind + (f" {feed.entity_type}" if feed.entity_type else "")
        state = states.get(feed.name, {})
        error = state.get("last_error") or {}
        success = state.get("last_success_at")
        when = f"{datetime.fromisoformat(success).astimezone(zone):%Y-%m-%d %H:%M:%S %Z}" if (
            success) else "—"  # fmt: skip
        typer.echo(
            f"{feed.name:<14}{kind:<30}{feed.interval_s:>6}s  {state.get('state', '?'):<11}"
            f"{when:<27}{error.get('error') or ''}"
        )
    if not states:
        typer.echo("(state unknown: no database yet, and no running C3 answered)")


@connectors_cli.command("check")
def connectors_check(
    name: str = typer.Argument(..., help="A configured connector's name."),
    pages: int = typer.Option(1, min=1, help="Pages to fetch."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Fetch a page from the connector's source and print what would land, what would be
    quarantined and why. Nothing is written."""
    _logging(verbose)
    import json
    import tempfile

    from connectors.check import check_connector
    from connectors.runner import build_connector
    from store import Store

    settings = load_settings()
    feeds = {f.name: f for f in settings.feeds}
    if name not in feeds:
        raise typer.BadParameter(f"no connector {name!r}; configured: {', '.join(feeds)}")
    connector = build_connector(feeds[name], settings.timezone)
    with tempfile.TemporaryDirectory() as scratch:
        try:  # the store gives the watermark and what normalizing needs
            store = Store(settings.database_file, read_only=True)
        except Exception:  # none yet, or held by the running C3: a scratch one of this city
            store = _open_store(settings.model_copy(update={"data_dir": Path(scratch),
                                                            "duckdb_path": None}),
                                _city(settings))  # fmt: skip
        with store.reading() as cur:
            result = check_connector(connector, cur, datetime.now(UTC), pages)
        store.close()
    zone = ZoneInfo(settings.timezone)
    if result.window:
        w = result.window
        typer.echo(f"{name}: window {w.start.astimezone(zone):%Y-%m-%d %H:%M} – "
                   f"{w.end.astimezone(zone):%Y-%m-%d %H:%M %Z}"
                   f"{' (first pull: backfill)' if w.backfill else ''}")  # fmt: skip
    typer.echo(f"fetched {result.fetched:,} records in up to {pages} page(s)")
    for table, count in result.accepted.items():
        typer.echo(f"  would land in {table}: {count:,} rows, e.g.")
        for row in result.samples.get(table, []):
            typer.echo("    " + json.dumps(row, default=str, ensure_ascii=False)[:300])
    if result.rejects:
        typer.secho(f"  would quarantine {len(result.rejects):,}:", fg=typer.colors.YELLOW)
        for reason, count in result.reasons.most_common():
            example = next(r for why, r in result.rejects if why == reason)
            text = example if isinstance(example, str) else json.dumps(example, default=str)
            typer.echo(f"    {count:>5,} × {reason}\n          e.g. {text[:200]}")
    for warning in result.warnings:
        typer.secho(f"  warning: {warning}", fg=typer.colors.YELLOW)
    if result.error:
        typer.secho(f"  the run would fail: {result.error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


def _connector_states(settings: Settings) -> dict[str, dict]:
    """name -> state summary, read from the DuckDB file, else from the running C3."""
    import requests

    from services.feeds import feed_summary, health_rows
    from store import Store

    intervals = {f.name: f.interval_s for f in settings.feeds}
    if settings.database_file.exists():
        try:
            store = Store(settings.database_file)
        except Exception:  # held by the running C3: ask it
            pass
        else:
            with store.reading() as cur:
                rows = health_rows(settings, intervals, datetime.now(UTC), cur)
            store.close()
            return {r["name"]: feed_summary(r) for r in rows}
    try:
        answer = requests.get(_running_c3_url(settings, "/api/feeds"), timeout=10)
        answer.raise_for_status()
        return {c["name"]: c for c in answer.json()["connectors"]}
    except (requests.RequestException, ValueError, KeyError):  # nothing there, or not C3
        return {}


@cli.command("config")
def show_config() -> None:
    """Print every setting, its current value and its help."""
    settings = load_settings()
    for name, field in Settings.model_fields.items():
        typer.echo(f"{name} = {getattr(settings, name)!r}\n    {field.description}")
    typer.echo("\nconnectors[] fields:")
    for name, field in ConnectorSettings.model_fields.items():
        typer.echo(f"  {name}: {field.description}")
    typer.echo(f"\n(read at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
