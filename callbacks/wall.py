"""Callbacks of `/wall`: poll data versions, refresh only the domains that changed.

A cheap poll compares each domain's data version (plus a time bucket for figures that
age) with what the wall last showed; only a changed domain's tile, layer URL and alerts
are recomputed and sent. Scene rotation and the clock run in the browser (assets/wall.js).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, no_update
from dash.exceptions import PreventUpdate

from analytics import kpis, service_levels
from analytics.freshness import assess
from components import ids
from components.feed_badges import feed_badges, misconfigured_badges
from components.ids import MapShellIds
from components.wall_tiles import (
    alert_data,
    alert_items,
    figure,
    fitting_feed_badges,
    fmt,
    outcomes_tile,
    sparkline,
    streets_table,
    tile,
    tile_level,
    worst_level,
)
from services import forecasts, signals
from services.access import scope_token
from services.context import current_services
from services.layers import layer_url, wall_tokens
from services.service_kpis import figures_at
from store import wall
from store.ledger import data_versions
from store.outcomes import latest_week
from store.queries import feed_status


def _shared(domain: str, token, panel, also=()):
    """A domain's panel at `token`: computed once per web worker for every wall of the
    same scope that asks (services.answers), not once per wall; `also`, what else the
    panel depends on. Only the token as it stands now is shared (a wall cannot have one
    computed ahead for the others)."""
    try:
        now = wall_tokens(current_services())[domain]
    except duckdb.Error:  # the versions cannot be read: the panel says why, unshared
        return panel(token)
    if token != now:
        return panel(token)
    key = (domain, token, scope_token(), *also)
    return current_services().answers.get(key, lambda: panel(token))


# the poll: a GET of /api/wall/tokens each refresh_ms, in the browser (assets/wall.js);
# only a domain whose token moved reaches the server again, for its tile
clientside_callback(
    "window.c3wall.poll",
    [Output(ids.wall_token(d), "data") for d in ids.WALL_DOMAINS],
    Input(ids.WALL_POLL, "n_intervals"),
    [State(ids.wall_token(d), "data") for d in ids.WALL_DOMAINS],
)


@callback(
    Output(ids.wall_tile("waste"), "children"),
    Output(ids.wall_tile("waste"), "className"),
    Output(MapShellIds.layer(ids.WALL_MAP, "waste"), "url"),
    Output(ids.wall_alerts("waste"), "data"),
    Input(ids.wall_token("waste"), "data"),
    prevent_initial_call=True,
)
def waste_panel(token):
    return _shared("waste", token, _waste_panel)


def _waste_panel(token):
    svc, now = current_services(), datetime.now(UTC)
    with svc.store.reading() as cur:
        states = wall.container_states(cur, now).to_pandas()
        spark = wall.hourly_series(cur, now, "waste")
    f = kpis.waste_figures(states)
    s = svc.settings
    levels = {
        "over_95": tile_level(s, "waste_over_95", f["over_95"]),
        "overflowing": tile_level(s, "waste_overflowing", f["overflowing"]),
        "forecast_6h": tile_level(s, "waste_forecast_6h", f["forecast_6h"]),
    }
    children = tile(
        "Waste",
        figure("waste.over_95", fmt(f["over_95"]), "containers", "≥ 95 % full", levels["over_95"]),
        [
            figure("waste.over_80", fmt(f["over_80"]), "containers", "≥ 80 % full"),
            figure(
                "waste.overflowing",
                fmt(f["overflowing"]),
                "containers",
                "overflowing now",
                levels["overflowing"],
            ),
            figure(
                "waste.forecast_6h",
                fmt(f["forecast_6h"]),
                "containers",
                "full within 6 h (forecast)",
                levels["forecast_6h"],
            ),
        ],
        sparkline(spark, "containers over 80 %"),
    )
    level = worst_level(*levels.values())
    return (
        children,
        f"c3-tile c3-tile-waste c3-level-{level}",
        layer_url("waste", token),
        alert_data(kpis.waste_alerts(states) + signals.wall_alerts(svc, now, "waste")),
    )


@callback(
    Output(ids.wall_tile("traffic"), "children"),
    Output(ids.wall_tile("traffic"), "className"),
    Output(MapShellIds.layer(ids.WALL_MAP, "traffic"), "url"),
    Output(ids.wall_alerts("traffic"), "data"),
    Input(ids.wall_token("traffic"), "data"),
    prevent_initial_call=True,
)
def traffic_panel(token):
    return _shared("traffic", token, _traffic_panel)


def _traffic_panel(token):
    svc, now = current_services(), datetime.now(UTC)
    minutes = svc.settings.alert_congested_minutes
    with svc.store.reading() as cur:
        states = wall.segment_states(cur, now, minutes).to_pandas()
        spark = wall.hourly_series(cur, now, "traffic")
    f = kpis.traffic_figures(states)
    s = svc.settings
    levels = {
        "index": tile_level(s, "traffic_index", f["index"]),
        "incidents": tile_level(s, "traffic_incidents", f["incidents"]),
    }
    children = tile(
        "Traffic",
        figure(
            "traffic.index",
            "—" if f["index"] is None else f"{f['index']:.2f}",
            "×",
            "congestion index (travel time vs free flow)",
            levels["index"],
        ),
        [
            figure(
                "traffic.incidents",
                fmt(f["incidents"]),
                "segments",
                "at a standstill",
                levels["incidents"],
            ),
            *streets_table(f["worst"][: s.forecasts.wall_streets],
                           forecasts.current_outlook(svc, now), s.timezone),  # fmt: skip
        ],
        sparkline(spark, "congestion index"),
    )
    return (
        children,
        f"c3-tile c3-tile-traffic c3-level-{worst_level(*levels.values())}",
        layer_url("traffic", token),
        alert_data(kpis.traffic_alerts(states, now, minutes)
                   + signals.wall_alerts(svc, now, "traffic")),
    )


@callback(
    Output(ids.wall_tile("complaints"), "children"),
    Output(ids.wall_tile("complaints"), "className"),
    Output(MapShellIds.layer(ids.WALL_MAP, "complaints"), "url"),
    Output(MapShellIds.layer(ids.WALL_MAP, "zones"), "url"),
    Output(ids.wall_alerts("complaints"), "data"),
    Input(ids.wall_token("complaints"), "data"),
    prevent_initial_call=True,
)
def complaints_panel(token):
    return _shared("complaints", token, _complaints_panel)


def _complaints_panel(token):
    svc, now = current_services(), datetime.now(UTC)
    s = svc.settings
    day_start = now.astimezone(ZoneInfo(s.timezone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    with svc.store.reading() as cur:
        open_requests = wall.open_complaints(cur).to_pandas()
        counts = wall.complaint_counts(cur, now, day_start)
        service = figures_at(cur, s, now, timedelta(days=7))
        spark = wall.hourly_series(cur, now, "complaints")
        versions = data_versions(cur)
    due = service_levels.due_times(open_requests, s.service_levels, s.timezone)
    f = kpis.complaint_figures(
        open_requests, due, now, counts["opened_today"], service["median_h"]["value"]
    )
    on_time = service["on_time"]["value"]
    overdue_level = tile_level(s, "complaints_overdue", f["overdue"])
    children = tile(
        "Complaints",
        figure("complaints.open", fmt(f["open"]), "open", "service requests"),
        [
            figure("complaints.opened_today", fmt(f["opened_today"]), "new", "since midnight"),
            figure(
                "complaints.overdue",
                fmt(f["overdue"]),
                "overdue",
                "past their target time",
                overdue_level,
            ),
            figure(
                "complaints.median_close_h",
                fmt(f["median_close_h"], 1),
                "h",
                "median to resolve, 7 days"
                + ("" if on_time is None else f" · {on_time * 100:.0f} % on time"),
            ),
        ],
        sparkline(spark, "open requests"),
    )
    return (
        children,
        f"c3-tile c3-tile-complaints c3-level-{overdue_level}",
        layer_url("complaints_public", versions.get("complaints", 0)),
        layer_url("zones", versions.get("city", 0)),
        alert_data(kpis.complaint_alerts(open_requests, due, now)),
    )


@callback(
    Output(ids.wall_tile("feeds"), "children"),
    Output(ids.wall_tile("feeds"), "className"),
    Output(ids.wall_alerts("feeds"), "data"),
    Input(ids.wall_token("feeds"), "data"),
    prevent_initial_call=True,
)
def feeds_panel(token):
    store = current_services().store  # its failures are in memory, and part of the question
    return _shared("feeds", token, _feeds_panel, (store.write_failure, store.invalidated))


def _feeds_panel(_token):
    svc, now = current_services(), datetime.now(UTC)
    s = svc.settings
    failure = svc.store.write_failure  # kept in memory: known even when nothing can be read
    store_alerts = [] if failure is None else [
        kpis.store_alert(failure, readable=svc.store.invalidated is None)]  # fmt: skip
    aside = [p.connector for p in svc.misconfigured]  # not polled: they bring nothing
    try:
        with svc.store.reading() as cur:
            runs = feed_status(cur)
            spark = wall.hourly_series(cur, now, "feeds")
    except Exception:
        if not store_alerts:
            raise
        # the database cannot be read (DuckDB invalidated it): the tile stays, the alert shows
        return no_update, no_update, alert_data(
            store_alerts + kpis.misconfigured_alerts(aside, svc.started_at))
    badges = misconfigured_badges(svc.misconfigured) + feed_badges(  # what to fix, first
        runs, svc.feed_intervals, now, s.timezone, s.stale_after_intervals, s.degraded_share)
    by_name = {r["connector"]: r for r in runs}
    stale, bad, old = [], [], []
    for name, interval in svc.feed_intervals.items():
        run = by_name.get(name, {})
        rejected, fetched = run.get("last_rejected"), run.get("last_fetched")
        fresh = assess(now, run, interval, s.stale_after_intervals, s.degraded_share)
        if fresh.state == "degraded":  # most of the last run was rejected: an alert, not stale
            bad.append((name, run.get("last_run_at") or now, rejected, fetched))
        if fresh.stale_by == "data":  # runs succeed; stale since its newest reading got too old
            since = fresh.newest_observed_at + timedelta(seconds=fresh.limit_s)
            old.append((name, min(since, now), fresh.data_age_s(now)))
        elif fresh.state == "stale":
            last_ok = run.get("last_success_at")
            since = (
                last_ok + timedelta(seconds=interval * s.stale_after_intervals)
                if last_ok and run.get("last_status") != "failed"
                else run.get("last_run_at") or now
            )
            stale.append((name, min(since, now)))
    count = len(stale) + len(old) + len(aside)  # by their runs, their data's age, or config
    level = tile_level(s, "feeds_stale", count)
    total = len(svc.feed_intervals) + len(aside)
    children = tile(
        "Feeds",
        figure("feeds.stale", fmt(count), f"of {total}", "feeds stale", level),
        fitting_feed_badges(badges),
        sparkline(spark, "rows ingested per hour"),
    )
    alerts = alert_data(kpis.feed_alerts(stale, bad, old) + store_alerts
                        + kpis.misconfigured_alerts(aside, svc.started_at))  # fmt: skip
    return children, f"c3-tile c3-tile-feeds c3-level-{level}", alerts


@callback(
    Output(ids.wall_tile("outcomes"), "children"),
    Output(ids.wall_tile("outcomes"), "className"),
    Output(ids.wall_alerts("outcomes"), "data"),
    Input(ids.wall_token("outcomes"), "data"),
    prevent_initial_call=True,
)
def outcomes_panel(token):
    """The last week's outcomes, as the worker keeps them (services.outcomes.record_week):
    read, never computed here (seven plans of the city take seconds to minutes)."""
    return _shared("outcomes", token, _outcomes_panel)


def _outcomes_panel(_token):
    svc = current_services()
    with svc.store.reading() as cur:
        week = latest_week(cur)
    return outcomes_tile(week, svc.settings.timezone), "c3-tile c3-tile-outcomes c3-level-none", []


@callback(
    Output(ids.WALL_ALERT_LIST, "children"),
    [Input(ids.wall_alerts(d), "data") for d in ids.WALL_DOMAINS],
    State(ids.WALL_SCENES, "data"),
)
def alerts_strip(*args):
    """Newest first, the cross-domain signals before the rest: a disagreement between
    domains is rarer, and older, than a full bin, and would never make the strip."""
    *groups, config = args
    merged = sorted((a for g in groups for a in (g or [])),
                    key=lambda a: (a["kind"] == "signal", a["at"]), reverse=True)  # fmt: skip
    svc, kiosk = current_services(), config.get("kiosk", True)
    # every wall asks for the same strip when a domain changes: built once per worker
    key = ("alerts", json.dumps([merged[:20], kiosk], sort_keys=True, default=str))
    return svc.answers.get(key, lambda: alert_items(merged[:20], svc.settings.timezone, kiosk))


@callback(
    Output(MapShellIds.map(ids.WALL_MAP), "viewport", allow_duplicate=True),
    Input(ids.wall_alert_button(ALL), "n_clicks"),
    [State(ids.wall_alerts(d), "data") for d in ids.WALL_DOMAINS],
    prevent_initial_call=True,
)
def pan_to_alert(clicks, *groups):
    """On a non-kiosk screen, a click on an alert flies the map to its place."""
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate
    key = ctx.triggered_id["key"]
    alert = next((a for g in groups for a in (g or []) if a["key"] == key), None)
    if alert is None or alert.get("lat") is None:
        raise PreventUpdate
    return {"center": [alert["lat"], alert["lon"]], "zoom": 18, "transition": "flyTo"}


clientside_callback(
    "window.c3wall.nextScene",
    Output(ids.WALL_SCENE_INDEX, "data"),
    Input(ids.WALL_ROTATE, "n_intervals"),
    State(ids.WALL_SCENE_INDEX, "data"),
    State(ids.WALL_SCENES, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    "window.c3wall.applyScene",
    [Output(MapShellIds.overlay(ids.WALL_MAP, layer), "checked") for layer in ids.MAP_LAYERS],
    Output(ids.WALL_TILES, "className"),
    Output(ids.WALL_SCENE_TITLE, "children"),
    Output(ids.WALL_ROOT, "data-scene"),
    Output(MapShellIds.map(ids.WALL_MAP), "viewport"),
    Input(ids.WALL_SCENE_INDEX, "data"),
    State(ids.WALL_SCENES, "data"),
)

clientside_callback(
    "window.c3wall.clock",
    Output(ids.WALL_CLOCK, "children"),
    Input(ids.WALL_POLL, "n_intervals"),
    State(ids.WALL_CLOCK, "data-tz"),
)
