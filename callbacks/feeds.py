"""Callbacks of `/feeds`: the health table of every configured connector, refreshed on a
timer, and the drill into one connector's quarantined records (shown as text)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.feeds_table import health_row, misconfigured_row
from services.access import current_principal
from services.accounts import audit
from services.context import current_services
from services.feeds import health_rows, quarantine_rows, visible_to


@callback(Output(ids.FEEDS_TABLE, "children"), Input(ids.FEEDS_REFRESH, "n_intervals"))
def show_health(_tick):
    svc = current_services()
    now = datetime.now(UTC)
    zone = ZoneInfo(svc.settings.timezone)
    if not svc.feed_intervals and not svc.misconfigured:
        return html.P("No connectors are configured: add [[connectors]] to c3.toml "
                      "(see the README).", className="c3-empty")  # fmt: skip
    with svc.store.reading() as cur:
        rows = health_rows(svc.settings, svc.feed_intervals, now, cur)
        rows = visible_to(rows, current_principal())
    who = current_principal()  # a department sees its own feeds, not the config's problems
    shown_aside = svc.misconfigured if who is not None and who.role != "department" else []
    aside = [misconfigured_row(problem) for problem in shown_aside]
    head = ("Connector", "State", "Last success", "Last error", "Runs, last 24 h", "Quarantine")
    return html.Table(
        [
            html.Caption(f"{len(rows) + len(aside)} connectors"
                         + (f", {len(aside)} misconfigured (not polled)" if aside else "")
                         + f"; times in {svc.settings.timezone}"),  # fmt: skip
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(aside + [health_row(r, now, zone) for r in rows]),
        ],
        className="c3-table c3-feeds-table",
    )


@callback(
    Output(ids.FEEDS_DRILL_CONNECTOR, "data"),
    Input({"type": "feeds-quarantine", "connector": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def pick_connector(clicks):
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate  # the table was redrawn, nothing was clicked
    return ctx.triggered_id["connector"]


@callback(
    Output(ids.FEEDS_QUARANTINE_GRID, "rowData"),
    Output(ids.FEEDS_DRILL_TITLE, "children"),
    Input(ids.FEEDS_DRILL_CONNECTOR, "data"),
    Input(ids.FEEDS_REFRESH, "n_intervals"),
    State(ids.FEEDS_DRILL_TITLE, "children"),
)
def show_quarantine(connector, _tick, title):
    if not connector:
        return no_update, no_update
    svc = current_services()
    zone = ZoneInfo(svc.settings.timezone)
    who = current_principal()
    with svc.store.reading() as cur:  # records as received only with personal data granted
        rows = quarantine_rows(cur, connector, who, zone)
    if who is not None and who.personal_data and not who.zones and rows:
        audit(svc.store, "personal-data", f"quarantine of {connector}", len(rows))
    new_title = f"Quarantine of {connector}: {len(rows):,} records, newest first"
    return rows, new_title if new_title != title else no_update
