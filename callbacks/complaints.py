"""Callbacks of `/complaints`: the queue (filtered, on a timer and after each action), the
selected request (by list, map or keyboard), its panel, and the operator's moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dash import ALL, Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from analytics.work_orders import MoveRefused
from components import ids
from components.triage import detail_panel, focus_pins, kpi_strip, queue_items, queue_pins
from services import triage
from services.access import current_principal, scope_token
from services.context import current_services
from services.layers import versions_now
from services.service_kpis import KPI_DAYS, kpi_report
from services.work_orders import NotAllowed
from store.work_orders import ORDERS, QUEUE_LIMIT

FILTERS = ("service_code", "zone_id", "department", "min_age_h")


@callback(
    Output(ids.complaints_filter("service_code"), "options"),
    Output(ids.complaints_filter("zone_id"), "options"),
    Output(ids.complaints_filter("department"), "options"),
    Input(ids.COMPLAINTS_REFRESH, "id"),
)
def fill_filters(_):
    found = triage.choices(current_services())
    who = current_principal()
    zones = [z for z in found["zone_id"] if who is None or who.sees_zone(z[0])]
    return ([{"label": name, "value": code} for code, name in found["service_code"]],
            [{"label": name, "value": zone} for zone, name in zones],
            found["department"])  # fmt: skip


@callback(
    Output(ids.COMPLAINTS_QUEUE, "children"),
    Output(ids.COMPLAINTS_MARKERS, "children"),
    Output(ids.COMPLAINTS_COUNT, "children"),
    [Input(ids.complaints_filter(name), "value") for name in FILTERS],
    Input(ids.COMPLAINTS_REFRESH, "n_intervals"),
    Input(ids.COMPLAINTS_CHANGED, "data"),
    Input(ids.COMPLAINTS_SELECTED, "data"),
)
def show_queue(codes, zones, departments, min_age, _tick, _changed, selected):
    svc = current_services()
    filters = {"service_code": codes, "zone_id": zones, "department": departments,
               "min_age_h": min_age}  # fmt: skip
    found = triage.queue(svc, current_principal(), filters, datetime.now(UTC))
    if found.empty:
        return [], [], "New requests: none waiting"
    overdue = int(found["overdue"].sum())
    more = len(found) >= QUEUE_LIMIT  # the oldest listed: a filter narrows to the rest
    count = (f"New requests: {len(found)}{'+ (the oldest listed)' if more else ''}"
             + (f", {overdue} overdue" if overdue else ""))  # fmt: skip
    tz = svc.settings.timezone
    return queue_items(found, selected, tz), queue_pins(found), count


@callback(
    Output(ids.COMPLAINTS_SELECTED, "data"),
    Input({"type": ids.COMPLAINTS_ROW, "key": ALL}, "n_clicks"),
    Input({"type": ids.COMPLAINTS_PIN, "key": ALL}, "n_clicks"),
    Input(ids.COMPLAINTS_NEXT, "n_clicks"),
    Input(ids.COMPLAINTS_PREV, "n_clicks"),
    State({"type": ids.COMPLAINTS_ROW, "key": ALL}, "id"),
    State(ids.COMPLAINTS_SELECTED, "data"),
    prevent_initial_call=True,
)
def select(row_clicks, pin_clicks, _next, _prev, rows, selected):
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):
        if not any((row_clicks or []) + (pin_clicks or [])) or not ctx.triggered[0]["value"]:
            raise PreventUpdate  # the list was redrawn, nothing was clicked
        return trigger["key"]
    keys = [r["key"] for r in rows]
    if not keys:
        raise PreventUpdate
    step = 1 if trigger == ids.COMPLAINTS_NEXT else -1
    at = keys.index(selected) if selected in keys else (-1 if step == 1 else 0)
    return keys[(at + step) % len(keys)]


@callback(
    Output(ids.COMPLAINTS_DETAIL, "children"),
    Output(ids.COMPLAINTS_FOCUS, "children"),
    Output(ids.COMPLAINTS_OPEN, "disabled"),
    Input(ids.COMPLAINTS_SELECTED, "data"),
    Input(ids.COMPLAINTS_CHANGED, "data"),
)
def show_request(key, _changed):
    svc = current_services()
    who = current_principal()
    view = triage.request_view(svc, who, key, datetime.now(UTC)) if key else None
    return (detail_panel(view, svc.settings.timezone, bool(who and who.personal_data)),
            focus_pins(view), view is None)  # fmt: skip


@callback(
    Output(ids.COMPLAINTS_STATUS, "children"),
    Output(ids.COMPLAINTS_CHANGED, "data"),
    Output(ids.COMPLAINTS_SELECTED, "data", allow_duplicate=True),
    Input({"type": ids.COMPLAINTS_LINK, "key": ALL, "for": ALL}, "n_clicks"),
    Input({"type": ids.COMPLAINTS_ASSIGN, "crew": ALL, "for": ALL}, "n_clicks"),
    Input(ids.COMPLAINTS_OPEN, "n_clicks"),
    Input({"type": ids.COMPLAINTS_CANCEL, "for": ALL}, "n_clicks"),
    State({"type": ids.COMPLAINTS_CANCEL_WHY, "for": ALL}, "value"),
    State(ids.COMPLAINTS_SELECTED, "data"),
    State(ids.COMPLAINTS_CHANGED, "data"),
    prevent_initial_call=True,
)
def act(_links, _assigns, _open, _cancels, why, key, changed):
    if not key or not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # a panel was drawn, nothing was pressed
    svc, who, trigger = current_services(), current_principal(), ctx.triggered_id
    if isinstance(trigger, dict):  # the request the panel showed, not the one selected since
        key = trigger["for"]
    try:
        if trigger == ids.COMPLAINTS_OPEN:
            order_id = triage.open_for(svc, who, key)
            said = f"Request {key} is in work order {order_id}."
        elif trigger["type"] == ids.COMPLAINTS_CANCEL:
            order_id = triage.cancel(svc, who, key, (why or [""])[0] or "")
            said = f"Work order {order_id} cancelled; its requests are back in the queue."
        elif trigger["type"] == ids.COMPLAINTS_LINK:
            order_id = triage.link_duplicate(svc, who, key, trigger["key"])
            said = f"Linked {key} to {trigger['key']}: one work order ({order_id}) covers both."
        else:
            order_id = triage.assign(svc, who, key, trigger["crew"])
            said = f"Work order {order_id} ({key}) assigned to {trigger['crew']}."
    except (MoveRefused, NotAllowed) as exc:
        return f"Not done: {exc}", no_update, no_update
    # linked or assigned, the request leaves the queue; opened or cancelled, it stays
    stays = trigger == ids.COMPLAINTS_OPEN or trigger["type"] == ids.COMPLAINTS_CANCEL
    return said, (changed or 0) + 1, no_update if stays else None


@callback(
    Output(ids.COMPLAINTS_KPIS, "children"),
    Input(ids.COMPLAINTS_REFRESH, "n_intervals"),
    Input(ids.COMPLAINTS_CHANGED, "data"),
    Input(ids.COMPLAINTS_KPI_DAYS, "value"),
)
def show_kpis(_tick, _changed, days):
    """The KPIs at the complaints' and orders' data versions, this minute: computed once
    per web worker for everyone of the same scope (services.answers). They take seconds
    over weeks of requests; asked again at each tick, a busy server's answer would be
    overtaken by the next tick's and never shown, while the shared one is ready for it."""
    svc, who, now = current_services(), current_principal(), datetime.now(UTC)
    window = timedelta(days=days if days in KPI_DAYS else KPI_DAYS[-1])
    versions = versions_now(svc)
    key = ("complaints-kpis", scope_token(), window, versions.get("complaints", 0),
           versions.get(ORDERS, 0), int(now.timestamp() // 60))  # fmt: skip
    return svc.answers.get(key, lambda: kpi_strip(kpi_report(svc, who, now, window=window)))
