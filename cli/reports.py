"""`c3 report`: produce one snapshot report now, or of a past moment, in this process, or
by the running C3 when it holds the DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import typer

from cli.wiring import (
    configured_city,
    report_token_file,
    running_c3_url,
    setup_logging,
    store_of,
)
from config import Settings, load_settings


def report(
    kind: str = typer.Argument(..., help="Report kind (see the `reports` setting)."),
    at: str = typer.Option(
        None, help="Show the city as it was then (ISO time; city time zone unless it has one)."
    ),
    mail: bool = typer.Option(False, "--mail", help="E-mail it to the kind's recipients too."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Produce one snapshot report now, or of a past moment from stored history."""
    setup_logging(verbose)
    from geo.basemap import basemap_file
    from services.collection import CollectionPlanner
    from services.reports.producer import Reporter

    settings = load_settings()
    if kind not in {k.name for k in settings.reports}:
        names = ", ".join(k.name for k in settings.reports)
        raise typer.BadParameter(f"no report kind {kind!r}; configured: {names}", param_hint="KIND")
    moment = parse_moment(at, settings.timezone) if at else None
    if settings.store.kind == "duckdb" and not settings.database_file.exists():
        raise typer.BadParameter(
            f"{settings.database_file} does not exist: run `make run` (or `c3 serve`) first",
            param_hint="database",
        )
    try:
        store = store_of(settings)
    except Exception as exc:  # DuckDB lets one process write a file: ask the running C3
        report_by_the_running_app(settings, kind, moment, mail, exc)
        return
    city = configured_city(settings)
    basemap = basemap_file(city.extract_path, settings.data_dir.resolve() / "basemap")
    reporter = Reporter(store, settings, city.bounds, basemap, None,
                        CollectionPlanner(store, city, settings))  # fmt: skip
    try:
        produced = reporter.on_demand(kind, moment, mail=mail)
    except (ValueError, RuntimeError) as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    print_report(str(produced.files.html), produced.files.pdf, produced.missing)


def parse_moment(at: str, timezone: str) -> datetime:
    """`--at` as a UTC time; a time without an offset is in the city's time zone."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise typer.BadParameter(f"{at!r} is not an ISO time", param_hint="--at") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


def print_report(html: str, pdf, missing: list[str]) -> None:
    typer.echo(html)
    if pdf:
        typer.echo(str(pdf))
    for line in missing:
        typer.secho(f"missing: {line}", fg=typer.colors.YELLOW)


def report_by_the_running_app(settings: Settings, kind: str, moment, mail: bool,
                              why: Exception) -> None:  # fmt: skip
    """Have the C3 that holds the DuckDB file produce the report (POST to its API, with
    the token it wrote in the data directory)."""
    import requests

    url = running_c3_url(settings, f"/api/reports/{kind}/run")
    token_file = report_token_file(settings)
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
    print_report(body["html"], body["pdf"], body["missing"])
