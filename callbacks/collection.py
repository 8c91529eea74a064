"""Callbacks of `/collection`: a new plan -> matrix, best windows and status; a picked
zone and window -> its routes on the map, their totals, and a second window beside it.
Plans are computed by the scheduler (services.collection); nothing here ranks windows, and
what is drawn is built in components.collection_matrix and components.collection_routes."""

from __future__ import annotations

import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.collection_matrix import best_list, clicked_window, matrix_figure, plan_status
from components.collection_routes import (
    compare_options,
    comparison_table,
    route_figures,
    route_summary,
    routes_geojson,
    slowest_start,
    zone_viewport,
)
from components.ids import MapShellIds
from services.access import current_principal, require_zone
from services.collection import named_plan_windows, zone_plan_windows
from services.context import current_services
from services.layers import layer_url
from store import collection
from store.explore import zone_summary
from store.ledger import data_versions


def plan_windows_seen(store, plan_id: int) -> pd.DataFrame:
    """A plan's windows in the zones the request's principal sees (a department may be
    scoped to some zones)."""
    frame = named_plan_windows(store, plan_id)
    who = current_principal()
    if who is None or not who.zones:
        return frame
    return frame[frame["zone_id"].isin(who.zones)]


@callback(
    Output(ids.COLLECTION_PLAN, "data"),
    Output(ids.COLLECTION_STATUS, "children"),
    Output(ids.COLLECTION_MATRIX, "figure"),
    Output(ids.COLLECTION_MATRIX, "style"),
    Output(ids.COLLECTION_BEST, "children"),
    Output(MapShellIds.layer(ids.COLLECTION_MAP, "zones"), "url"),
    Input(ids.COLLECTION_POLL, "n_intervals"),
    State(ids.COLLECTION_PLAN, "data"),
)
def show_plan(_n, shown):
    """Draw the newest plan when there is one the screen has not drawn."""
    svc = current_services()
    with svc.store.reading() as cur:
        plan = collection.latest_plan(cur)
        if plan is None:
            waiting = (
                "Computing the first collection plan: the scheduler ranks every zone's windows "
                "once traffic and waste data are in (a few seconds in the demo city)."
                if svc.collection is not None
                else "No collection plan yet, and no planner runs in this process."
            )
            return None, html.Span(waiting, className="c3-empty"), {}, {"display": "none"}, [], ""
        if shown == int(plan["plan_id"]):
            raise PreventUpdate
        zones_url = layer_url("zones", data_versions(cur).get("city", 0))
    tz = svc.settings.timezone
    frame = plan_windows_seen(svc.store, int(plan["plan_id"]))
    if frame.empty:
        status = [*plan_status(plan, frame, tz),
                  html.Div("No container is due within the horizon: nothing to collect.",
                           className="c3-empty")]  # fmt: skip
        return int(plan["plan_id"]), status, {}, {"display": "none"}, [], zones_url
    return (
        int(plan["plan_id"]),
        plan_status(plan, frame, tz),
        matrix_figure(frame, tz),
        {},
        best_list(frame, tz),
        zones_url,
    )


@callback(
    Output(ids.COLLECTION_PICK, "data"),
    Input(ids.COLLECTION_MATRIX, "clickData"),
    Input(ids.collection_best_button(ALL, ALL), "n_clicks"),
    State(ids.COLLECTION_PLAN, "data"),
    prevent_initial_call=True,
)
def pick_window(click, _buttons, plan_id):
    """A matrix cell (zone name, local start: what Dash passes of a heat map's point) or
    a zone's "Routes" button picks a zone and a start."""
    if ctx.triggered_id == ids.COLLECTION_MATRIX:
        if not click or plan_id is None:
            raise PreventUpdate
        svc = current_services()
        found = clicked_window(
            plan_windows_seen(svc.store, plan_id), click["points"][0], svc.settings.timezone
        )
        if found is None:
            raise PreventUpdate
        zone_id, start = found
        return {"plan": plan_id, "zone": zone_id, "start": start.isoformat()}
    if isinstance(ctx.triggered_id, dict) and ctx.triggered[0]["value"]:
        require_zone(ctx.triggered_id["zone"])
        return {"plan": plan_id, "zone": ctx.triggered_id["zone"],
                "start": ctx.triggered_id["start"]}  # fmt: skip
    raise PreventUpdate


@callback(
    Output(ids.COLLECTION_ROUTES, "data"),
    Output(ids.COLLECTION_STOPS, "data"),
    Output(ids.COLLECTION_SKIPPED, "data"),
    Output(ids.COLLECTION_SUMMARY, "children"),
    Output(ids.COLLECTION_COMPARE, "options"),
    Output(ids.COLLECTION_COMPARE, "value"),
    Output(MapShellIds.map(ids.COLLECTION_MAP), "viewport"),
    Output(MapShellIds.layer(ids.COLLECTION_MAP, "zones"), "hideout"),
    Input(ids.COLLECTION_PICK, "data"),
    State(MapShellIds.layer(ids.COLLECTION_MAP, "zones"), "hideout"),
    prevent_initial_call=True,
)
def show_routes(pick, zones_hideout):
    """The picked window's routes on the map, their totals, and the zone's other windows
    to compare with (the slowest allowed one first)."""
    if not pick or pick.get("plan") is None:
        raise PreventUpdate
    plan_id = pick["plan"]
    require_zone(pick.get("zone"))  # a department scoped to zones: its own zones' routes
    svc = current_services()
    tz = svc.settings.timezone
    start = pd.Timestamp(pick["start"])
    routes = (
        svc.collection.routes(plan_id, pick["zone"], start.to_pydatetime())
        if svc.collection
        else None
    )
    if routes is None:
        note = html.P("This window's routes are not at hand: the plan has just been replaced "
                      "or is being recomputed. Pick the window again in a moment.",
                      className="c3-empty")  # fmt: skip
        return None, None, None, note, [], None, no_update, no_update
    windows = zone_plan_windows(svc.store, plan_id, pick["zone"])
    window = windows.loc[start]  # routes() answered, so the plan has this window
    with svc.store.reading() as cur:
        zone = zone_summary(cur, pick["zone"])
    lines, stops, skipped = routes_geojson(routes)
    others = windows.drop(index=start)
    return (
        lines, stops, skipped,
        route_summary(zone["name"], pick["start"], window, routes, tz),
        compare_options(others, tz), slowest_start(others), zone_viewport(zone["bounds"]),
        {**(zones_hideout or {}), "selected": pick["zone"]},  # outline the picked zone
    )  # fmt: skip


@callback(
    Output(ids.COLLECTION_COMPARISON, "children"),
    Input(ids.COLLECTION_COMPARE, "value"),
    State(ids.COLLECTION_PICK, "data"),
    prevent_initial_call=True,
)
def compare(other: str | None, pick):
    """The picked window and another of the same zone, side by side."""
    if not other or not pick:
        return []
    plan_id = pick["plan"]
    require_zone(pick.get("zone"))
    svc = current_services()
    tz = svc.settings.timezone
    windows = zone_plan_windows(svc.store, plan_id, pick["zone"])
    picked = []
    for start in (pick["start"], other):
        when = pd.Timestamp(start)
        routes = svc.collection.routes(plan_id, pick["zone"], when.to_pydatetime())
        if routes is None or when not in windows.index:
            return html.P("This plan has been replaced: pick again.", className="c3-empty")
        picked.append((when, windows.loc[when], route_figures(routes)))
    return comparison_table(picked, tz)
