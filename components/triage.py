"""`/complaints`' widgets: the queue's entries, the request's markers on the map, and
the panel of the selected request with its duplicates and crews."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_leaflet as dl
import pandas as pd
from dash import dcc, html

from components import ids

PIN = {"new": "#1c4e80", "overdue": "#c92a2a", "selected": "#f59f00",
       "duplicate": "#862e9c", "crew": "#2f9e44"}  # fmt: skip
PIN_LEGEND = (
    (PIN["new"], "new request"), (PIN["overdue"], "overdue"), (PIN["selected"], "selected"),
    (PIN["duplicate"], "possible duplicate"), (PIN["crew"], "crew (its vehicle's position)"),
)  # fmt: skip


def age_text(hours: float) -> str:
    if hours < 1:
        return f"{max(0, round(hours * 60))} min"
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"


def when(at, tz: str) -> str:
    return pd.Timestamp(at).tz_convert(ZoneInfo(tz)).strftime("%a %d %b %H:%M")


def queue_items(queue: pd.DataFrame, selected: str | None, tz: str) -> list:
    """One button per new request: type, street or zone, age and due time."""
    items = []
    for r in queue.itertuples():
        due = ("overdue since " if r.overdue else "due ") + when(r.due_at, tz)
        items.append(html.Li(html.Button(
            [html.Span(r.service_name or r.service_code, className="c3-q-type"),
             html.Span(r.street or r.zone_id or "no place", className="c3-q-place"),
             html.Span(age_text(r.age_h), className="c3-q-age", title="age"),
             html.Span(due, className="c3-q-due" + (" c3-q-overdue" if r.overdue else ""))],
            id={"type": ids.COMPLAINTS_ROW, "key": r.key},
            className="c3-q-item" + (" c3-q-selected" if r.key == selected else ""),
            **{"aria-pressed": "true" if r.key == selected else "false"},
        )))  # fmt: skip
    return items


def pin(key: str, lon: float, lat: float, colour: str, radius: int, tip: str, **more):
    return dl.CircleMarker(center=[lat, lon], radius=radius, color="#ffffff", weight=1.5,
                           fillColor=colour, fillOpacity=0.9, children=dl.Tooltip(tip),
                           **more)  # fmt: skip


def queue_pins(queue: pd.DataFrame) -> list:
    return [
        pin(r.key, r.lon, r.lat, PIN["overdue" if r.overdue else "new"], 6,
            f"{r.service_name or r.service_code} · {age_text(r.age_h)}",
            id={"type": ids.COMPLAINTS_PIN, "key": r.key})
        for r in queue.itertuples() if pd.notna(r.lon) and pd.notna(r.lat)
    ]  # fmt: skip


def focus_pins(view: dict | None) -> list:
    """The selected request, its possible duplicates (a line to each) and the ranked crews."""
    if not view or view["request"]["lon"] is None:
        return []
    r = view["request"]
    here = [r["lat"], r["lon"]]
    found = [pin("sel", r["lon"], r["lat"], PIN["selected"], 11, "selected request")]
    for d in view["duplicates"]:
        if d.get("lon") is None:
            continue
        found.append(dl.Polyline(positions=[here, [d["lat"], d["lon"]]], color=PIN["duplicate"],
                                 dashArray="4 4", weight=2))  # fmt: skip
        found.append(pin(d["request_id"], d["lon"], d["lat"], PIN["duplicate"], 8,
                         f"possible duplicate: {d['evidence']}"))  # fmt: skip
    for crew in view["crews"] or []:
        found.append(pin(crew["crew_id"], crew["lon"], crew["lat"], PIN["crew"], 9,
                         f"{crew['name']}: {crew['travel_min']:.0f} min by road"))  # fmt: skip
    return found


def detail_panel(view: dict | None, tz: str, personal: bool) -> list:
    """The selected request: what it is, its duplicates with their evidence and a link
    button each, the crews with their ETAs and an assign button each."""
    if view is None:
        return [html.P("Choose a request in the list or on the map (or press j).",
                       className="c3-empty")]  # fmt: skip
    r = view["request"]
    key = f"{r['source']}/{r['request_id']}"  # what the buttons act on
    facts = [f"{r['service_name'] or r['service_code']}", f"filed {when(r['requested_at'], tz)}",
             r.get("street") or r.get("address") or r["zone_id"] or "no place",
             f"agency: {r['department'] or 'none given'}"]  # fmt: skip
    words = (r.get("description") or "(no description)") if personal else \
        "(the complainant's words need the personal-data permission)"  # fmt: skip
    order = view.get("order")
    covered = [] if order is None else [html.P(
        f"In work order {order['order_id']} ({order['state']}), covering "
        f"{order['requests']} request{'s' * (order['requests'] != 1)}.",
        className="c3-complaints-order"), html.Div([
            html.Label(["Why cancel it ", dcc.Input(
                id={"type": ids.COMPLAINTS_CANCEL_WHY, "for": key}, type="text",
                placeholder="opened by mistake, …", className="c3-cancel-why")]),
            html.Button("Cancel the order", id={"type": ids.COMPLAINTS_CANCEL, "for": key},
                        className="c3-btn"),
        ], className="c3-complaints-cancel")]  # fmt: skip
    return [
        html.H3(f"Request {r['request_id']}"),
        html.P(" · ".join(facts), className="c3-complaints-facts"),
        *covered,
        html.Blockquote(words, className="c3-complaints-words"),
        html.H4("Possible duplicates"),
        _duplicates(view["duplicates"], key),
        html.H4("Nearest crews by road, now"),
        _crews(view["crews"], tz, key),
    ]  # fmt: skip


def _duplicates(found: list[dict], key: str) -> html.Div:
    if not found:
        return html.P("None within the type's distance and time window.", className="c3-empty")
    return html.Ol([
        html.Li([
            html.Span(f"{d['request_id']} ({d['service_code']})", className="c3-dup-id"),
            html.Span(d["evidence"], className="c3-dup-evidence"),
            html.Span(f"order {d['order_id']}" if d["order_id"] else "no order yet",
                      className="c3-dup-order"),
            html.Button("Link (l)" if i == 0 else "Link",
                        id={"type": ids.COMPLAINTS_LINK, "for": key,
                            "key": f"{d['source']}/{d['request_id']}"},
                        className="c3-btn c3-link-btn"),
        ]) for i, d in enumerate(found)
    ], className="c3-complaints-dups")  # fmt: skip


def _crews(crews: list[dict] | None, tz: str, key: str) -> html.Div:
    if crews is None:
        return html.P("Crew ranking is not available in this process.", className="c3-empty")
    if not crews:
        return html.P("No crew on shift fixes this type.", className="c3-empty")
    return html.Ol([
        html.Li([
            html.Span(c["name"], className="c3-crew-name"),
            html.Span(f"ETA {pd.Timestamp(c['eta']).tz_convert(ZoneInfo(tz)):%H:%M} · "
                      f"{c['travel_min']:.0f} min by road"
                      + (f" after {c['queue_jobs']} job{'s' * (c['queue_jobs'] != 1)}"
                         if c["queue_jobs"] else "")
                      + f" · {c['straight_m'] / 1000:.1f} km as the crow flies",
                      className="c3-crew-eta"),
            html.Span(" (position is old)" if c["position_old"] else
                      "" if c["position"] == "feed" else f" (no position yet: {c['position']})",
                      className="c3-crew-note"),
            html.Button("Assign (a)" if i == 0 else "Assign",
                        id={"type": ids.COMPLAINTS_ASSIGN, "crew": c["crew_id"], "for": key},
                        className="c3-btn c3-assign-btn"),
        ]) for i, c in enumerate(crews)
    ], className="c3-complaints-crews")  # fmt: skip




def _rows_list(keys: list[str], limit: int = 40) -> html.Ul:
    shown = [html.Li(k) for k in keys[:limit]]
    if len(keys) > limit:
        shown.append(html.Li(f"… and {len(keys) - limit} more"))
    return html.Ul(shown or [html.Li("none")], className="c3-kpi-rows")


def _kpi(label: str, figure: dict, text: str, unit: str = "") -> html.Details:
    """A figure that opens to list the requests it counts."""
    return html.Details([
        html.Summary([html.Span(text, className="c3-kpi-value"),
                      html.Span(f"{unit} {label}".strip(), className="c3-kpi-label")]),
        _rows_list(figure["rows"]),
    ], className="c3-kpi")  # fmt: skip


def _hours(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _share(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}"


def kpi_strip(report: dict) -> list:
    """The service KPIs of the window (each opens to list its requests), the backlog by
    age, and the weekly trend of median hours and on-time share."""
    c = report["city"]
    late = sum(b["value"] for b in c["backlog"]["by_age"][2:])
    strip = html.Div([
        _kpi("resolved", c["resolved"], str(c["resolved"]["value"])),
        _kpi("median to resolve", c["median_h"], _hours(c["median_h"]["value"]), "h"),
        _kpi("mean to resolve", c["mean_h"], _hours(c["mean_h"]["value"]), "h"),
        _kpi("on time", c["on_time"], _share(c["on_time"]["value"]), "%"),
        _kpi("fixes reopened", c["reopened"], _share(c["reopened"]["value"]), "%"),
        _kpi("to first response", c["first_response_h"],
             _hours(c["first_response_h"]["value"]), "h"),
        _kpi(f"open ({late} over 3 days)", c["backlog"], str(c["backlog"]["value"])),
    ], className="c3-kpi-strip")  # fmt: skip
    weeks = html.Table([
        html.Caption("Week by week (median hours to resolve · on time)"),
        html.Tbody(html.Tr([html.Td([
            html.Div(f"{w['week_end']:%d %b}", className="c3-kpi-week"),
            html.Div(f"{_hours(w['median_h']['value'])} h · {_share(w['on_time']['value'])} %"),
        ]) for w in report["weekly"]])),
    ], className="c3-kpi-weeks")  # fmt: skip
    departments = html.Details([
        html.Summary("By department"),
        html.Table([html.Thead(html.Tr([html.Th(h) for h in (
            "Department", "Resolved", "Median h", "On time %", "Open")])),
            html.Tbody([html.Tr([html.Td(name), html.Td(f["resolved"]["value"]),
                                 html.Td(_hours(f["median_h"]["value"])),
                                 html.Td(_share(f["on_time"]["value"])),
                                 html.Td(f["backlog"]["value"])])
                        for name, f in sorted(report["by_department"].items())])],
            className="c3-table"),
    ], className="c3-kpi-departments")  # fmt: skip
    start, end = report["window"]
    return [html.H2(f"Service, last {round((end - start).total_seconds() / 86400)} days",
                    className="c3-kpi-title"), strip, weeks, departments]  # fmt: skip
