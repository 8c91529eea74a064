"""`c3 users add|list|remove`: local accounts, for a city without an identity provider (and
the first admin). Written to the DuckDB file, or, while a running C3 holds it, by that C3
(asked with the token of the data directory)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli.wiring import report_token_file, running_c3_url, setup_logging, store_of
from config import load_settings
from store.lock import StoreLocked, lock_holder

users_cli = typer.Typer(help="Local accounts: add, list, remove.")


@users_cli.command("add")
def add(
    name: str = typer.Argument(..., help="Sign-in name."),
    role: str = typer.Option(..., help="wall, operator, department or admin."),
    department: Annotated[list[str] | None, typer.Option(
        help="Department role: waste, traffic, complaints (repeat for several).")] = None,
    zone: Annotated[list[str] | None, typer.Option(help="Department role: these zones.")] = None,
    personal_data: bool = typer.Option(False, "--personal-data", help="May see personal data."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read it from stdin."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Add a local account; asks for its password (at least 10 characters)."""
    setup_logging(verbose)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    body = {"name": name, "role": role, "departments": department or [], "zones": zone or [],
            "personal_data": personal_data, "password": password}  # fmt: skip
    answer = _by_store_or_running_c3("add", body)
    typer.echo(f"added {answer['added']} ({answer['role']}); sign in at /login")


@users_cli.command("list")
def list_users(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """The local accounts: name, role, departments, zones, personal data."""
    setup_logging(verbose)
    for user in _by_store_or_running_c3("list", {})["users"]:
        scope = ",".join(user["departments"]) + (f" zones {','.join(user['zones'])}"
                                                  if user["zones"] else "")  # fmt: skip
        flags = " personal-data" if user["personal_data"] else ""
        typer.echo(f"{user['name']:<20}{user['role']:<12}{scope:<24}{flags}")


@users_cli.command("remove")
def remove(name: str, verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Remove a local account; its sessions end at their next request."""
    setup_logging(verbose)
    _by_store_or_running_c3("remove", {"name": name})
    typer.echo(f"removed {name}")


def _by_store_or_running_c3(action: str, body: dict) -> dict:
    settings = load_settings()
    holder = lock_holder(settings.database_file)
    if holder is None:
        return _in_the_store(settings, action, body)
    import requests

    token = report_token_file(settings).read_text().strip()
    base = running_c3_url(settings, "/api/admin/users")
    method, url = {"add": ("post", base), "list": ("get", base),
                   "remove": ("delete", f"{base}/{body.get('name')}")}[action]  # fmt: skip
    try:
        answer = requests.request(method, url, json=body, headers={"X-C3-Token": token},
                                  timeout=60)  # fmt: skip
    except requests.RequestException:
        raise StoreLocked(settings.database_file, *holder) from None
    if not answer.ok:
        raise typer.BadParameter(answer.json().get("error", answer.reason))
    return answer.json()


def _in_the_store(settings, action: str, body: dict) -> dict:
    from services import accounts
    from store import access as rows
    from store.notices import VersionBoard

    store = store_of(settings)
    try:
        if action == "add":
            try:
                account = accounts.new_account(body["name"], body["role"], body["password"],
                                               body["departments"], body["zones"],
                                               body["personal_data"])  # fmt: skip
                accounts.add_account(store, account)
            except accounts.AccountError as exc:
                raise typer.BadParameter(str(exc)) from None
            return {"added": account["name"], "role": account["role"]}
        if action == "list":
            with store.reading() as cur:
                return {"users": rows.users(cur)}
        with store.transaction() as cur:
            if not rows.remove_user(cur, body["name"]):
                raise typer.BadParameter(f"no account {body['name']!r}")
        # web workers on a lake: their sessions of that account end now, not in a minute
        VersionBoard(store, settings.redis_url, f"c3:{store.store_id}", listen=False).publish()
        return {"removed": body["name"]}
    finally:
        store.close()
