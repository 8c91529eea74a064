"""`/complaints`: the triage queue. New requests on a map and in a list side by side,
filters by type, zone, department and age; the selected request with the duplicates it
may be (and why) and the crews that would reach it first; open, link and assign from
the keyboard (j / k, l, a, o)."""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import dcc, html

from components import ids
from components.chrome import page_header
from components.map_shell import MapLayers, MapShell, swatches
from components.triage import PIN_LEGEND
from services.context import current_services
from services.layers import bounds_seen
from services.service_kpis import KPI_DAYS

AGES = [
    {"label": "any age", "value": 0},
    {"label": "older than 1 h", "value": 1},
    {"label": "older than 1 day", "value": 24},
    {"label": "older than 3 days", "value": 72},
]
KEYS = ("Keys: j / k next, previous · l link the best duplicate · a assign the first crew · "
        "o open an order")


def _filter(name: str, placeholder: str, **more) -> dcc.Dropdown:
    return dcc.Dropdown(id=ids.complaints_filter(name), placeholder=placeholder,
                        className="c3-complaints-filter", **more)  # fmt: skip


def layout(kpi_days: str | None = None, **_query) -> html.Div:
    """`?kpi_days=7` shows the KPIs of 7 days (the wall's window), not 28."""
    svc = current_services()
    days = int(kpi_days) if kpi_days in {str(d) for d in KPI_DAYS} else KPI_DAYS[-1]
    settings = svc.settings
    markers = dl.Overlay(dl.LayerGroup(id=ids.COMPLAINTS_MARKERS), name="New requests",
                         checked=True)  # fmt: skip
    focus = dl.Overlay(dl.LayerGroup(id=ids.COMPLAINTS_FOCUS),
                       name="Selected, duplicates, crews", checked=True)  # fmt: skip
    return html.Div(
        [
            page_header("Complaints", settings, "/complaints"),
            html.Main(
                [
                    MapShell(
                        ids.COMPLAINTS_MAP, bounds=bounds_seen(svc), tz=settings.timezone,
                        tile_url=settings.basemap_tile_url, show_layer_control=False,
                        layers=MapLayers(only=(), extra=(markers, focus)),
                        legend_groups=[swatches("Triage", PIN_LEGEND, "dot")],
                    ),  # fmt: skip
                    html.Section(
                        [
                            html.Div([
                                dcc.RadioItems(
                                    id=ids.COMPLAINTS_KPI_DAYS, value=days, inline=True,
                                    options=[{"label": f"{d} days", "value": d}
                                             for d in KPI_DAYS],
                                    className="c3-kpi-days",
                                ),
                                html.Div(id=ids.COMPLAINTS_KPIS,
                                         **{"aria-label": "Service KPIs"}),
                            ], className="c3-kpis"),  # fmt: skip
                            html.Div(
                                [_filter("service_code", "Type", multi=True),
                                 _filter("zone_id", "Zone", multi=True),
                                 _filter("department", "Department", multi=True),
                                 _filter("min_age_h", "Age", options=AGES, value=0,
                                         clearable=False)],
                                className="c3-complaints-filters",
                                role="group", **{"aria-label": "Filters"},
                            ),  # fmt: skip
                            html.Div(
                                [html.H2(id=ids.COMPLAINTS_COUNT, children="New requests"),
                                 html.Button("◀ Previous (k)", id=ids.COMPLAINTS_PREV,
                                             className="c3-btn"),
                                 html.Button("Next (j) ▶", id=ids.COMPLAINTS_NEXT,
                                             className="c3-btn"),
                                 html.Button("Open a work order (o)", id=ids.COMPLAINTS_OPEN,
                                             className="c3-btn", disabled=True)],
                                className="c3-complaints-queue-head",
                            ),  # fmt: skip
                            html.Ol(id=ids.COMPLAINTS_QUEUE, className="c3-complaints-queue",
                                    **{"aria-label": "New requests, oldest first"}),  # fmt: skip
                            html.Div(id=ids.COMPLAINTS_DETAIL, className="c3-complaints-detail",
                                     **{"aria-live": "polite"}),  # fmt: skip
                            html.P(id=ids.COMPLAINTS_STATUS, className="c3-complaints-status",
                                   role="status"),  # fmt: skip
                            html.P(KEYS, className="c3-complaints-keys"),
                        ],
                        className="c3-complaints-side",
                        **{"aria-label": "Triage"},
                    ),
                ],
                className="c3-main c3-complaints-page",
            ),
            dcc.Store(id=ids.COMPLAINTS_SELECTED),
            dcc.Store(id=ids.COMPLAINTS_CHANGED, data=0),
            dcc.Interval(id=ids.COMPLAINTS_REFRESH, interval=max(settings.refresh_ms, 5_000)),
        ],
        className="c3-page",
    )


dash.register_page(__name__, path="/complaints", name="Complaints", title="C3 · Complaints",
                   layout=layout)  # fmt: skip
