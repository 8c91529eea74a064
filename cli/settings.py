"""`c3 config`: every setting with its current value and its help."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from config import ConnectorSettings, Settings, load_settings


def show_config() -> None:
    """Print every setting, its current value and its help."""
    settings = load_settings()
    for name, field in Settings.model_fields.items():
        typer.echo(f"{name} = {getattr(settings, name)!r}\n    {field.description}")
    typer.echo("\nconnectors[] fields:")
    for name, field in ConnectorSettings.model_fields.items():
        typer.echo(f"  {name}: {field.description}")
    typer.echo(f"\n(read at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)")
