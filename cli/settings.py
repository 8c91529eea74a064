"""`c3 config`: check the config (every mistake at once, by file and line; exit status 1
when a connector is misconfigured, 2 when the config cannot be used) and print every
setting with its current value and its help."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import typer

from config import ConnectorSettings, Settings, load_settings
from config.loading import config_file


def show_config(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the verdict and problems."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Tracebacks of errors."),
) -> None:
    """Check the config, and print every setting, its current value and its help."""
    from connectors.runner import build_connectors

    settings = load_settings()  # a config that cannot be used raises ConfigError: exit 2
    connectors, aside = build_connectors(settings)
    if not quiet:
        for name, field in Settings.model_fields.items():
            typer.echo(f"{name} = {getattr(settings, name)!r}\n    {field.description}")
        typer.echo("\nconnectors[] fields:")
        for name, field in ConnectorSettings.model_fields.items():
            typer.echo(f"  {name}: {field.description}")
        typer.echo(f"\n(read at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)")
    source = config_file()
    if source is None or str(source) == os.devnull:
        source = "no config file (defaults and the environment)"
    if aside:
        typer.secho(f"{source}: {len(aside)} connector(s) misconfigured; the other "
                    f"{len(connectors)} would run:", fg=typer.colors.RED, err=True)  # fmt: skip
        for problem in aside:
            typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.secho(f"{source}: config OK, {len(connectors)} connector(s)", fg=typer.colors.GREEN)
