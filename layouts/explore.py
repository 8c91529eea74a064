"""`/explore`: department heads drill into layers. Layers and filters live in the URL, so a
view can be bookmarked and sent; a click on a feature opens its details and history."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import dcc, html
from flask import current_app

from layouts import ids
from layouts.chrome import page_header
from layouts.map_shell import MapShell

LAYER_OPTIONS = [
    {"label": "Road congestion", "value": "traffic"},
    {"label": "Waste containers", "value": "waste"},
    {"label": "Open complaints", "value": "complaints"},
    {"label": "Zones", "value": "zones"},
]
DEFAULT_LAYERS = ("traffic", "waste", "complaints")
TABLE_OPTIONS = [
    {"label": "Containers", "value": "waste"},
    {"label": "Road segments", "value": "traffic"},
    {"label": "Complaints", "value": "complaints"},
]
FILTER_LABELS = {  # name: (label, what "nothing selected" means)
    "zone": ("Zone", "All zones"),
    "waste_type": ("Waste type", "All waste types"),
    "road_class": ("Road class", "All road classes"),
    "service": ("Complaint type", "All complaint types"),
}


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def layout(layers: str | None = None, **query) -> html.Div:
    c3 = current_app.extensions["c3"]  # settings and the city's extent, set at start-up
    settings = c3.settings
    shown = (
        tuple(v for v in _split(layers) if v in {o["value"] for o in LAYER_OPTIONS})
        if layers is not None
        else DEFAULT_LAYERS
    )
    filters = [
        html.Div(
            [
                html.Label(label, htmlFor=ids.explore_filter(name), className="c3-control-label"),
                dcc.Dropdown(
                    id=ids.explore_filter(name), multi=True, placeholder=placeholder, options=[]
                ),
            ],
            className="c3-control",
        )
        for name, (label, placeholder) in FILTER_LABELS.items()
    ]
    return html.Div(
        [
            dcc.Location(id=ids.EXPLORE_URL, refresh=False),
            # the filters the URL asked for, applied once the choices have loaded
            dcc.Store(
                id=ids.EXPLORE_INITIAL,
                data={name: _split(query.get(name)) for name in FILTER_LABELS},
            ),
            dcc.Interval(id=ids.EXPLORE_POLL, interval=settings.refresh_ms),
            page_header("Explore", settings, "/explore"),
            html.Div(
                [
                    html.Aside(
                        [
                            html.H2("Layers", className="c3-side-title"),
                            dcc.Checklist(
                                id=ids.EXPLORE_LAYERS,
                                options=LAYER_OPTIONS,
                                value=list(shown),
                                className="c3-layer-list",
                            ),
                            html.H2("Filters", className="c3-side-title"),
                            *filters,
                            html.P(
                                "The address bar keeps this view: bookmark it or send it.",
                                className="c3-hint",
                            ),
                        ],
                        className="c3-explore-controls",
                    ),
                    html.Main(
                        [
                            MapShell(
                                ids.EXPLORE_MAP,
                                bounds=c3.map_bounds,
                                tz=settings.timezone,
                                tile_url=settings.basemap_tile_url,
                                show_layer_control=False,
                                selectable=True,
                                checked=shown,
                                filters={
                                    layer: {f: _split(query.get(f)) for f in wanted}
                                    for layer, wanted in ids.EXPLORE_LAYER_FILTERS.items()
                                },
                            ),
                            html.Section(
                                [
                                    html.Div(
                                        [
                                            dcc.RadioItems(
                                                id=ids.EXPLORE_TABLE_LAYER,
                                                options=TABLE_OPTIONS,
                                                value="waste",
                                                inline=True,
                                                className="c3-table-choice",
                                            ),
                                            html.Span(
                                                id=ids.EXPLORE_TABLE_COUNT,
                                                className="c3-table-count",
                                            ),
                                            html.Button(
                                                "Export CSV",
                                                id=ids.EXPLORE_EXPORT,
                                                className="c3-button",
                                            ),
                                        ],
                                        className="c3-table-bar",
                                    ),
                                    dag.AgGrid(
                                        id=ids.EXPLORE_TABLE,
                                        rowData=[],
                                        columnDefs=[],
                                        defaultColDef={
                                            "sortable": True,
                                            "filter": True,
                                            "resizable": True,
                                        },
                                        dashGridOptions={"animateRows": False},
                                        style={"height": "100%"},
                                        className="ag-theme-alpine",
                                    ),
                                ],
                                className="c3-explore-table",
                                **{"aria-label": "Rows behind the map"},
                            ),
                        ],
                        className="c3-explore-map",
                    ),
                    html.Aside(
                        html.P(
                            "Click a container, a road segment or a complaint to see its "
                            "details and history.",
                            className="c3-hint",
                        ),
                        id=ids.EXPLORE_PANEL,
                        className="c3-explore-panel",
                        **{"aria-live": "polite"},
                    ),
                ],
                className="c3-explore-body",
            ),
        ],
        className="c3-page",
    )


dash.register_page(__name__, path="/explore", name="Explore", title="C3 · Explore", layout=layout)
