"""`c3 connectors list|check`: the configured feeds with their state (from the store, or
from the running C3 that holds it), and a dry run of one feed that writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from cli.wiring import (
    configured_city,
    misconfigured_row,
    open_store,
    report_token_file,
    running_c3_url,
    setup_logging,
    store_of,
)
from config import ConfigError, Settings, load_settings

connectors_cli = typer.Typer(help="The configured feeds: their state, a dry run of one.")
REASON_GROUPS = 10  # kinds of reason `check` shows, most frequent first


@connectors_cli.command("list")
def connectors_list(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Every configured connector with its state (from the store, or the running C3)."""
    setup_logging(verbose)
    settings = load_settings()
    states = connector_states(settings)
    header = (
        f"{'connector':<14}{'kind':<30}{'every':>7}  {'state':<11}{'last success':<27}last error"
    )
    typer.echo(header)
    typer.echo("-" * len(header))
    zone = ZoneInfo(settings.timezone)
    from connectors.runner import build_connectors

    aside = {p.connector: p for p in build_connectors(settings)[1]}
    for feed in settings.feeds:
        kind = feed.kind + (f" {feed.entity_type}" if feed.entity_type else "")
        if feed.name in aside:
            continue  # set aside when it was built: listed below with why
        state = states.get(feed.name, {})
        error = state.get("last_error") or {}
        success = state.get("last_success_at")
        when = f"{datetime.fromisoformat(success).astimezone(zone):%Y-%m-%d %H:%M:%S %Z}" if (
            success) else "—"  # fmt: skip
        note = error.get("error") or ""
        if state.get("state") == "degraded":  # why: most of the last run was rejected
            rejected = (f"last run: {state.get('last_run_rejected', 0):,} of "
                        f"{state.get('last_run_fetched', 0):,} records rejected")  # fmt: skip
            note = rejected + (f" · last error: {note}" if note else "")
        elif state.get("stale_reason"):  # runs succeed, but the data is old
            note = state["stale_reason"] + (f" · last error: {note}" if note else "")
        typer.echo(
            f"{feed.name:<14}{kind:<30}{feed.interval_s:>6}s  {state.get('state', '?'):<11}"
            f"{when:<27}{note}"
        )
    state_at = header.index("state")
    for problem in aside.values():  # not polled: the rest run without them
        typer.echo(misconfigured_row(problem, state_at, state_at + len("misconfigured ")))
    if not states and len(aside) < len(settings.feeds) + len(settings.misconfigured):
        typer.echo("(state unknown: no database yet, and no running C3 answered)")


@connectors_cli.command("check")
def connectors_check(
    name: str = typer.Argument(..., help="A configured connector's name."),
    pages: int = typer.Option(1, min=1, help="Pages to fetch."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Fetch a page from the connector's source and print what would land, what would be
    quarantined and why. Nothing is written."""
    setup_logging(verbose)
    import tempfile

    from connectors.check import check_connector
    from connectors.runner import build_connector, build_problem

    settings = load_settings()
    feeds = {f.name: f for f in settings.feeds}
    aside = {p.connector: p for p in settings.misconfigured}
    if name in aside:
        raise ConfigError([aside[name]])
    if name not in feeds:
        raise typer.BadParameter(f"no connector {name!r}; configured: {', '.join(feeds)}")
    try:
        connector = build_connector(feeds[name], settings.timezone)
    except ValueError as exc:
        raise ConfigError([build_problem(settings, name, exc)]) from None
    with tempfile.TemporaryDirectory() as scratch:
        try:  # the store gives the watermark and what normalizing needs
            store = store_of(settings, read_only=True)
        except Exception:  # none yet, or held by the running C3: a scratch one of this city
            store = open_store(settings.model_copy(update={"data_dir": Path(scratch),
                                                           "duckdb_path": None}),
                               configured_city(settings))  # fmt: skip
        with store.reading() as cur:
            result = check_connector(connector, cur, datetime.now(UTC), pages)
        store.close()
    print_check(name, result, pages, ZoneInfo(settings.timezone))
    if result.error:
        error = result.error if verbose else result.error.split(" · ")[0]  # the plain reason
        typer.secho(f"  the run would fail: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


def print_check(name: str, result, pages: int, zone: ZoneInfo) -> None:
    """What a dry run found: its window, what would land (with samples), what would be
    quarantined and why, and the warnings."""
    import json

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
        groups = result.groups()  # by the kind of reason, not the value inside it
        typer.secho(f"  would quarantine {len(result.rejects):,}, for {len(groups):,} kind(s) "
                    "of reason:", fg=typer.colors.YELLOW)  # fmt: skip
        for group in groups[:REASON_GROUPS]:
            example = group.example
            text = example if isinstance(example, str) else json.dumps(example, default=str)
            values = f" ({group.reasons:,} different values)" if group.reasons > 1 else ""
            typer.echo(f"    {group.count:>5,} × {group.kind}{values}\n"
                       f"          e.g. {group.example_reason[:200]}: {text[:200]}")  # fmt: skip
        if rest := groups[REASON_GROUPS:]:
            typer.echo(f"    … and {len(rest):,} more kind(s) of reason "
                       f"({sum(g.count for g in rest):,} records)")  # fmt: skip
    for warning in result.warnings:
        typer.secho(f"  warning: {warning}", fg=typer.colors.YELLOW)


def connector_states(settings: Settings) -> dict[str, dict]:
    """name -> state summary: read from the DuckDB file (read-only: listing changes
    nothing), or, while another process holds it, from the running C3. Raises
    `StoreLocked` naming the holder when no C3 answers, `StoreCorrupt` for a file whose
    write-ahead log cannot be replayed."""
    from services.feeds import feed_summary, health_rows
    from store.lock import StoreLocked, lock_holder

    path = settings.database_file
    lake = settings.store.kind == "ducklake"  # shared: read it whoever else does
    holder = lock_holder(path) if path.exists() and not lake else None
    if lake or (path.exists() and holder is None):
        store = store_of(settings, read_only=True)
        try:
            with store.reading() as cur:
                intervals = {f.name: f.interval_s for f in settings.feeds}
                rows = health_rows(settings, intervals, datetime.now(UTC), cur)
        finally:
            store.close()
        return {r["name"]: feed_summary(r) for r in rows}
    states = states_of_the_running_c3(settings)
    if states is None and holder is not None:
        raise StoreLocked(path, *holder)
    return states or {}


def states_of_the_running_c3(settings: Settings) -> dict[str, dict] | None:
    """name -> state summary from the C3 running on this machine; None when none answers."""
    import requests

    try:  # the token of the data directory: this C3's operator, signed in or not
        token = report_token_file(settings).read_text().strip()
        answer = requests.get(running_c3_url(settings, "/api/feeds"), timeout=10,
                              headers={"X-C3-Token": token})  # fmt: skip
        answer.raise_for_status()
        return {c["name"]: c for c in answer.json()["connectors"]}
    except (OSError, requests.RequestException, ValueError, KeyError, TypeError):  # not C3
        return None
