"""Callbacks of `/explore`: filters and layers -> map (hideout) and URL; clicks -> history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics import kpis
from callbacks.context import services
from callbacks.home import changed_layer_urls
from layouts import ids
from layouts.ids import MapShellIds
from store import explore, wall
from store.ledger import data_versions

LAYER_FILTERS = ids.EXPLORE_LAYER_FILTERS
PANEL_LAYERS = ("waste", "traffic", "complaints", "zones")
HISTORY_DAYS = 7


@callback(
    [Output(ids.explore_filter(name), "options") for name in ids.EXPLORE_FILTERS],
    [Output(ids.explore_filter(name), "value") for name in ids.EXPLORE_FILTERS],
    Input(ids.EXPLORE_INITIAL, "data"),
)
def filter_options(initial):
    """Offer the values the data has (zones by name), then select what the URL asked for."""
    with services().store.reading() as cur:
        choices = explore.filter_choices(cur)
    options = [[{"label": name, "value": zone_id} for zone_id, name in choices["zone"]]] + [
        [{"label": v.replace("_", " "), "value": v} for v in choices[name]]
        for name in ids.EXPLORE_FILTERS[1:]
    ]
    values = [
        [v for v in (initial or {}).get(name, []) if v in {o["value"] for o in opts}]
        for name, opts in zip(ids.EXPLORE_FILTERS, options, strict=True)
    ]
    return options + values


@callback(
    [Output(MapShellIds.layer(ids.EXPLORE_MAP, layer), "url") for layer in ids.MAP_LAYERS],
    Input(ids.EXPLORE_POLL, "n_intervals"),
    [State(MapShellIds.layer(ids.EXPLORE_MAP, layer), "url") for layer in ids.MAP_LAYERS],
)
def refresh_layers(_tick, *current):
    """Complaints come without citizens' text unless the settings allow it."""
    svc = services()
    with svc.store.reading() as cur:
        versions = data_versions(cur)
    complaints = "complaints" if svc.settings.show_personal_data else "complaints_public"
    sources = ("traffic", "waste", complaints, "zones")
    return changed_layer_urls(sources, versions, datetime.now(UTC).timestamp(), current)


def view_query(layers: list[str], filters: dict[str, list[str]]) -> str:
    """The URL query that reproduces this view."""
    params = {"layers": ",".join(layers)}
    params.update({name: ",".join(values) for name, values in filters.items() if values})
    return "?" + urlencode(params, safe=",:")


@callback(
    [Output(MapShellIds.overlay(ids.EXPLORE_MAP, layer), "checked") for layer in ids.MAP_LAYERS],
    [Output(MapShellIds.layer(ids.EXPLORE_MAP, layer), "hideout") for layer in LAYER_FILTERS],
    Output(ids.EXPLORE_URL, "search"),
    Input(ids.EXPLORE_LAYERS, "value"),
    [Input(ids.explore_filter(name), "value") for name in ids.EXPLORE_FILTERS],
    prevent_initial_call=True,  # runs once the filters hold their choices and the URL's values
)
def apply_view(layers, *values):
    """Filters change how the browser draws the loaded layers, not the data it loaded."""
    filters = dict(zip(ids.EXPLORE_FILTERS, (v or [] for v in values), strict=True))
    tz = services().settings.timezone
    hideouts = [
        {
            "tz": tz,
            "theme": "light",
            "filter": {f: filters[f] for f in wanted},
        }
        for wanted in LAYER_FILTERS.values()
    ]
    checked = [layer in (layers or []) for layer in ids.MAP_LAYERS]
    return [*checked, *hideouts, view_query(layers or [], filters)]


def _local(table, column: str, tz: str):
    return table.to_pandas()[column].dt.tz_convert(tz)


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
        items += [html.Dt(label), html.Dd("—" if value in (None, "") else str(value))]
    return html.Dl(items, className="c3-details")


def container_panel(cur, key: str, now: datetime, tz: str) -> list:
    record = explore.feature_record(cur, "waste", key)
    history = explore.container_history(cur, key, now - timedelta(days=HISTORY_DAYS), now)
    readings, collected = history["readings"], history["collections"]
    fig = go.Figure(
        go.Scatter(
            x=_local(readings, "observed_at", tz),
            y=readings.to_pandas()["fill_level"] * 100,
            name="fill level %",
            mode="lines",
        )
    )
    if collected.num_rows:
        fig.add_trace(
            go.Scatter(
                x=_local(collected, "collected_at", tz),
                y=[0] * collected.num_rows,
                mode="markers",
                name="collected",
                marker={"symbol": "triangle-up", "size": 11},
            )
        )
    fig.update_yaxes(range=[0, 105], title="%")
    return [
        html.H2(f"Container {key}", className="c3-panel-title"),
        _details(
            [
                ("Waste type", record["waste_type"]),
                ("Capacity", f"{record['capacity_l']:g} L" if record["capacity_l"] else None),
                ("Address", record["address"]),
                ("Zone", record["zone_id"]),
                ("Collections, 7 days", collected.num_rows),
            ]
        ),
        _chart(fig, "Fill level, last 7 days (collections marked)"),
    ]


def segment_panel(cur, key: str, now: datetime, tz: str) -> list:
    record = explore.feature_record(cur, "traffic", key)
    history = explore.segment_history(cur, key, now - timedelta(days=HISTORY_DAYS), now, tz)
    readings, profile = history["readings"], history["profile"].to_pandas()
    fig = go.Figure(
        go.Scatter(
            x=_local(readings, "observed_at", tz),
            y=readings.to_pandas()["speed_kmh"],
            name="observed",
            mode="lines",
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
                ("Segment", key),
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
    record = explore.feature_record(cur, "complaints", key)
    timeline = explore.complaint_timeline(cur, source, key).to_pandas()
    events = [
        html.Li(f"{row.changed_at.tz_convert(tz):%a %d %b %H:%M} — {row.status}")
        for row in timeline.itertuples()
    ]
    rows = [
        ("Request", key),
        ("Type", record["service_name"]),
        ("Status", record["status"]),
        ("Agency", record["agency_responsible"]),
        ("Zone", record["zone_id"]),
    ]
    if personal:  # citizens' own words: text, never HTML
        rows += [("Address", record["address"]), ("Description", record["description"])]
    return [
        html.H2(record["service_name"] or "Complaint", className="c3-panel-title"),
        _details(rows),
        html.H3("Status changes"),
        html.Ol(events, className="c3-timeline"),
    ]


COLUMN_TITLES = {
    "container_id": "Container",
    "waste_type": "Waste type",
    "zone": "Zone",
    "address": "Address",
    "fill_pct": "Fill %",
    "status": "Status",
    "observed_at": "Observed",
    "segment_id": "Segment",
    "name": "Street",
    "road_class": "Road class",
    "freeflow_kmh": "Free flow km/h",
    "speed_kmh": "Speed km/h",
    "ratio": "× free flow",
    "request_id": "Request",
    "service_name": "Type",
    "requested_at": "Filed",
    "expected_at": "Due",
    "description": "Description",
}


@callback(
    Output(ids.EXPLORE_TABLE, "rowData"),
    Output(ids.EXPLORE_TABLE, "columnDefs"),
    Output(ids.EXPLORE_TABLE, "csvExportParams"),
    Output(ids.EXPLORE_TABLE_COUNT, "children"),
    Input(ids.EXPLORE_TABLE_LAYER, "value"),
    [Input(ids.explore_filter(name), "value") for name in ids.EXPLORE_FILTERS],
    Input(ids.EXPLORE_POLL, "n_intervals"),
)
def table_rows(layer, *args):
    """The rows behind the layer as filtered: what is drawn is what is listed (and exported).
    Times are ISO 8601 in the city's time zone, with its offset."""
    *values, _tick = args
    filters = dict(zip(ids.EXPLORE_FILTERS, (v or [] for v in values), strict=True))
    svc = services()
    with svc.store.reading() as cur:
        frame = explore.layer_rows(cur, layer, filters, svc.settings.show_personal_data).to_pandas()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            local = frame[column].dt.tz_convert(svc.settings.timezone)
            frame[column] = [None if pd.isna(t) else t.isoformat() for t in local]
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    columns = [{"field": c, "headerName": COLUMN_TITLES.get(c, c)} for c in frame.columns]
    stamp = datetime.now(UTC).astimezone(ZoneInfo(svc.settings.timezone))
    export = {"fileName": f"c3-{layer}-{stamp:%Y-%m-%dT%H%M}.csv"}
    return rows, columns, export, f"{len(rows):,} rows"


@callback(
    Output(ids.EXPLORE_TABLE, "exportDataAsCsv"),
    Input(ids.EXPLORE_EXPORT, "n_clicks"),
    prevent_initial_call=True,
)
def export_csv(_clicks):
    return True


def zone_figures(cur, zone_id: str, now: datetime, settings) -> dict:
    """The wall's figures for one zone."""
    midnight = now.astimezone(ZoneInfo(settings.timezone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    containers = wall.container_states(cur, now).to_pandas()
    segments = wall.segment_states(cur, now, settings.alert_congested_minutes).to_pandas()
    requests = wall.open_complaints(cur).to_pandas()
    containers = containers[containers["zone_id"] == zone_id]
    segments = segments[segments["zone_id"] == zone_id]
    requests = requests[requests["zone_id"] == zone_id]
    counts = wall.complaint_counts(cur, now, midnight, zone_id)
    due = kpis.due_times(requests, settings.complaint_target_h, settings.complaint_default_target_h)
    return {
        "waste": kpis.waste_figures(containers),
        "traffic": kpis.traffic_figures(segments),
        "complaints": kpis.complaint_figures(
            requests, due, now, counts["opened_today"], counts["median_close_h"]
        ),
    }


def zone_panel(cur, zone_id: str, now: datetime, settings) -> list:
    summary = explore.zone_summary(cur, zone_id)
    f = zone_figures(cur, zone_id, now, settings)
    w, t, c = f["waste"], f["traffic"], f["complaints"]
    index = "—" if t["index"] is None else f"{t['index']:.2f} ×"
    median = "—" if c["median_close_h"] is None else f"{c['median_close_h']:.1f} h"
    return [
        html.H2(summary["name"] if summary else zone_id, className="c3-panel-title"),
        html.H3("Waste"),
        _details(
            [
                ("≥ 95 % full", w["over_95"]),
                ("≥ 80 % full", w["over_80"]),
                ("Overflowing now", w["overflowing"]),
                ("Full within 6 h", w["forecast_6h"]),
                ("Containers reporting", w["reporting"]),
            ]
        ),
        html.H3("Traffic"),
        _details(
            [
                ("Congestion index", index),
                ("At a standstill", t["incidents"]),
                ("Slowest streets", ", ".join(f"{n} × {r:.2f}" for n, r in t["worst"])),
            ]
        ),
        html.H3("Complaints"),
        _details(
            [
                ("Open", c["open"]),
                ("New since midnight", c["opened_today"]),
                ("Overdue", c["overdue"]),
                ("Median time to close, 7 days", median),
            ]
        ),
    ]


@callback(
    Output(ids.EXPLORE_PANEL, "children"),
    Output(MapShellIds.map(ids.EXPLORE_MAP), "viewport"),
    [Input(MapShellIds.layer(ids.EXPLORE_MAP, layer), "clickData") for layer in PANEL_LAYERS],
    prevent_initial_call=True,
)
def feature_panel(*clicks):
    """The clicked feature's details and history; a clicked zone's figures, zoomed to it."""
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    layer = ctx.triggered_id["layer"]
    click = ctx.triggered[0]["value"]
    svc, now = services(), datetime.now(UTC)
    tz = svc.settings.timezone
    with svc.store.reading() as cur:
        if layer == "zones":
            summary = explore.zone_summary(cur, click["id"])
            view = (
                no_update
                if summary is None
                else {
                    "bounds": [
                        [summary["bounds"][1], summary["bounds"][0]],
                        [summary["bounds"][3], summary["bounds"][2]],
                    ],
                    "transition": "flyToBounds",
                }
            )
            return zone_panel(cur, click["id"], now, svc.settings), view
        if layer == "waste":
            return container_panel(cur, click["id"], now, tz), no_update
        if layer == "traffic":
            return segment_panel(cur, click["id"], now, tz), no_update
        return complaint_panel(
            cur, click.get("source") or "", click["id"], tz, svc.settings.show_personal_data
        ), no_update
