"""`/explore`'s detail panel: a clicked container's, segment's or complaint's details and
history, and a clicked zone's figures (each a button listing the features it counts).
The `*_panel(cur, ...)` functions read through services/explore.py; the `*_view`
functions turn that plain data into Dash components and Plotly charts."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go
from dash import dcc, html

from components import ids
from config import Settings
from services import explore
from services.explore import FIGURE_LABELS


def _chart(fig: go.Figure, title: str) -> dcc.Graph:
    fig.update_layout(
        title=title,
        height=260,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        template="plotly_white",
        showlegend=True,
        legend={"orientation": "h", "y": -0.25},
    )
    return dcc.Graph(
        figure=fig,
        config={"displaylogo": False, "displayModeBar": False},
        style={"height": "260px"},
        className="c3-history-chart",
    )


def _details(rows: list[tuple[str, object]]) -> html.Dl:
    items = []
    for label, value in rows:
        shown = (
            value
            if isinstance(value, html.Button)
            else ("—" if value in (None, "") else str(value))
        )
        items += [html.Dt(label), html.Dd(shown)]
    return html.Dl(items, className="c3-details")


def container_panel(cur, key: str, now: datetime, tz: str) -> list:
    """A container's details and its last week."""
    return container_view(explore.container_history(cur, key, now, tz))


def container_view(history: dict) -> list:
    """A container's details, and its fill level over the week with its collections."""
    record, readings, collected = history["record"], history["readings"], history["collections"]
    fig = go.Figure(
        go.Scatter(
            x=readings["observed_at"],
            y=readings["fill_level"] * 100,
            name="fill level %",
            mode="lines",
        )
    )
    if len(collected):
        fig.add_trace(
            go.Scatter(
                x=collected["collected_at"],
                y=[0] * len(collected),
                mode="markers",
                name="collected",
                marker={"symbol": "triangle-up", "size": 11},
            )
        )
    fig.update_yaxes(range=[0, 105], title="%")
    return [
        html.H2(f"Container {history['key']}", className="c3-panel-title"),
        _details(
            [
                ("Waste type", record["waste_type"]),
                ("Capacity", f"{record['capacity_l']:g} L" if record["capacity_l"] else None),
                ("Address", record["address"]),
                ("Zone", record["zone_id"]),
                ("Collections, 7 days", len(collected)),
            ]
        ),
        _chart(fig, "Fill level, last 7 days (collections marked)"),
    ]


def segment_panel(cur, key: str, now: datetime, tz: str) -> list:
    """A road segment's details and its last week."""
    return segment_view(explore.segment_history(cur, key, now, tz))


def segment_view(history: dict) -> list:
    """A segment's details, its speed over the week and its weekday profile."""
    record, readings, profile = history["record"], history["readings"], history["profile"]
    fig = go.Figure(
        go.Scatter(
            x=readings["observed_at"], y=readings["speed_kmh"], name="observed", mode="lines"
        )
    )
    fig.add_hline(
        y=record["freeflow_kmh"],
        line_dash="dash",
        annotation_text=f"free flow {record['freeflow_kmh']:g} km/h",
    )
    fig.update_yaxes(title="km/h", rangemode="tozero")
    weekday = go.Figure(go.Bar(x=profile["hour"], y=profile["speed_kmh"], name="weekday mean"))
    weekday.update_xaxes(title="hour of day (local)", dtick=3)
    weekday.update_yaxes(title="km/h", rangemode="tozero")
    return [
        html.H2(record["name"], className="c3-panel-title"),
        _details(
            [
                ("Segment", history["key"]),
                ("Road class", record["road_class"]),
                ("Length", f"{record['length_m']:.0f} m"),
                ("Free-flow speed", f"{record['freeflow_kmh']:g} km/h"),
                ("Zone", record["zone_id"]),
            ]
        ),
        _chart(fig, "Speed, last 7 days"),
        _chart(weekday, "Weekday profile: mean speed by hour"),
    ]


def complaint_panel(cur, source: str, key: str, tz: str, personal: bool) -> list:
    """A complaint's details, status changes and the agency's notes."""
    return complaint_view(explore.complaint_details(cur, source, key, tz, personal))


def complaint_view(complaint: dict) -> list:
    """A complaint's details (its address and description where the settings allow them,
    as text, never HTML), its status changes and the agency's notes."""
    record = complaint["record"]
    if record is None:
        return [
            html.P(f"Request {complaint['key']} is no longer in the store.", className="c3-hint")
        ]
    rows = [
        ("Request", complaint["key"]),
        ("Type", record["service_name"]),
        ("Status", record["status"]),
        ("Agency", record["agency_responsible"]),
        ("Zone", record["zone_id"]),
    ]
    if complaint["personal"]:  # citizens' own words: text, never HTML
        rows += [("Address", record["address"]), ("Description", record["description"])]
    notes = [html.Li(note) for note in complaint["notes"]]
    return [
        html.H2(record["service_name"] or "Complaint", className="c3-panel-title"),
        _details(rows),
        html.H3("Status changes"),
        html.Ol([html.Li(event) for event in complaint["events"]], className="c3-timeline"),
        *([html.H3("Notes from the agency"), html.Ol(notes, className="c3-timeline")]
          if notes else []),
    ]  # fmt: skip


def _figure(zone_id: str, layer: str, metric: str, value: int,
            text: str | None = None) -> tuple[str, object]:  # fmt: skip
    """A figure as a link to the rows behind it (`text` shows a value that is not a count)."""
    button = html.Button(
        f"{value:,}" if text is None else text,
        id=ids.explore_figure(layer, metric, zone_id),
        className="c3-figure-link",
        title="List these in the table",
    )
    return FIGURE_LABELS[(layer, metric)], button


def zone_panel(cur, zone_id: str, now: datetime, settings: Settings,
               domains=("waste", "traffic", "complaints")) -> list:  # fmt: skip
    """A zone's figures now, of the domains the viewer sees."""
    return zone_view(explore.zone_overview(cur, zone_id, now, settings), domains)


def zone_view(zone: dict, domains=("waste", "traffic", "complaints")) -> list:
    """A zone's figures now, each a button that lists what it counts; only the sections
    of `domains` (a department head sees their department's)."""
    zone_id, f = zone["zone_id"], zone["figures"]
    w, t, c = f["waste"], f["traffic"], f["complaints"]
    index = "—" if t["index"] is None else f"{t['index']:.2f} ×"
    median = "—" if c["median_close_h"] is None else f"{c['median_close_h']:.1f} h"
    on_time = "—" if c.get("on_time") is None else f"{c['on_time'] * 100:.0f} %"
    head = [
        html.H2(zone["name"], className="c3-panel-title"),
        html.Button(
            "Filter the map to this zone",
            id=ids.explore_zone_filter(zone_id),
            className="c3-button",
        ),
        html.P("Now. Click a figure to list what it counts.", className="c3-hint"),
    ]
    sections = {"waste": [
        html.H3("Waste"),
        _details(
            [
                _figure(zone_id, "waste", m, w[m])
                for m in ("over_95", "over_80", "overflowing", "forecast_6h", "reporting")
            ]
        ),
    ], "traffic": [
        html.H3("Traffic"),
        _details(
            [
                ("Congestion index", index),
                _figure(zone_id, "traffic", "incidents", t["incidents"]),
                _figure(zone_id, "traffic", "reporting", t["reporting"]),
                ("Slowest streets", ", ".join(f"{n} × {r:.2f}" for n, r in t["worst"])),
            ]
        ),
    ], "complaints": [
        html.H3("Complaints"),
        _details(
            [
                *[_figure(zone_id, "complaints", m, c[m]) for m in ("open", "opened_today")],
                _figure(zone_id, "complaints", "overdue", c["overdue"]),
                _figure(zone_id, "complaints", "median_close_h", 0, median),
                _figure(zone_id, "complaints", "on_time", 0, on_time),
            ]
        ),
    ]}  # fmt: skip
    return head + [part for d in ("waste", "traffic", "complaints") if d in domains
                   for part in sections[d]]  # fmt: skip


def zone_viewport(bounds: list[float] | None) -> dict | None:
    """The map flies to a zone's extent [west, south, east, north] (None: stays put)."""
    if bounds is None:
        return None
    west, south, east, north = bounds
    return {"bounds": [[south, west], [north, east]], "transition": "flyToBounds"}
