"""The first screen, `/`: the shared city map, its legend and the feed-freshness line."""

from __future__ import annotations

import dash
from dash import dcc, html

from components import ids
from components.chrome import page_header
from components.map_shell import MapLayers, MapShell
from services.context import current_services
from services.explore_view import sees_layer
from services.layers import bounds_seen

DOMAIN_LAYERS = ("traffic", "waste", "complaints")


def layout(**_query) -> html.Div:
    svc = current_services()  # settings and the city's extent, set at start-up
    settings = svc.settings
    return html.Div(
        [
            page_header(
                "City operations",
                settings,
                "/",
                [html.Span(id=ids.HOME_CLOCK, className="c3-clock", **{"aria-live": "off"})],
            ),
            html.Main(
                MapShell(
                    ids.HOME_MAP,
                    bounds=bounds_seen(svc),
                    tz=settings.timezone,
                    tile_url=settings.basemap_tile_url,
                    # a department's map offers its own layers only
                    layers=MapLayers(unseen=tuple(d for d in DOMAIN_LAYERS if not sees_layer(d))),
                ),
                className="c3-main",
            ),
            html.Footer(
                [
                    html.Span("Feeds", className="c3-feeds-label"),
                    html.Div(
                        id=ids.HOME_FEEDS,
                        className="c3-feeds",
                        role="status",
                        **{"aria-live": "polite"},
                    ),
                ],
                className="c3-footer",
            ),
            dcc.Interval(id=ids.HOME_REFRESH, interval=settings.refresh_ms),
        ],
        className="c3-page",
    )


dash.register_page(__name__, path="/", name="City map", title="C3 · City map", layout=layout)
