"""The `c3` command (pyproject: `c3 = "cli:main"`): the typer app and its verbs, in the
order `c3 --help` lists them. Wiring only; each verb group lives in its own module."""

from __future__ import annotations

import sys

import typer

from cli import ingest, reports, serve, settings, worker
from cli.connectors import connectors_cli
from cli.errors import run_reporting_operator_errors
from cli.stores import store_cli
from cli.users import users_cli

cli = typer.Typer(
    help="C3: a city operations control center.", no_args_is_help=True, add_completion=False
)
cli.command()(serve.demo)
cli.command()(serve.serve)
cli.command()(worker.worker)
cli.command()(ingest.ingest)
cli.command()(serve.sim)
cli.command()(serve.synthetic)
cli.command()(reports.report)
cli.add_typer(connectors_cli, name="connectors")
cli.add_typer(users_cli, name="users")
cli.add_typer(store_cli, name="store")
cli.command("config")(settings.show_config)


def main() -> None:
    run_reporting_operator_errors(cli, sys.argv)
