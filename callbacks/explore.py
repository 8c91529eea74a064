"""Callbacks of `/explore`: filters and layers -> map (hideout) and URL; clicks -> history."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate

from analytics import kpis, timewindow
from components import ids
from components.ids import MapShellIds
from services.context import current_services
from store import explore, wall
from store.ledger import data_versions
from store.queries import layer_version

PANEL_LAYERS = ("waste", "traffic", "complaints", "zones")
HISTORY_DAYS = 7


@callback(
    [Output(ids.explore_filter(name), "options") for name in ids.EXPLORE_FILTERS],
    [Output(ids.explore_filter(name), "value") for name in ids.EXPLORE_FILTERS],
    Input(ids.EXPLORE_INITIAL, "data"),
)
def filter_options(initial):
    """Offer the values the data has (zones by name), then select what the URL asked for."""
    svc = current_services()
    with svc.store.reading() as cur:
        choices = explore.filter_choices(cur)
    options = [[{"label": name, "value": zone_id} for zone_id, name in choices["zone"]]] + [
        [{"label": v.replace("_", " "), "value": v} for v in choices[name]]
        for name in ids.EXPLORE_FILTERS[1:]
    ]
    values = [
        [v for v in (initial or {}).get(name, []) if v in {o["value"] for o in opts}]
        for name, opts in zip(ids.EXPLORE_FILTERS, options, strict=True)
    ]
    return [*options, *values]


CHECKABLE = ("traffic", "waste", "complaints", "zones", "hotspots")  # overlays of the shell

clientside_callback(
    ClientsideFunction("c3_explore", "view"),
    [Output(MapShellIds.overlay(ids.EXPLORE_MAP, layer), "checked") for layer in CHECKABLE],
    [
        Output(MapShellIds.layer(ids.EXPLORE_MAP, layer), "hideout")
        for layer in ids.EXPLORE_LAYERS_ALL
    ],
    [Output(MapShellIds.layer(ids.EXPLORE_MAP, layer), "url") for layer in CHECKABLE],
    Output(ids.EXPLORE_MOMENT, "children"),
    Input(ids.EXPLORE_LAYERS, "value"),
    [Input(ids.explore_opacity(layer), "value") for layer in ids.EXPLORE_LAYERS_ALL],
    [Input(ids.explore_filter(name), "value") for name in ids.EXPLORE_FILTERS],
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
    [State(MapShellIds.layer(ids.EXPLORE_MAP, layer), "url") for layer in CHECKABLE],
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


def _epoch(value) -> float | None:
    """Epoch seconds from the URL, or None when missing or unreadable."""
    try:
        at = float(value)
    except (TypeError, ValueError):
        return None
    return at if math.isfinite(at) else None


def time_view(range_key, start, end, at_s) -> timewindow.TimeView:
    svc = current_services()
    return timewindow.resolve(range_key, start, end, at_s, datetime.now(UTC), svc.settings.timezone)


def window_of(view: timewindow.TimeView) -> explore.Window:
    return explore.Window(view.since, view.until, view.at)


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
    Input(ids.EXPLORE_POLL, "n_intervals"),
    State(ids.EXPLORE_SLIDER, "value"),
    State(ids.EXPLORE_SLIDER, "max"),
    State(ids.EXPLORE_INITIAL, "data"),
)
def time_slider(range_key, start, end, _tick, value, old_max, initial):
    """The slider spans the range; it keeps its moment unless that was 'now' (live)."""
    if ctx.triggered_id is None:  # the URL's moment, if any
        at_s = _epoch((initial or {}).get("at"))
    elif ctx.triggered_id == ids.EXPLORE_POLL and value is not None and value < old_max:
        at_s = value  # looking at the past: stay there
    else:
        at_s = None  # live follows now; a new range starts at its end
    view = time_view(range_key, start, end, at_s)
    tz = current_services().settings.timezone
    lo, hi = int(view.since.timestamp()), int(view.until.timestamp())
    lo -= lo % view.step_s  # whole steps, so moments repeat and their frames are cached
    moment = int(view.at.timestamp())
    marks = {str(k): v for k, v in timewindow.slider_marks(view, tz).items()}
    keep = ctx.triggered_id == ids.EXPLORE_POLL and at_s is not None and lo <= at_s
    # a poll never moves a moment the user chose (it may have moved since the poll began)
    return lo, hi, view.step_s, marks, no_update if keep else moment, range_key != "custom"


@callback(
    Output(ids.EXPLORE_SOURCES, "data"),
    Input(ids.EXPLORE_POLL, "n_intervals"),
    State(ids.EXPLORE_SOURCES, "data"),
)
def layer_sources(_tick, previous):
    """Where each layer loads from at its data's current version; the browser adds the
    view's moment and filters (assets/explore.js). Nothing changes, nothing reloads."""
    svc = current_services()
    with svc.store.reading() as cur:
        versions = data_versions(cur)
    sources = explore_sources(versions, datetime.now(UTC).timestamp(), svc.large_city)
    if sources == previous:
        raise PreventUpdate
    return sources


def explore_sources(versions: dict, now_s: float, large_city: bool) -> dict:
    """Layer URLs without the view: containers and complaints as geobuf in a big city,
    where containers are clustered and so filtered on the server."""
    fmt = {name: "pbf" if large_city and name in ids.EXPLORE_GEOBUF_LAYERS else "geojson"
           for name in CHECKABLE}  # fmt: skip
    complaints_v = versions.get("complaints", 0)
    return {
        **{
            name: f"/api/layers/{name}.{fmt[name]}?v={layer_version(name, versions, now_s)}"
            for name in ("traffic", "waste", "zones")
        },
        "complaints": f"/api/requests.{fmt['complaints']}?v={complaints_v}",
        "hotspots": f"/api/hotspots.geojson?v={complaints_v}",
        "server_filtered": list(ids.explore_server_filtered(large_city)),
    }


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
    record = explore.feature_record(cur, "complaints", key, source or None)
    if record is None:
        return [html.P(f"Request {key} is no longer in the store.", className="c3-hint")]
    timeline = explore.complaint_timeline(cur, record["source"], key).to_pandas()
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
    notes = _agency_notes(record.get("extras"), tz)
    return [
        html.H2(record["service_name"] or "Complaint", className="c3-panel-title"),
        _details(rows),
        html.H3("Status changes"),
        html.Ol(events, className="c3-timeline"),
        *([html.H3("Notes from the agency"), html.Ol(notes, className="c3-timeline")]
          if notes else []),
    ]  # fmt: skip


def _agency_notes(extras: str | None, tz: str) -> list:
    """The Open311 `notes` a server sends with extensions=true (kept in extras), oldest
    first, as text; a note whose time cannot be read is listed without one."""
    try:
        notes = json.loads(extras or "{}").get("notes")
    except (ValueError, AttributeError):
        return []
    if isinstance(notes, dict):  # XML with a single <note>
        notes = [notes]
    items = []
    for note in notes if isinstance(notes, list) else []:
        if not isinstance(note, dict) or not note.get("summary"):
            continue
        try:
            when = datetime.fromisoformat(str(note.get("datetime")).replace("Z", "+00:00"))
            when = when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))
            label = f"{when.astimezone(ZoneInfo(tz)):%a %d %b %H:%M} — "
        except ValueError:
            when, label = datetime.max.replace(tzinfo=UTC), ""
        items.append((when, html.Li(f"{label}{note['summary']}")))
    return [li for _, li in sorted(items, key=lambda pair: pair[0])]


def zone_state(cur, zone_id: str, now: datetime, settings) -> dict:
    """The current rows of one zone that the wall's figures are computed from."""
    containers = wall.container_states(cur, now).to_pandas()
    segments = wall.segment_states(cur, now, settings.alert_congested_minutes).to_pandas()
    requests = wall.open_complaints(cur).to_pandas()
    return {
        "waste": containers[containers["zone_id"] == zone_id],
        "traffic": segments[segments["zone_id"] == zone_id],
        "complaints": requests[requests["zone_id"] == zone_id],
    }


def _midnight(now: datetime, tz: str) -> datetime:
    return now.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0, microsecond=0)


def zone_figures(cur, zone_id: str, now: datetime, settings) -> dict:
    """The wall's figures for one zone."""
    state = zone_state(cur, zone_id, now, settings)
    requests = state["complaints"]
    counts = wall.complaint_counts(cur, now, _midnight(now, settings.timezone), zone_id)
    due = kpis.due_times(requests, settings.complaint_target_h, settings.complaint_default_target_h)
    return {
        "waste": kpis.waste_figures(state["waste"]),
        "traffic": kpis.traffic_figures(state["traffic"]),
        "complaints": kpis.complaint_figures(
            requests, due, now, counts["opened_today"], counts["median_close_h"]
        ),
    }


def figure_ids(cur, zone_id: str, layer: str, metric: str, now: datetime, settings) -> list:
    """The features one zone figure counts."""
    if layer == "complaints" and metric == "opened_today":
        return explore.requests_filed_since(cur, zone_id, _midnight(now, settings.timezone), now)
    rows = zone_state(cur, zone_id, now, settings)[layer]
    if layer == "waste":
        mask = kpis.waste_members(rows)[metric]
        return rows.loc[mask, "container_id"].tolist()
    if layer == "traffic":
        mask = kpis.traffic_members(rows)[metric]
        return rows.loc[mask, "segment_id"].tolist()
    if metric == "overdue":
        due = kpis.due_times(rows, settings.complaint_target_h, settings.complaint_default_target_h)
        return rows.loc[due < now, "request_id"].tolist()
    return rows["request_id"].tolist()  # open


FIGURE_LABELS = {
    ("waste", "over_95"): "≥ 95 % full",
    ("waste", "over_80"): "≥ 80 % full",
    ("waste", "overflowing"): "Overflowing now",
    ("waste", "forecast_6h"): "Full within 6 h",
    ("waste", "reporting"): "Containers reporting",
    ("traffic", "incidents"): "At a standstill",
    ("traffic", "reporting"): "Segments reporting",
    ("complaints", "open"): "Open",
    ("complaints", "opened_today"): "New since midnight",
    ("complaints", "overdue"): "Overdue",
}


def _figure(zone_id: str, layer: str, metric: str, value: int) -> tuple[str, object]:
    """A figure as a link to the rows behind it."""
    button = html.Button(
        f"{value:,}",
        id={**ids.explore_figure(layer, metric), "zone": zone_id},
        className="c3-figure-link",
        title="List these in the table",
    )
    return FIGURE_LABELS[(layer, metric)], button


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


def zone_panel(cur, zone_id: str, now: datetime, settings) -> list:
    summary = explore.zone_summary(cur, zone_id)
    f = zone_figures(cur, zone_id, now, settings)
    w, t, c = f["waste"], f["traffic"], f["complaints"]
    index = "—" if t["index"] is None else f"{t['index']:.2f} ×"
    median = "—" if c["median_close_h"] is None else f"{c['median_close_h']:.1f} h"
    return [
        html.H2(summary["name"] if summary else zone_id, className="c3-panel-title"),
        html.Button(
            "Filter the map to this zone",
            id={"type": "explore-zone-filter", "zone": zone_id},
            className="c3-button",
        ),
        html.P("Now. Click a figure to list what it counts.", className="c3-hint"),
        html.H3("Waste"),
        _details(
            [
                _figure(zone_id, "waste", m, w[m])
                for m in ("over_95", "over_80", "overflowing", "forecast_6h", "reporting")
            ]
        ),
        html.H3("Traffic"),
        _details(
            [
                ("Congestion index", index),
                _figure(zone_id, "traffic", "incidents", t["incidents"]),
                _figure(zone_id, "traffic", "reporting", t["reporting"]),
                ("Slowest streets", ", ".join(f"{n} × {r:.2f}" for n, r in t["worst"])),
            ]
        ),
        html.H3("Complaints"),
        _details(
            [
                *[_figure(zone_id, "complaints", m, c[m]) for m in ("open", "opened_today")],
                _figure(zone_id, "complaints", "overdue", c["overdue"]),
                ("Median time to close, 7 days", median),
            ]
        ),
    ]


@callback(
    Output(ids.explore_filter("zone"), "value", allow_duplicate=True),
    Input({"type": "explore-zone-filter", "zone": ALL}, "n_clicks"),
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
    Input({"type": "explore-figure", "layer": ALL, "metric": ALL, "zone": ALL}, "n_clicks"),
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
    layer, metric, zone_id = trigger["layer"], trigger["metric"], trigger["zone"]
    with svc.store.reading() as cur:
        found = figure_ids(cur, zone_id, layer, metric, now, svc.settings)
        summary = explore.zone_summary(cur, zone_id)
    name = summary["name"] if summary else zone_id
    label = f"{FIGURE_LABELS[(layer, metric)]} in {name} ({len(found):,})"
    # the export link names the subset; the ids stay on the server
    token = hashlib.sha256(json.dumps([layer, found]).encode()).hexdigest()[:20]
    svc.cache.get_or_compute(f"subset:{token}", 0, lambda: json.dumps(found).encode())
    subset = {"layer": layer, "ids": found, "label": label, "token": token}
    return subset, layer


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
    svc, now = current_services(), datetime.now(UTC)
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
