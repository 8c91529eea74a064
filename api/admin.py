"""Account administration over HTTP for the `c3 users` command while a running C3 holds
the DuckDB file (it proves it may, with the token of this C3's data directory, checked
by the guard), and for the admin screen's downloads: the audit log as CSV."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, request

from services import accounts
from services.context import accounts_changed, current_services
from store import access as rows

admin = Blueprint("c3_admin", __name__, url_prefix="/api/admin")


@admin.post("/users")
def add_user() -> tuple[dict, int]:
    body = request.get_json(silent=True) or {}
    try:
        account = accounts.new_account(
            body.get("name", ""), body.get("role", ""), body.get("password", ""),
            body.get("departments", []), body.get("zones", []), bool(body.get("personal_data")),
        )  # fmt: skip
        accounts.add_account(current_services().store, account)
    except accounts.AccountError as exc:
        return {"error": str(exc)}, 400
    accounts.audit(current_services().store, "account", f"{account['name']} added",
                   detail=f"role {account['role']}")  # fmt: skip
    return {"added": account["name"], "role": account["role"]}, 201


@admin.get("/users")
def list_users() -> dict:
    with current_services().store.reading() as cur:
        found = rows.users(cur)
    for user in found:
        user["created_at"] = user["created_at"].isoformat()
    return {"users": found}


@admin.delete("/users/<name>")
def remove_user(name: str) -> tuple[dict, int]:
    with current_services().store.transaction() as cur:
        removed = rows.remove_user(cur, name)
    if removed:
        accounts_changed(current_services())
        accounts.audit(current_services().store, "account", f"{name} removed")
    return ({"removed": name}, 200) if removed else ({"error": f"no account {name!r}"}, 404)


@admin.get("/audit.csv")
def audit_csv() -> Response:
    """The audit log, newest first, as CSV (admins; downloading it is itself audited)."""
    svc = current_services()
    with svc.store.reading() as cur:
        entries = rows.audit_entries(cur, limit=100_000)
    accounts.audit(svc.store, "export", "audit log", len(entries))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["seq", "logged_at", "who", "role", "action", "what",
                                             "rows", "detail"])  # fmt: skip
    writer.writeheader()
    writer.writerows(entries)
    download = {"Content-Disposition": "attachment; filename=c3-audit.csv"}
    return Response(out.getvalue(), mimetype="text/csv", headers=download)
