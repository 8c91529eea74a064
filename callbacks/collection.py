"""Callbacks of `/collection`: a new plan -> matrix, best windows and status; a picked
zone and window -> its routes on the map, their totals, and a second window beside it.
Plans are computed by the scheduler (jobs.collection); nothing here ranks windows."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from analytics.collection_routes import NO_CAPACITY
from components import ids
from components.ids import MapShellIds
from components.map_shell import vehicle_colour
from services.context import current_services
from store import collection
from store.explore import zone_summary
from store.ledger import data_versions


def _local(when, tz: str, fmt: str = "%a %H:%M") -> str:
    return pd.Timestamp(when).tz_convert(ZoneInfo(tz)).strftime(fmt)


def _status(plan: dict, frame: pd.DataFrame, tz: str) -> list:
    config = json.loads(plan["settings"])
    quiet = "; ".join(
        f"{q['name']} {q['start']}–{q['end']}"
        + (f" ({', '.join(q['zone_kinds'] + q['zone_ids'])})" if q["zone_kinds"] or q["zone_ids"]
           else " (every zone)")
        for q in config["quiet_hours"]
    ) or "none"  # fmt: skip
    zones = frame["zone_id"].nunique()
    starts = frame["start_at"].nunique()
    return [
        html.Strong(
            f"Computed {_local(plan['computed_at'], tz, '%a %d %b %H:%M')} from data up to "
            + (_local(plan["data_up_to"], tz, "%H:%M") if pd.notna(plan["data_up_to"]) else "—")
            + f" ({tz})"
        ),
        html.Span(
            f" · {zones} zones × {starts} start times over the next {plan['horizon_h']} h, "
            f"ranked in {plan['seconds']:.1f} s · recomputed when new traffic or waste data arrive"
        ),
        html.Div(
            f"Cost = round minutes + {config['overflow_penalty_min']:g} min per container that "
            f"overflows before the truck reaches it · {config['vehicles']} trucks of "
            f"{config['vehicle_capacity_l'] / 1000:g} m³ per zone · {config['service_s']:g} s per "
            f"container · quiet hours: {quiet}",
            className="c3-hint",
        ),
    ]


def matrix_figure(frame: pd.DataFrame, tz: str) -> go.Figure:
    """Zones (rows) × start times (columns), coloured by each round's duration against
    the zone's best (zones differ tenfold in size, so absolute minutes would hide every
    small zone's rush hours); grey where quiet hours forbid a round; a dot where
    containers overflow (larger = more); ★ each zone's best."""
    best_minutes = frame[frame["allowed"]].groupby("zone_id")["minutes"].min()
    frame = frame.assign(
        local=frame["start_at"].dt.tz_convert(tz).dt.tz_localize(None),
        ratio=frame["minutes"] / frame["zone_id"].map(best_minutes).fillna(frame["minutes"]),
        iso=frame["start_at"].map(lambda t: t.isoformat()),
    )
    zones = sorted(frame["zone_name"].unique())
    starts = sorted(frame["start_at"].unique())  # UTC: unique even when clocks go back
    x = [pd.Timestamp(t).tz_convert(tz).tz_localize(None) for t in starts]

    def grid(values: pd.Series) -> list:
        table = frame.assign(v=values).pivot(index="zone_name", columns="start_at", values="v")
        return table.reindex(index=zones, columns=starts).values.tolist()

    def cells(part: pd.DataFrame) -> list:
        return list(zip(part["zone_id"], part["iso"], part["minutes"].round(0),
                        part["overflowing"], part["rank"], strict=True))  # fmt: skip

    customdata = grid(pd.Series(cells(frame), index=frame.index))
    hover = (
        "<b>%{y}</b><br>start %{x|%a %H:%M}<br>round %{customdata[2]} min "
        "(× %{z:.2f} the zone's best)<br>overflowing: %{customdata[3]}<br>"
        "rank %{customdata[4]}<extra></extra>"
    )
    top = max(1.3, float(frame["ratio"].quantile(0.98)))
    figure = go.Figure(
        [
            go.Heatmap(
                z=grid(frame["ratio"].where(frame["allowed"])), x=x, y=zones,
                customdata=customdata, hovertemplate=hover, colorscale="YlOrRd",
                zmin=1, zmax=top, xgap=1, ygap=2, name="allowed",
                colorbar={"title": {"text": "round vs<br>zone's best"}, "thickness": 14,
                          "tickformat": ".2f", "ticksuffix": "×"},
            ),
            go.Heatmap(
                z=grid(frame["ratio"].where(~frame["allowed"])), x=x, y=zones,
                customdata=customdata,
                hovertemplate=hover.replace("<extra>", "<br>quiet hours: no collection<extra>"),
                colorscale=[[0, "#d5d8de"], [1, "#d5d8de"]], showscale=False, xgap=1, ygap=2,
                name="quiet hours",
            ),
        ]
    )  # fmt: skip
    over = frame[frame["overflowing"] > 0]
    figure.add_scatter(
        x=over["local"], y=over["zone_name"], mode="markers", name="overflow",
        marker={"size": (3 + over["overflowing"].clip(upper=8)).tolist(),
                "color": "rgba(29, 36, 51, 0.55)", "symbol": "circle"},
        customdata=cells(over),
        hovertemplate="<b>%{y}</b><br>start %{x|%a %H:%M}<br>%{customdata[3]} containers "
        "overflow before the truck comes<extra></extra>",
    )  # fmt: skip
    best = frame[frame["rank"] == 1]
    figure.add_scatter(
        x=best["local"], y=best["zone_name"], mode="markers", name="best",
        marker={"symbol": "star", "size": 17, "color": "#ffffff",
                "line": {"color": "#1d2433", "width": 1.5}},
        customdata=cells(best),
        hovertemplate="<b>%{y}</b><br>best: %{x|%a %H:%M}, %{customdata[2]} min<extra></extra>",
    )  # fmt: skip
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        height=max(260, 34 * len(zones) + 90),
        showlegend=False,
        plot_bgcolor="#ffffff",
        xaxis={"title": f"round start ({tz}) · grey: the round starts or runs into quiet hours · "
               "● containers overflowing (larger = more) · ★ best",
               "tickformat": "%a %H:%M", "showgrid": False},
        yaxis={"autorange": "reversed", "automargin": True, "showgrid": False},
        font={"size": 13},
        clickmode="event",
        # Plotly ranks a heat map cell behind any marker within hoverdistance (20 px by
        # default): a click on a cell next to a ★ or ● picked that marker's window. A
        # marker now wins only under the pointer.
        hoverdistance=2,
    )  # fmt: skip
    return figure


def best_list(frame: pd.DataFrame, tz: str) -> html.Table:
    best = frame[frame["rank"] == 1].sort_values("zone_name")
    rows = [
        html.Tr(
            [
                html.Td(r.zone_name),
                html.Td(
                    _local(r.start_at, tz)
                    if r.allowed
                    else [
                        _local(r.start_at, tz),
                        html.Br(),
                        html.Span("no window outside the quiet hours", className="c3-empty"),
                    ]
                ),  # fmt: skip
                html.Td(f"{r.minutes:.0f} min"),
                html.Td(str(r.overflowing)),
                html.Td(str(r.stops)),
                html.Td(r.reason, className="c3-reason"),
                html.Td(
                    html.Button(
                        "Routes",
                        id=ids.collection_best_button(r.zone_id, r.start_at.isoformat()),
                        className="c3-button",
                        title=f"Show the routes of {r.zone_name} at {_local(r.start_at, tz)}",
                    )
                ),
            ]
        )
        for r in best.itertuples()
    ]
    head = ["Zone", "Best start", "Round", "Overflowing", "Containers due", "Why", ""]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="c3-table",
    )


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
        zones_url = f"/api/layers/zones.geojson?v={data_versions(cur).get('city', 0)}"
    tz = svc.settings.timezone
    frame = _plan_frame(int(plan["plan_id"]))
    if frame.empty:
        status = [*_status(plan, frame, tz),
                  html.Div("No container is due within the horizon: nothing to collect.",
                           className="c3-empty")]  # fmt: skip
        return int(plan["plan_id"]), status, {}, {"display": "none"}, [], zones_url
    return (
        int(plan["plan_id"]),
        _status(plan, frame, tz),
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
        point = click["points"][0]
        frame = _plan_frame(plan_id)
        local = pd.Timestamp(point["x"]).tz_localize(
            current_services().settings.timezone, ambiguous=True, nonexistent="shift_forward"
        )  # the first of a repeated hour when clocks go back
        start = local.tz_convert("UTC")
        found = frame[(frame["zone_name"] == point["y"]) & (frame["start_at"] == start)]
        if found.empty:
            raise PreventUpdate
        return {"plan": plan_id, "zone": found["zone_id"].iloc[0], "start": start.isoformat()}
    if isinstance(ctx.triggered_id, dict) and ctx.triggered[0]["value"]:
        return {"plan": plan_id, "zone": ctx.triggered_id["zone"],
                "start": ctx.triggered_id["start"]}  # fmt: skip
    raise PreventUpdate


def routes_geojson(routes: dict) -> tuple[dict, dict, dict]:
    """(route lines, numbered stops + depot, containers not collected) as GeoJSON."""
    lines, stops, skipped = [], [], []
    for v in routes["vehicles"]:
        colour = vehicle_colour(v["vehicle"])
        lines.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": v["path"]},
            "properties": {"vehicle": v["vehicle"], "colour": colour, "km": v["km"],
                           "minutes": v["minutes"], "stops": len(v["stops"])},
        })  # fmt: skip
        for s in v["stops"]:
            stops.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {"kind": "stop", "seq": s["seq"], "vehicle": v["vehicle"],
                               "colour": colour, "arrival": s["arrival"],
                               "containers": s["containers"], "litres": s["litres"]},
            })  # fmt: skip
    if routes.get("depot"):
        stops.append({"type": "Feature",
                      "geometry": {"type": "Point", "coordinates": routes["depot"]},
                      "properties": {"kind": "depot"}})  # fmt: skip
    for s in routes.get("skipped", []):
        skipped.append({"type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                        "properties": {"id": s["container_id"], "reason": s["reason"],
                                       "fill": s["fill"], "capacity": False}})  # fmt: skip
    for stop in routes.get("unserved", []):
        skipped.append({"type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [stop["lon"], stop["lat"]]},
                        "properties": {"id": ", ".join(stop["containers"]), "capacity": True,
                                       "reason": NO_CAPACITY}})  # fmt: skip

    def collection(features: list) -> dict:
        return {"type": "FeatureCollection", "features": features}

    return collection(lines), collection(stops), collection(skipped)


def _figures(routes: dict) -> dict:
    t = routes["totals"]
    longest = max((v["minutes"] for v in routes["vehicles"]), default=0)
    return {
        "trucks": t["trucks"],
        "containers": t["containers"],
        "km": t["km"],
        "driving": t["driving_minutes"],
        "round": longest,
        "m3": t["litres"] / 1000,
        "not_due": len(routes.get("skipped", [])),
        "no_capacity": sum(len(s["containers"]) for s in routes.get("unserved", [])),
    }


def summary(zone_name: str, start: str, window: pd.Series, routes: dict, tz: str) -> list:
    f = _figures(routes)
    tiles = [
        ("Containers collected", f"{f['containers']}"),
        ("Distance", f"{f['km']:.1f} km"),
        ("Driving time", f"{f['driving']:.0f} min"),
        ("Longest round", f"{f['round']:.0f} min"),
        ("Fill collected", f"{f['m3']:.1f} m³"),
        ("Overflowing before", f"{window['overflowing']}"),
    ]
    trucks = [
        html.Li(
            [
                html.Span(className="c3-swatch c3-swatch-line",
                          style={"background": vehicle_colour(v["vehicle"])}),
                f"Truck {v['vehicle']}: {len(v['stops'])} stops, {v['km']:.1f} km, "
                f"{v['driving_minutes']:.0f} min driving, "
                f"back at {_local(v['back_at'], tz, '%H:%M')}",
            ]
        )
        for v in routes["vehicles"]
    ]  # fmt: skip
    left_out = f"{_count(f['not_due'], 'container')} in the zone not due yet"
    if f["no_capacity"]:
        left_out += f"; {_count(f['no_capacity'], 'container')} due but beyond the trucks' capacity"
    return [
        html.H2(f"{zone_name} · {_local(start, tz, '%a %d %b %H:%M')}",
                className="c3-section-title"),
        html.Div([html.Div([html.Div(v, className="c3-figure-value"),
                            html.Div(k, className="c3-figure-label")], className="c3-figure")
                  for k, v in tiles], className="c3-figures"),
        html.Ul(trucks, className="c3-trucks"),
        html.P(left_out, className="c3-hint"),
    ]  # fmt: skip


def _plan_frame(plan_id: int) -> pd.DataFrame:
    """A plan's windows, with zone names made unique (the matrix's rows are names)."""
    with current_services().store.reading() as cur:
        frame = collection.plan_windows_frame(cur, plan_id)
    zones = frame.drop_duplicates("zone_id")
    shared = set(zones.loc[zones["zone_name"].duplicated(keep=False), "zone_id"])
    return frame.assign(
        zone_name=[
            f"{n} ({z})" if z in shared else n
            for n, z in zip(frame["zone_name"], frame["zone_id"], strict=True)
        ]
    )


def _zone_windows(plan_id: int, zone_id: str) -> pd.DataFrame:
    frame = _plan_frame(plan_id)
    return frame[frame["zone_id"] == zone_id].set_index("start_at")


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
    windows = _zone_windows(plan_id, pick["zone"])
    window = windows.loc[start]  # routes() answered, so the plan has this window
    with svc.store.reading() as cur:
        zone = zone_summary(cur, pick["zone"])
    lines, stops, skipped = routes_geojson(routes)
    others = windows.drop(index=start)
    options = [
        {"label": f"{_local(t, tz)} · {w.minutes:.0f} min"
                  + (" · quiet hours" if not w.allowed else ""), "value": t.isoformat()}
        for t, w in others.sort_index().iterrows()
    ]  # fmt: skip
    allowed = others[others["allowed"]]
    slowest = (
        (allowed if not allowed.empty else others)["minutes"].idxmax() if len(others) else None
    )
    west, south, east, north = zone["bounds"]
    view = {"bounds": [[south, west], [north, east]], "transition": "flyToBounds"}
    return (
        lines, stops, skipped,
        summary(zone["name"], pick["start"], window, routes, tz),
        options, None if slowest is None else slowest.isoformat(), view,
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
    svc = current_services()
    tz = svc.settings.timezone
    windows = _zone_windows(plan_id, pick["zone"])
    picked = []
    for start in (pick["start"], other):
        when = pd.Timestamp(start)
        routes = svc.collection.routes(plan_id, pick["zone"], when.to_pydatetime())
        if routes is None or when not in windows.index:
            return html.P("This plan has been replaced: pick again.", className="c3-empty")
        picked.append((when, windows.loc[when], _figures(routes)))
    rows = [
        ("Start", lambda w, r, t: _local(t, tz), None),
        ("Round, one truck (min)", lambda w, r, t: w["minutes"], "{:+.0f}"),
        ("Driving, all trucks (min)", lambda w, r, t: r["driving"], "{:+.0f}"),
        ("Distance (km)", lambda w, r, t: r["km"], "{:+.1f}"),
        ("Overflowing", lambda w, r, t: w["overflowing"], "{:+d}"),
        ("Containers collected", lambda w, r, t: r["containers"], "{:+d}"),
        ("Cost (min)", lambda w, r, t: w["cost"], "{:+.0f}"),
    ]
    body = []
    for label, value, diff in rows:
        a, b = (value(w, r, t) for t, w, r in picked)
        cells = [a, b] if diff is None else [_num(a), _num(b)]
        delta = "" if diff is None else diff.format(b - a)
        body.append(html.Tr([html.Th(label), *[html.Td(c) for c in cells], html.Td(delta)]))
    head = html.Tr([html.Th(""), html.Th("Picked"), html.Th("Compared"), html.Th("Difference")])
    return html.Table([html.Thead(head), html.Tbody(body)], className="c3-table c3-compare")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _num(value) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else str(value)
