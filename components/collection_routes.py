"""One window's routes on `/collection`: the map layers and legend that draw them, their
GeoJSON, the totals beside the map, and the table comparing the window with another."""

from __future__ import annotations

import dash_leaflet as dl
import pandas as pd
from dash import html
from dash_extensions.javascript import Namespace

from analytics.collection_routes import NO_CAPACITY
from components import ids
from components.collection_matrix import local_time
from components.map_shell import VEHICLE_COLOURS, swatches, vehicle_colour

js = Namespace("c3", "map")


def route_layers(tz: str) -> list:
    """The map's overlays of routes, containers not collected and numbered stops."""
    return [
        dl.Overlay(
            dl.GeoJSON(id=ids.COLLECTION_ROUTES, style=js("routeStyle"),
                       onEachFeature=js("routePopup"), data=None),
            name="Routes", checked=True,
        ),
        dl.Overlay(
            dl.GeoJSON(id=ids.COLLECTION_SKIPPED, pointToLayer=js("skippedMarker"),
                       onEachFeature=js("skippedPopup"), data=None),
            name="Containers not collected", checked=True,
        ),
        dl.Overlay(
            dl.GeoJSON(id=ids.COLLECTION_STOPS, pointToLayer=js("routeStop"),
                       onEachFeature=js("routeStopPopup"), data=None,
                       hideout={"tz": tz}),
            name="Stops (in order)", checked=True,
        ),
    ]  # fmt: skip


def route_legend(trucks: int) -> list:
    """The legend groups of `route_layers`."""
    return [
        swatches("Routes (one colour per truck)",
                 [(c, f"truck {i}") for i, c in enumerate(VEHICLE_COLOURS[:trucks], start=1)],
                 "line"),
        html.Div(
            [
                html.Div("Stops", className="c3-legend-title"),
                html.Div([html.Span("3", className="c3-swatch-stop"), "stop number, in order"],
                         className="c3-legend-row"),
                html.Div([html.Span("D", className="c3-swatch-stop c3-swatch-depot"), "depot"],
                         className="c3-legend-row"),
            ],
            className="c3-legend-group",
        ),
        swatches("Not collected", [("#8a8f98", "not due yet"), ("#b71c1c", "no truck capacity")],
                 "dot"),
    ]  # fmt: skip


def _feature_collection(features: list) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _left_out(routes: dict) -> list:
    """Containers not collected: not due yet, or due but beyond the trucks' capacity."""
    features = [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
         "properties": {"id": s["container_id"], "reason": s["reason"],
                        "fill": s["fill"], "capacity": False}}
        for s in routes.get("skipped", [])
    ]  # fmt: skip
    features += [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [stop["lon"], stop["lat"]]},
         "properties": {"id": ", ".join(stop["containers"]), "capacity": True,
                        "reason": NO_CAPACITY}}
        for stop in routes.get("unserved", [])
    ]  # fmt: skip
    return features


def routes_geojson(routes: dict) -> tuple[dict, dict, dict]:
    """(route lines, numbered stops + depot, containers not collected) as GeoJSON."""
    lines, stops = [], []
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
    return (
        _feature_collection(lines),
        _feature_collection(stops),
        _feature_collection(_left_out(routes)),
    )


def route_figures(routes: dict) -> dict:
    """A window's totals: trucks, containers, km, driving and longest round (min), m³
    collected, and containers left out (not due; beyond capacity)."""
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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def route_summary(zone_name: str, start: str, window: pd.Series, routes: dict, tz: str) -> list:
    """The picked window's totals as figure tiles, each truck's round, and what is left out."""
    f = route_figures(routes)
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
                f"back at {local_time(v['back_at'], tz, '%H:%M')}",
            ]
        )
        for v in routes["vehicles"]
    ]  # fmt: skip
    left_out = f"{_count(f['not_due'], 'container')} in the zone not due yet"
    if f["no_capacity"]:
        left_out += f"; {_count(f['no_capacity'], 'container')} due but beyond the trucks' capacity"
    return [
        html.H2(f"{zone_name} · {local_time(start, tz, '%a %d %b %H:%M')}",
                className="c3-section-title"),
        html.Div([html.Div([html.Div(v, className="c3-figure-value"),
                            html.Div(k, className="c3-figure-label")], className="c3-figure")
                  for k, v in tiles], className="c3-figures"),
        html.Ul(trucks, className="c3-trucks"),
        html.P(left_out, className="c3-hint"),
    ]  # fmt: skip


def compare_options(others: pd.DataFrame, tz: str) -> list[dict]:
    """The zone's other windows (indexed by start) as dropdown options, in time order."""
    return [
        {"label": f"{local_time(t, tz)} · {w.minutes:.0f} min"
                  + (" · quiet hours" if not w.allowed else ""), "value": t.isoformat()}
        for t, w in others.sort_index().iterrows()
    ]  # fmt: skip


def slowest_start(others: pd.DataFrame) -> str | None:
    """The ISO start of the slowest of the zone's other windows, allowed ones first: what
    the picked window is compared with at first."""
    allowed = others[others["allowed"]]
    slowest = (
        (allowed if not allowed.empty else others)["minutes"].idxmax() if len(others) else None
    )
    return None if slowest is None else slowest.isoformat()


def zone_viewport(bounds: list[float]) -> dict:
    """The map's viewport flying to a zone's bounds (west, south, east, north)."""
    west, south, east, north = bounds
    return {"bounds": [[south, west], [north, east]], "transition": "flyToBounds"}


def _num(value) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def comparison_table(picked: list[tuple[pd.Timestamp, pd.Series, dict]], tz: str) -> html.Table:
    """Two windows of a zone side by side, each (start, its row of the plan, its
    `route_figures`), with the difference of the second from the first."""
    rows = [
        ("Start", lambda w, r, t: local_time(t, tz), None),
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
