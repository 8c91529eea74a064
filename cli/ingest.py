"""`c3 ingest --once`: poll every configured connector once and print a summary of each:
in this process, or, when a running C3 holds the DuckDB file, by that C3 (asked at once,
before the slow start, instead of failing on DuckDB's lock)."""

from __future__ import annotations

from dataclasses import asdict

import typer

from cli.wiring import (
    configured_city,
    misconfigured_row,
    open_store,
    report_token_file,
    running_c3_url,
    setup_logging,
)
from config import ConfigProblem, Settings, load_settings
from store.lock import StoreLocked, lock_holder

COLUMNS = ("fetched", "inserted", "updated", "unchanged", "quarantined")


def ingest(
    once: bool = typer.Option(False, "--once", help="Poll every connector once, then exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Poll the configured connectors and print a summary per connector."""
    setup_logging(verbose)
    if not once:
        raise typer.BadParameter("only --once is supported; `c3 serve` polls on a schedule")
    settings = load_settings()
    holder = lock_holder(settings.database_file)
    if holder is not None:
        runs = poll_by_the_running_c3(settings, StoreLocked(settings.database_file, *holder))
        from connectors.runner import build_connectors

        aside = build_connectors(settings)[1]
    else:
        from connectors.runner import run_all_once

        store = open_store(settings, configured_city(settings))
        records, aside = run_all_once(settings, store)
        store.close()
        runs = [asdict(r) for r in records]
    print_runs(runs, aside, verbose)
    if aside or any(r["status"] != "ok" for r in runs):
        raise typer.Exit(1)


def print_runs(runs: list[dict], aside: list[ConfigProblem], verbose: bool) -> None:
    """One line per connector; a failed run's plain reason ('cannot reach host:port'),
    the library's detail after it only with --verbose."""
    header = (f"{'connector':<14}{'status':<14}{'fetched':>9}{'inserted':>10}{'updated':>9}"
              f"{'unchanged':>11}{'quarantined':>13}  error")  # fmt: skip
    typer.echo(header)
    typer.echo("-" * len(header))
    for r in runs:
        counts = "".join(f"{r[c] or 0:>{len(c) + 2},}" for c in COLUMNS)
        error = r["error"] or ""
        typer.echo(f"{r['connector']:<14}{r['status']:<14}{counts}  "
                   f"{error if verbose else error.split(' · ')[0]}")  # fmt: skip
    for problem in aside:  # not polled: the others were
        typer.echo(misconfigured_row(problem, 14, header.index("error")))


def poll_by_the_running_c3(settings: Settings, locked: StoreLocked) -> list[dict]:
    """Have the C3 that holds the DuckDB file poll every feed now (POST to its API with
    the token it wrote in the data directory); its runs. Raises `locked` when no C3
    answers (the holder is another program, or an older C3)."""
    import requests

    url = running_c3_url(settings, "/api/connectors/poll")
    try:
        token = report_token_file(settings).read_text().strip()
        answer = requests.post(url, headers={"X-C3-Token": token}, timeout=330)
        answer.raise_for_status()
        body = answer.json()
    except (OSError, ValueError, requests.RequestException):
        raise locked from None
    typer.echo(f"({settings.database_file} is held by the running C3, process {locked.pid}: "
               "it polled the feeds)", err=True)  # fmt: skip
    for name in body["still_running"]:
        typer.echo(f"({name}: still polling after the wait; see `c3 connectors list`)", err=True)
    return body["runs"]
