"""Callbacks of `/admin`: create a wall display and show its one-time pairing link, list,
rename and revoke displays (a revoke asks first), and list the accounts and the audit
trail. Every change to a display bumps one counter, which redraws the lists."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import (
    ALL,
    MATCH,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate
from flask import request

from components import ids
from components.admin_panels import accounts_table, displays_table, pairing_panel
from services import admin
from services.access import current_principal
from services.context import accounts_changed, current_services

RENAME = ids.admin_display_rename(ALL)
NEW_NAME = ids.admin_display_rename_input(ALL)
REVOKE = ids.admin_display_revoke(ALL)


def _done(text: str) -> html.Span:
    return html.Span(text, className="c3-admin-done")


def _refused(text: str) -> html.Span:
    return html.Span(text, className="c3-admin-error")


@callback(
    Output(ids.ADMIN_PAIRING, "children"),
    Output(ids.ADMIN_DISPLAY_STATUS, "children"),
    Output(ids.ADMIN_DISPLAY_NAME, "value"),
    Output(ids.ADMIN_DISPLAYS_CHANGED, "data"),
    Input(ids.ADMIN_DISPLAY_CREATE, "n_clicks"),
    Input(ids.ADMIN_DISPLAY_NAME, "n_submit"),
    State(ids.ADMIN_DISPLAY_NAME, "value"),
    State(ids.ADMIN_DISPLAYS_CHANGED, "data"),
    prevent_initial_call=True,
)
def create_display(_clicks, _submitted, name, changed):
    svc = current_services()
    who = current_principal()
    try:
        pairing = admin.create_display(
            svc.store, name, who.name if who else "?", _site_url(svc), datetime.now(UTC)
        )
    except admin.DisplayError as exc:
        return no_update, _refused(str(exc)), no_update, no_update
    status = _done(f"“{pairing.name}” is created: pair it with the link below.")
    return pairing_panel(pairing, svc.settings.timezone), status, "", (changed or 0) + 1


@callback(
    Output(ids.ADMIN_REVOKE_CONFIRM, "displayed"),
    Output(ids.ADMIN_REVOKE_CONFIRM, "message"),
    Output(ids.ADMIN_REVOKE_PENDING, "data"),
    Input(REVOKE, "n_clicks"),
    prevent_initial_call=True,
)
def ask_to_revoke(_clicks):
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # the table was drawn again, nothing was clicked
    device_id = ctx.triggered_id["device"]
    found = admin.display(current_services().store, device_id)
    if found is None:
        raise PreventUpdate
    message = (
        f"Revoke “{found['name']}”?\n\nIts wall is signed out at once and shows that "
        "it was unpaired; pairing it again takes a new link."
    )
    return True, message, {"device_id": device_id, "name": found["name"]}


@callback(
    Output(ids.ADMIN_DISPLAY_STATUS, "children", allow_duplicate=True),
    Output(ids.ADMIN_DISPLAYS_CHANGED, "data", allow_duplicate=True),
    Input(RENAME, "n_clicks"),
    Input(NEW_NAME, "n_submit"),
    Input(ids.ADMIN_REVOKE_CONFIRM, "submit_n_clicks"),
    State(NEW_NAME, "value"),
    State(ids.ADMIN_REVOKE_PENDING, "data"),
    State(ids.ADMIN_DISPLAYS_CHANGED, "data"),
    prevent_initial_call=True,
)
def change_display(_renames, _submits, _confirmed, names, pending, changed):
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # the table was drawn again, nothing was clicked
    store = current_services().store
    try:
        if ctx.triggered_id == ids.ADMIN_REVOKE_CONFIRM:
            if not pending:
                raise PreventUpdate
            name = admin.revoke_display(store, pending["device_id"], datetime.now(UTC))
            accounts_changed(current_services())
            text = f"“{name}” is revoked: its wall is signed out."
        else:
            device_id = ctx.triggered_id["device"]
            new = next(s["value"] for s in ctx.states_list[0] if s["id"]["device"] == device_id)
            before, after = admin.rename_display(store, device_id, new), admin.display_name(new)
            text = f"“{before}” is now “{after}”." if before != after else f"“{after}”: no change."
    except admin.DisplayError as exc:
        return _refused(str(exc)), (changed or 0) + 1
    return _done(text), (changed or 0) + 1


@callback(Output(ids.ADMIN_DISPLAYS, "children"), Input(ids.ADMIN_DISPLAYS_CHANGED, "data"))
def show_displays(_changed):
    svc = current_services()
    now = datetime.now(UTC)
    return displays_table(admin.displays(svc.store, now), svc.settings.timezone, now)


@callback(
    Output(ids.ADMIN_ACCOUNTS, "children"),
    Output(ids.ADMIN_AUDIT_GRID, "rowData"),
    Output(ids.ADMIN_AUDIT_COUNT, "children"),
    Input(ids.ADMIN_REFRESH, "n_intervals"),
    Input(ids.ADMIN_DISPLAYS_CHANGED, "data"),
)
def show_accounts_and_audit(_tick, _changed):
    svc = current_services()
    accounts = accounts_table(
        admin.local_accounts(svc.store), svc.settings.access.personal_data_roles
    )
    entries = admin.audit_trail(svc.store, svc.settings.timezone)
    shown = [dict(e, id=str(e["seq"])) for e in entries]
    count = (
        f"the newest {len(shown):,} entries"
        if len(shown) >= admin.AUDIT_SHOWN
        else f"{len(shown):,} entr{'y' if len(shown) == 1 else 'ies'}"
    )
    return accounts, shown, count


clientside_callback(
    """function (clicks, link) {
        if (!clicks) return window.dash_clientside.no_update;
        if (navigator.clipboard && window.isSecureContext) {
            return navigator.clipboard.writeText(link).then(() => "Copied.",
                () => "Select the link and copy it (Ctrl+C).");
        }
        return "Select the link and copy it (Ctrl+C).";
    }""",
    Output(ids.admin_pairing_part("copied", MATCH), "children"),
    Input(ids.admin_pairing_part("copy", MATCH), "n_clicks"),
    State(ids.admin_pairing_part("link", MATCH), "children"),
    prevent_initial_call=True,
)


def _site_url(svc) -> str:
    """The address the display will open: `public_url` when configured (never the Host a
    request claims: a forged one would send the token elsewhere), else this request's."""
    return str(svc.settings.public_url or request.host_url)
