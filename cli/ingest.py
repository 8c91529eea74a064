"""`c3 ingest --once`: poll every configured connector once and print a summary of each."""

from __future__ import annotations

import typer

from cli.wiring import configured_city, open_store, setup_logging
from config import load_settings


def ingest(
    once: bool = typer.Option(False, "--once", help="Poll every connector once, then exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Poll the configured connectors and print a summary per connector."""
    setup_logging(verbose)
    if not once:
        raise typer.BadParameter("only --once is supported; `c3 serve` polls on a schedule")
    from connectors.runner import run_all_once

    settings = load_settings()
    store = open_store(settings, configured_city(settings))
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
