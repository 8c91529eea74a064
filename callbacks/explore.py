"""Callbacks of `/explore`: filters and layers -> map (hideout) and URL; time range ->
slider; clicks -> detail panel, zone filter and the table's subset."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    no_update,
)
from dash.exceptions import PreventUpdate

from components import explore_panels, ids
from components.ids import MapShellIds
from services import explore
from services.access import current_principal, personal_data_allowed, require_domain, require_zone
from services.accounts import audit
from services.context import current_services
from services.explore_view import (
    epoch_or_none,
    layer_sources,
    sees_filter,
    slider_span,
    time_view,
)
from store.explore_filters import FILTERS


@callback(
    [Output(ids.explore_filter(name), "options") for name in FILTERS],
    [Output(ids.explore_filter(name), "value") for name in FILTERS],
    Input(ids.EXPLORE_INITIAL, "data"),
)
def filter_options(initial):
    """Offer the values the data has (zones by name), then select what the URL asked for."""
    choices = explore.filter_choices(current_services().store)
    who = current_principal()  # a department scoped to zones: its zones
    zones = [(z, name) for z, name in choices["zone"] if who is None or who.sees_zone(z)]
    options = [[{"label": name, "value": zone_id} for zone_id, name in zones]] + [
        [{"label": v.replace("_", " "), "value": v} for v in choices[name]]
        if sees_filter(name) else []  # another department's values are theirs
        for name in FILTERS[1:]
    ]  # fmt: skip
    values = [
        [v for v in (initial or {}).get(name, []) if v in {o["value"] for o in opts}]
        for name, opts in zip(FILTERS, options, strict=True)
    ]
    return [*options, *values]


clientside_callback(
    ClientsideFunction("c3_explore", "view"),
    [
        Output(MapShellIds.overlay(ids.EXPLORE_MAP, layer), "checked")
        for layer in ids.EXPLORE_OVERLAYS
    ],
    [
        Output(MapShellIds.layer(ids.EXPLORE_MAP, layer), "hideout")
        for layer in ids.EXPLORE_LAYERS_ALL
    ],
    [Output(MapShellIds.layer(ids.EXPLORE_MAP, layer), "url") for layer in ids.EXPLORE_OVERLAYS],
    Output(ids.EXPLORE_MOMENT, "children"),
    Input(ids.EXPLORE_LAYERS, "value"),
    [Input(ids.explore_opacity(layer), "value") for layer in ids.EXPLORE_LAYERS_ALL],
    [Input(ids.explore_filter(name), "value") for name in FILTERS],
    Input(ids.EXPLORE_SLIDER, "value"),
    Input(ids.EXPLORE_SLIDER, "max"),
    Input(ids.EXPLORE_RANGE, "value"),
    Input(ids.EXPLORE_DATES, "start_date"),
    Input(ids.EXPLORE_DATES, "end_date"),
    Input(ids.EXPLORE_SOURCES, "data"),
    [
        State(MapShellIds.layer(ids.EXPLORE_MAP, layer), "hideout")
        for layer in ids.EXPLORE_LAYERS_ALL
    ],
    [State(MapShellIds.layer(ids.EXPLORE_MAP, layer), "url") for layer in ids.EXPLORE_OVERLAYS],
    State(ids.EXPLORE_NAMES, "data"),  # the names above, as assets/explore.js reads them
    prevent_initial_call=True,  # runs once the filters hold their choices and the URL's values
)

clientside_callback(
    ClientsideFunction("c3_explore", "play"),
    Output(ids.EXPLORE_SLIDER, "value", allow_duplicate=True),
    Output(ids.EXPLORE_PLAY_TICK, "disabled"),
    Output(ids.EXPLORE_PLAY, "children"),
    Input(ids.EXPLORE_PLAY, "n_clicks"),
    Input(ids.EXPLORE_PLAY_TICK, "n_intervals"),
    State(ids.EXPLORE_SLIDER, "value"),
    State(ids.EXPLORE_SLIDER, "min"),
    State(ids.EXPLORE_SLIDER, "max"),
    State(ids.EXPLORE_SLIDER, "step"),
    State(ids.EXPLORE_PLAY_TICK, "disabled"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.EXPLORE_SLIDER, "min"),
    Output(ids.EXPLORE_SLIDER, "max"),
    Output(ids.EXPLORE_SLIDER, "step"),
    Output(ids.EXPLORE_SLIDER, "marks"),
    Output(ids.EXPLORE_SLIDER, "value"),
    Output(ids.EXPLORE_DATES, "disabled"),
    Input(ids.EXPLORE_RANGE, "value"),
    Input(ids.EXPLORE_DATES, "start_date"),
    Input(ids.EXPLORE_DATES, "end_date"),
    Input(ids.EXPLORE_TICK, "data"),
    State(ids.EXPLORE_SLIDER, "value"),
    State(ids.EXPLORE_SLIDER, "max"),
    State(ids.EXPLORE_INITIAL, "data"),
)
def time_slider(range_key, start, end, _tick, value, old_max, initial):
    """The slider spans the range; it keeps its moment unless that was 'now' (live)."""
    unset = old_max in (None, ids.EXPLORE_SLIDER_UNSET_MAX)
    if ctx.triggered_id is None or unset:
        # the URL's moment, if any (also when the page's first poll overtook this first call)
        at_s = epoch_or_none((initial or {}).get("at"))
    elif ctx.triggered_id == ids.EXPLORE_TICK and value is not None and value < old_max:
        at_s = value  # looking at the past: stay there
    else:
        at_s = None  # live follows now; a new range starts at its end
    tz = current_services().settings.timezone
    span = slider_span(time_view(range_key, start, end, at_s, tz), tz)
    polled = ctx.triggered_id == ids.EXPLORE_TICK and not unset
    keep = polled and at_s is not None and span["min"] <= at_s
    # a poll never moves a moment the user chose (it may have moved since the poll began)
    moment = no_update if keep else span["value"]
    return span["min"], span["max"], span["step"], span["marks"], moment, range_key != "custom"


clientside_callback(
    ClientsideFunction("c3_explore", "tick"),
    Output(ids.EXPLORE_TICK, "data"),
    Input(ids.EXPLORE_POLL, "n_intervals"),
    State(ids.EXPLORE_TICK, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.EXPLORE_SOURCES, "data"),
    Input(ids.EXPLORE_TICK, "data"),
    State(ids.EXPLORE_SOURCES, "data"),
)
def refresh_sources(_tick, previous):
    """Where each layer loads from at its data's current version; the browser adds the
    view's moment and filters (assets/explore.js). Nothing changes, nothing reloads."""
    svc = current_services()
    found = layer_sources(svc, datetime.now(UTC).timestamp(), svc.large_city)
    if found == previous:
        raise PreventUpdate
    return found


@callback(
    Output(ids.explore_filter("zone"), "value", allow_duplicate=True),
    Input(ids.explore_zone_filter(ALL), "n_clicks"),
    State(ids.explore_filter("zone"), "value"),
    prevent_initial_call=True,
)
def filter_to_zone(_clicks, current):
    """A zone picked on the map joins the zone filter."""
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    zone_id = ctx.triggered_id["zone"]
    return [*(v for v in current or [] if v != zone_id), zone_id]


@callback(
    Output(ids.EXPLORE_SUBSET, "data"),
    Output(ids.EXPLORE_TABLE_LAYER, "value"),
    Input(ids.explore_figure(ALL, ALL, ALL), "n_clicks"),
    Input(ids.EXPLORE_SUBSET_CLEAR, "n_clicks"),
    prevent_initial_call=True,
)
def list_figure(_figures, _clear):
    """A clicked figure puts exactly the features it counts in the table."""
    trigger = ctx.triggered_id
    if trigger == ids.EXPLORE_SUBSET_CLEAR:
        return None, no_update
    if not trigger or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    svc, now = current_services(), datetime.now(UTC)
    layer = trigger["layer"]
    require_domain(layer)  # a department lists its own department's features only
    require_zone(trigger["zone"])  # and its own zones' (if scoped)
    return explore.figure_subset(svc, trigger["zone"], layer, trigger["metric"], now), layer


@callback(
    Output(ids.EXPLORE_PANEL, "children"),
    Output(MapShellIds.map(ids.EXPLORE_MAP), "viewport"),
    [
        Input(MapShellIds.layer(ids.EXPLORE_MAP, layer), "clickData")
        for layer in ids.EXPLORE_PANEL_LAYERS
    ],
    prevent_initial_call=True,
)
def feature_panel(*clicks):
    """The clicked feature's details and history; a clicked zone's figures, zoomed to it."""
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    layer = ctx.triggered_id["layer"]
    if layer not in ids.EXPLORE_PANEL_LAYERS:  # a forged input: no such panel
        raise PreventUpdate
    click = ctx.triggered[0]["value"]
    if not isinstance(click, dict) or not click.get("id"):
        raise PreventUpdate  # a click on a cluster (dash-leaflet's own clickData): it zooms in
    svc, now = current_services(), datetime.now(UTC)
    tz = svc.settings.timezone
    require_domain(layer)  # another department's feature: refused (zones are everyone's)
    who = current_principal()
    with svc.store.reading() as cur:
        # a department scoped to zones: a feature (or zone) outside them is refused
        require_zone(explore.zone_of(cur, layer, click["id"], click.get("source")))
        if layer == "zones":
            view = explore_panels.zone_viewport(explore.zone_bounds(cur, click["id"]))
            panel = explore_panels.zone_panel(cur, click["id"], now, svc.settings,
                                              who.domains if who else ())  # fmt: skip
            return panel, no_update if view is None else view
        if layer == "waste":
            return explore_panels.container_panel(cur, click["id"], now, tz), no_update
        if layer == "traffic":
            return explore_panels.segment_panel(cur, click["id"], now, tz), no_update
        personal = personal_data_allowed()
        if personal:
            which = f"{click.get('source')}:{click['id']}"
            audit(svc.store, "personal-data", "complaint", 1, which)
        return explore_panels.complaint_panel(
            cur, click.get("source") or "", click["id"], tz, personal
        ), no_update
