"""`/collection`: the waste department's collection windows. A zone × start-time heat map
of round durations with overflow marked, each zone's best window and why, and for a
picked zone and window its routes on the shared map, their totals, and a second window
side by side. The scheduler computes the plan; this screen only reads it."""

from __future__ import annotations

import dash
from dash import dcc, html

from components import ids
from components.chrome import page_header
from components.collection_routes import route_layers, route_legend
from components.map_shell import MapLayers, MapShell
from services.context import current_services
from services.layers import bounds_seen


def layout(**_query) -> html.Div:
    """The page: status, matrix and best windows on the left; the map, the picked window's
    totals and the comparison on the right."""
    svc = current_services()
    settings = svc.settings
    return html.Div(
        [
            page_header("Collection windows", settings, "/collection"),
            html.Div(
                [
                    html.Section(
                        [
                            html.Div(id=ids.COLLECTION_STATUS, className="c3-collection-status",
                                     role="status", **{"aria-live": "polite"}),
                            dcc.Graph(id=ids.COLLECTION_MATRIX, config={"displaylogo": False},
                                      className="c3-collection-matrix",
                                      style={"display": "none"}),
                            html.H2("Best window per zone", className="c3-section-title"),
                            html.Div(id=ids.COLLECTION_BEST, className="c3-collection-best"),
                        ],
                        className="c3-collection-left",
                        **{"aria-label": "Collection windows"},
                    ),
                    html.Section(
                        [
                            MapShell(
                                ids.COLLECTION_MAP,
                                bounds=bounds_seen(svc),
                                tz=settings.timezone,
                                tile_url=settings.basemap_tile_url,
                                layers=MapLayers(
                                    only=("zones",),
                                    checked=("zones",),
                                    extra=tuple(route_layers(settings.timezone)),
                                ),
                                legend_groups=route_legend(settings.collection.vehicles),
                            ),
                            html.Div([dcc.Loading(
                                html.Div(
                                    html.P("Pick a zone and a start time in the matrix, or a "
                                           "zone's best window in the list, to see its routes.",
                                           className="c3-hint"),
                                    id=ids.COLLECTION_SUMMARY, className="c3-collection-summary",
                                    **{"aria-live": "polite"},
                                ),
                                type="dot", delay_show=300,
                            ),
                            html.Div(
                                [
                                    html.Label("Compare with", htmlFor=ids.COLLECTION_COMPARE),
                                    dcc.Dropdown(id=ids.COLLECTION_COMPARE, clearable=False,
                                                 placeholder="another start time"),
                                    html.Div(id=ids.COLLECTION_COMPARISON),
                                ],
                                className="c3-collection-compare",
                            )], className="c3-collection-details"),
                        ],
                        className="c3-collection-right",
                        **{"aria-label": "Routes of the picked window"},
                    ),
                ],
                className="c3-collection-body",
            ),
            dcc.Store(id=ids.COLLECTION_PLAN),
            dcc.Store(id=ids.COLLECTION_PICK),
            dcc.Interval(id=ids.COLLECTION_POLL, interval=settings.refresh_ms),
        ],
        className="c3-page",
    )  # fmt: skip


dash.register_page(
    __name__, path="/collection", name="Collection", title="C3 · Collection", layout=layout
)
