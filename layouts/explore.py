"""`/explore`: department heads drill into layers. Layers, opacity, filters, time and the
map view live in the URL, so a view can be bookmarked and sent; a click on a feature
opens its details and history; every figure lists the rows behind it."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import dcc, html

from components import ids
from components.chrome import page_header
from components.map_shell import MapLayers, MapShell, domain_legend, signals_legend
from services.context import current_services
from services.explore_url import ExploreUrl, read_url, split
from services.explore_view import (
    TIMED_LAYERS,
    clustered,
    sees_filter,
    sees_layer,
    server_filtered,
)
from services.layers import bounds_seen
from store.explore_filters import FILTERS, LAYER_FILTERS

LAYER_OPTIONS = [
    {"label": "Road congestion", "value": "traffic"},
    {"label": "Waste containers", "value": "waste"},
    {"label": "Complaints (points)", "value": "complaints"},
    {"label": "Complaint hotspots (H3)", "value": "hotspots"},
    {"label": "Cross-domain signals", "value": "signals"},
    {"label": "Zones", "value": "zones"},
    {"label": "Basemap", "value": "basemap"},
]
DEFAULT_LAYERS = ("traffic", "waste", "complaints", "basemap")
# a big city: tens of thousands of complaint points read better as hotspots
DEFAULT_LAYERS_LARGE = ("traffic", "waste", "hotspots", "basemap")
TABLE_OPTIONS = [
    {"label": "Containers", "value": "waste"},
    {"label": "Road segments", "value": "traffic"},
    {"label": "Complaints", "value": "complaints"},
]
FILTER_LABELS = {  # filter: (label, what "nothing selected" means)
    "zone": ("Zone", "All zones"),
    "waste_type": ("Waste type", "All waste types"),
    "road_class": ("Road class", "All road classes"),
    "service": ("Complaint type", "All complaint types"),
    "status": ("Complaint status", "Open and closed"),
}
RANGE_OPTIONS = [
    {"label": "24 h", "value": "24h"},
    {"label": "7 days", "value": "7d"},
    {"label": "30 days", "value": "30d"},
    {"label": "Custom", "value": "custom"},
]
# The names assets/explore.js works with (the page holds them in a store): the layers and
# the overlays in the order of the clientside view's arguments, the filters in the order
# of its inputs, which filters narrow which layer, the layers whose URL carries the view's
# time, the layers the server filters in any city (until the sources say which), and the
# layers' component ids (a clustered layer's data is set by assets/clusters.js).
BROWSER_NAMES = {
    "layers": list(ids.EXPLORE_LAYERS_ALL),
    "overlays": list(ids.EXPLORE_OVERLAYS),
    "filters": list(FILTERS),
    "layer_filters": {layer: list(names) for layer, names in LAYER_FILTERS.items()},
    "timed": list(TIMED_LAYERS),
    "server_filtered": list(server_filtered(large_city=False)),
    "layer_ids": {layer: ids.MapShellIds.layer(ids.EXPLORE_MAP, layer)
                  for layer in ids.EXPLORE_OVERLAYS},  # fmt: skip
}


def initial_hideouts(
    shown: tuple[str, ...], url: ExploreUrl, query: dict, tz: str, large_city: bool
) -> dict[str, dict]:
    """Each layer's hideout as assets/explore.js `view` computes it for this URL, so the
    first draw is the final one (a changed hideout redraws the whole layer)."""
    on_server = server_filtered(large_city)
    return {
        layer: {
            "tz": tz,
            "theme": "light",
            "filter": {}
            if layer in on_server
            else {f: split(query.get(f)) for f in LAYER_FILTERS.get(layer, ())},
            "opacity": url.opacity.get(layer, 1),
            "at": url.at,
            "status": split(query.get("status")),
            "show": layer in shown,
        }
        for layer in ids.EXPLORE_LAYERS_ALL
    }


def _layer_controls(shown: tuple[str, ...], opacity: dict[str, float]) -> html.Div:
    return html.Div(
        [
            dcc.Checklist(
                id=ids.EXPLORE_LAYERS,
                options=[o for o in LAYER_OPTIONS if sees_layer(o["value"])],
                value=list(shown),
                className="c3-layer-list",
            ),
            html.Details(
                [
                    html.Summary("Opacity"),
                    *[
                        html.Div(
                            [
                                html.Label(
                                    o["label"],
                                    htmlFor=ids.explore_opacity(o["value"]),
                                    className="c3-opacity-label",
                                ),
                                dcc.Slider(
                                    id=ids.explore_opacity(o["value"]),
                                    min=0.1,
                                    max=1,
                                    step=0.1,
                                    value=opacity.get(o["value"], 1.0),
                                    marks=None,
                                    allow_direct_input=False,
                                    className="c3-opacity-slider",
                                ),
                            ],
                            className="c3-opacity-row",
                        )
                        for o in LAYER_OPTIONS
                    ],
                ],
                className="c3-opacity",
                open=bool(opacity),
            ),
        ]
    )


def _time_bar() -> html.Section:
    return html.Section(
        [
            html.Button(
                "▶ Play",
                id=ids.EXPLORE_PLAY,
                className="c3-button c3-play",
                title="Play the range (Space when focused)",
            ),
            html.Div(
                dcc.Slider(
                    id=ids.EXPLORE_SLIDER,
                    min=0,
                    max=ids.EXPLORE_SLIDER_UNSET_MAX,
                    step=1,
                    value=1,
                    updatemode="mouseup",
                    included=False,
                    allow_direct_input=False,
                    className="c3-time-slider",
                ),
                className="c3-time-track",
            ),
            html.Output(
                id=ids.EXPLORE_MOMENT,
                className="c3-moment",
                htmlFor=ids.EXPLORE_SLIDER,
                **{"aria-live": "polite"},
            ),
            dcc.Interval(id=ids.EXPLORE_PLAY_TICK, interval=900, disabled=True),
        ],
        className="c3-time-bar",
        **{"aria-label": "Time slider: every layer shows this moment"},
    )


def _table() -> html.Section:
    # a department lists its own department's rows only
    tables = [o for o in TABLE_OPTIONS if sees_layer(o["value"])] or TABLE_OPTIONS
    return html.Section(
        [
            html.Div(
                [
                    dcc.RadioItems(
                        id=ids.EXPLORE_TABLE_LAYER,
                        options=tables,
                        value=tables[0]["value"],
                        inline=True,
                        className="c3-table-choice",
                    ),
                    html.Div(
                        [
                            html.Span(id=ids.EXPLORE_SUBSET_BAR),
                            html.Button(
                                "Show all",
                                id=ids.EXPLORE_SUBSET_CLEAR,
                                className="c3-button c3-link-button",
                            ),
                        ],
                        className="c3-subset",
                        hidden=True,
                        id=ids.EXPLORE_SUBSET_BOX,
                    ),
                    html.Span(id=ids.EXPLORE_TABLE_COUNT, className="c3-table-count"),
                    html.A(
                        "Export CSV",
                        id=ids.EXPLORE_EXPORT,
                        download="",
                        className="c3-button",
                        title="Every row the table lists, times in the city's zone (ISO 8601)",
                    ),
                ],
                className="c3-table-bar",
            ),
            dcc.Store(id=ids.EXPLORE_TABLE_QUERY),
            dcc.Store(id=ids.EXPLORE_TABLE_PURGED),
            dag.AgGrid(
                id=ids.EXPLORE_TABLE,
                # rows load in blocks as the table scrolls; sorting and filtering run in DuckDB
                rowModelType="infinite",
                columnDefs=[],
                defaultColDef={
                    "sortable": True,
                    "filter": True,
                    "resizable": True,
                    "flex": 1,  # columns share the width at any size (4K type is larger)
                    "minWidth": 120,
                    "filterParams": {"maxNumConditions": 1, "buttons": ["reset"]},
                },
                dashGridOptions={
                    "animateRows": False,
                    "cacheBlockSize": 100,
                    "maxBlocksInCache": 50,
                },
                style={"height": "100%"},
                className="ag-theme-alpine",
            ),
        ],
        className="c3-explore-table",
        **{"aria-label": "Rows behind the map"},
    )


def _filters() -> list[html.Div]:
    """A multi-select per filter; its choices load from the data (callbacks/explore.py)."""
    controls = []
    for name in FILTERS:
        label, placeholder = FILTER_LABELS[name]
        controls.append(
            html.Div(
                [
                    html.Label(
                        label, htmlFor=ids.explore_filter(name), className="c3-control-label"
                    ),
                    dcc.Dropdown(
                        id=ids.explore_filter(name), multi=True, placeholder=placeholder, options=[]
                    ),
                ],
                className="c3-control",
                hidden=not sees_filter(name),  # another department's: no choices either
            )
        )
    return controls


def _controls(shown: tuple[str, ...], url: ExploreUrl) -> html.Aside:
    """The left column: what the URL asked for that could not be shown as asked, layers
    and their opacity, the time range, the filters."""
    return html.Aside(
        [
            html.P("; ".join(url.notices), className="c3-url-notice", role="status")
            if url.notices
            else None,
            html.H2("Layers", className="c3-side-title"),
            _layer_controls(shown, url.opacity),
            html.H2("Time", className="c3-side-title"),
            dcc.RadioItems(
                id=ids.EXPLORE_RANGE,
                options=RANGE_OPTIONS,
                value=url.range_key,
                inline=True,
                className="c3-range",
            ),
            dcc.DatePickerRange(
                id=ids.EXPLORE_DATES,
                start_date=url.start,
                end_date=url.end,
                display_format="YYYY-MM-DD",
                first_day_of_week=1,
                className="c3-dates",
            ),
            html.H2("Filters", className="c3-side-title"),
            *_filters(),
            html.P(
                "The address bar keeps this view: bookmark it or send it.",
                className="c3-hint",
            ),
        ],
        className="c3-explore-controls",
    )


def _map(svc, shown: tuple[str, ...], url: ExploreUrl, query: dict) -> html.Main:
    """The middle column: the map as the URL asked for it, the time bar, the table."""
    settings = svc.settings
    return html.Main(
        [
            MapShell(
                ids.EXPLORE_MAP,
                bounds=bounds_seen(svc),
                tz=settings.timezone,
                tile_url=settings.basemap_tile_url,
                show_layer_control=False,
                view=url.view,
                layers=MapLayers(
                    checked=shown,
                    hideouts=initial_hideouts(shown, url, query, settings.timezone, svc.large_city),
                    hotspots=True,
                    signals=True,
                    server_clustered=clustered(svc.large_city),
                    selectable=True,
                ),
                # a department's legend explains its own layers only
                legend_groups=domain_legend(True, svc.large_city, tuple(
                    d for d in ("waste", "traffic", "complaints") if not sees_layer(d)))
                + ([signals_legend()] if sees_layer("signals") else []),
            ),
            _time_bar(),
            _table(),
        ],
        className="c3-explore-map",
    )


def _stores(query: dict, at: int | None, refresh_ms: int) -> list:
    """The page's state that is not on screen, and its poll."""
    return [
        # the filters and moment the URL asked for, applied once the choices have loaded
        dcc.Store(
            id=ids.EXPLORE_INITIAL,
            data={**{name: split(query.get(name)) for name in FILTERS}, "at": at},
        ),
        dcc.Store(id=ids.EXPLORE_NAMES, data=BROWSER_NAMES),
        dcc.Store(id=ids.EXPLORE_SUBSET, data=None),
        dcc.Store(id=ids.EXPLORE_SOURCES, data=None),
        dcc.Interval(id=ids.EXPLORE_POLL, interval=refresh_ms),
        dcc.Store(id=ids.EXPLORE_TICK, data=None),
    ]


def layout(layers: str | None = None, **query) -> html.Div:
    """The page as its URL asks for it (`layers`, and `op`, the filters, time and `view`);
    a value out of its range is clamped or ignored, and the page says so."""
    svc = current_services()  # settings and the city's extent, set at start-up
    known = {o["value"] for o in LAYER_OPTIONS}
    default = DEFAULT_LAYERS_LARGE if svc.large_city else DEFAULT_LAYERS
    shown = tuple(v for v in split(layers) if v in known) if layers is not None else default
    shown = tuple(v for v in shown if sees_layer(v))  # a department: its own layers
    url = read_url(query, bounds_seen(svc), svc.settings.timezone)
    panel = html.Aside(
        html.P(
            "Click a zone for its figures, or a container, a road segment or "
            "a complaint for its details and history.",
            className="c3-hint",
        ),
        id=ids.EXPLORE_PANEL,
        className="c3-explore-panel",
        **{"aria-live": "polite"},
    )
    return html.Div(
        [
            *_stores(query, url.at, svc.settings.refresh_ms),
            page_header("Explore", svc.settings, "/explore"),
            html.Div(
                [_controls(shown, url), _map(svc, shown, url, query), panel],
                className="c3-explore-body",
            ),
        ],
        className="c3-page",
    )


dash.register_page(__name__, path="/explore", name="Explore", title="C3 · Explore", layout=layout)
