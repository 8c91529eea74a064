"""The first screen, `/`: the shared city map, its legend and the feed-freshness line."""

from __future__ import annotations

import dash
from dash import dcc, html
from flask import current_app

from layouts import ids
from layouts.map_shell import MapShell


def layout(**_query) -> html.Div:
    c3 = current_app.extensions["c3"]  # settings and the city's extent, set at start-up
    settings = c3.settings
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.Span("C3", className="c3-brand"),
                            html.Span(
                                f"City operations · {settings.city_name}", className="c3-title"
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Span(
                                "SIMULATED DATA · demo city",
                                className="c3-sim-badge",
                                title="Every feed on this screen comes from the C3 simulator",
                            )
                            if settings.is_demo
                            else None,
                            html.Span(
                                id=ids.HOME_CLOCK, className="c3-clock", **{"aria-live": "off"}
                            ),
                        ],
                        className="c3-header-right",
                    ),
                ],
                className="c3-header",
            ),
            html.Main(
                MapShell(
                    ids.HOME_MAP,
                    bounds=c3.map_bounds,
                    tz=settings.timezone,
                    tile_url=settings.basemap_tile_url,
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
