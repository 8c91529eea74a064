"""`c3 store copy --to ducklake`: move the embedded DuckDB file into the lake `[store]`
names (an empty one), so a city that outgrows one process keeps its history."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import typer

from cli.errors import OPERATOR_EXIT
from cli.wiring import setup_logging, store_of
from config import load_settings

log = logging.getLogger("c3")
store_cli = typer.Typer(help="The store: copy the DuckDB file into a lake.",
                        no_args_is_help=True)  # fmt: skip


@store_cli.command("copy")
def copy(
    to: Literal["ducklake"] = typer.Option(..., "--to", help="Where to: ducklake (the lake "
                                           "c3.toml's store table names: catalog, data_path)."),
    source: str = typer.Option(None, "--from", help="The DuckDB file; default the "
                                "configured one (duckdb_path, or <data_dir>/c3.duckdb)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Copy every table of the DuckDB file into an empty lake, in one transaction."""
    from store import Store
    from store.copy import LakeNotEmpty, copy_file_into_lake

    setup_logging(verbose)
    settings = load_settings()
    source = Path(source) if source else settings.database_file
    if not settings.store.catalog:
        raise typer.BadParameter("name the lake to copy into: [store] catalog = "
                                 "'postgres:dbname=c3 host=…' (and data_path)",
                                 param_hint="[store]")  # fmt: skip
    if not source.is_file():
        raise typer.BadParameter(f"{source} is not a DuckDB file", param_hint="--from")
    Store(source, read_only=True).close()  # migrated and not held by another process
    lake_settings = settings.model_copy(update={"store": settings.store.model_copy(
        update={"kind": to})})  # fmt: skip
    lake = store_of(lake_settings)
    try:
        typer.echo(f"copying {source} into {lake.path} …")
        copied = copy_file_into_lake(source, lake)
    except LakeNotEmpty as exc:
        typer.secho(f"c3: the lake already holds data ({exc}): copy into an empty lake (a new "
                    "catalog database and data path).", fg=typer.colors.RED, err=True)  # fmt: skip
        raise typer.Exit(OPERATOR_EXIT) from exc
    finally:
        lake.close()
    for table, rows in copied.items():
        if rows:
            typer.echo(f"  {table:<28}{rows:>12,} rows")
    typer.echo(f"copied {sum(copied.values()):,} rows in {len(copied)} tables; set [store] "
               "kind = 'ducklake' to run on the lake")  # fmt: skip
