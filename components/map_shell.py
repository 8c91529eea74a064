"""The shared map shell (DESIGN §7): offline basemap, zones and the three domain layers.

An All-in-One component: every screen that shows the city uses it. Layers are GeoJSON
served by URL and styled in the browser (assets/map.js) through `hideout`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dash_leaflet as dl
from dash import html
from dash_extensions.javascript import Namespace

from analytics.signals import RULES
from components.ids import MapShellIds
from services.legends import CONGESTION_LEGEND, FILL_LEGEND

js = Namespace("c3", "map")

# (layer key, label in the layer control, shown at start, browser-side styling)
OVERLAYS = (
    ("zones", "Zones", False, {"style": js("zoneStyle"), "onEachFeature": js("zoneLabel")}),
    (
        "traffic",
        "Road congestion",
        True,
        {"style": js("segmentStyle"), "onEachFeature": js("segmentPopup")},
    ),
    (
        "waste",
        "Waste containers (fill level)",
        True,
        {"pointToLayer": js("containerMarker"), "onEachFeature": js("containerPopup")},
    ),
    (
        "complaints",
        "Open complaints",
        True,
        {"pointToLayer": js("complaintMarker"), "onEachFeature": js("complaintPopup")},
    ),
)
# Where the server does not cluster the complaints (/ and /wall: the open ones only), the
# browser does (supercluster's radius is in 512ths of a tile: 45 gathers within 22 px).
BROWSER_CLUSTERING = {
    "complaints": {
        "cluster": True,
        "zoomToBoundsOnClick": True,
        "superClusterOptions": {"radius": 45, "maxZoom": 17},
        "clusterToLayer": js("complaintCluster"),
    }
}

# Explore only: complaints aggregated into H3 cells, shaded by count, numbers on hover.
HOTSPOTS = (
    "hotspots",
    "Complaint hotspots (H3)",
    False,
    {"style": js("hotspotStyle"), "onEachFeature": js("hotspotTooltip")},
)

# Explore only: the cross-domain signals now (services/signals.py), a shape per rule.
SIGNALS = (
    "signals",
    "Cross-domain signals",
    False,
    {"pointToLayer": js("signalMarker"), "onEachFeature": js("signalPopup")},
)

# Each layer draws in its own pane, so a layer redrawn (new filter, new moment) stays at
# its depth instead of landing on top: basemap < zones < hotspots < roads < points.
PANES = {"basemap": 250, "zones": 350, "hotspots": 370, "traffic": 390}


def pane(layer: str) -> str:
    return f"c3-{layer}"


def swatches(title: str, items, shape: str) -> html.Div:
    return html.Div(
        [html.Div(title, className="c3-legend-title")]
        + [
            html.Div(
                [
                    html.Span(
                        className=f"c3-swatch c3-swatch-{shape}", style={"background": colour}
                    ),
                    label,
                ],
                className="c3-legend-row",
            )
            for colour, label in items
        ],
        className="c3-legend-group",
    )


# Collection routes, one colour per truck (Okabe-Ito: distinct for colour-blind readers too)
VEHICLE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def vehicle_colour(vehicle: int) -> str:
    return VEHICLE_COLOURS[(vehicle - 1) % len(VEHICLE_COLOURS)]


HOTSPOT_LEGEND = (  # share of the busiest cell's count (assets/map.js hotspotStyle)
    ("#fde0c5", "a few"),
    ("#f59e6c", "more"),
    ("#e34a33", "many"),
    ("#8c1d13", "most (busiest cell)"),
)


def domain_legend(
    hotspots: bool = False, clustered_waste: bool = False, unseen: tuple[str, ...] = ()
) -> list:
    """The legend groups of the three domain layers (but those `unseen`: another
    department's)."""
    cluster_row = html.Div(
        [html.Span("9", className="c3-swatch-cluster c3-swatch-cluster-waste"), "cluster (count)"],
        className="c3-legend-row",
    )
    fill = swatches("Waste container fill", FILL_LEGEND, "dot")
    if clustered_waste:
        fill.children.append(cluster_row)
    groups = [
        ("waste", fill),
        ("traffic", swatches("Travel time vs free flow", CONGESTION_LEGEND, "line")),
        ("complaints", html.Div(
            [
                html.Div(
                    "Complaints" if hotspots else "Open complaints", className="c3-legend-title"
                ),
                html.Div(
                    [html.Span("12", className="c3-swatch-cluster"), "cluster (count)"],
                    className="c3-legend-row",
                ),
                html.Div(
                    [html.Span(className="c3-swatch c3-complaint-swatch"), "one request"],
                    className="c3-legend-row",
                ),
                *(
                    [
                        html.Div(
                            [
                                html.Span(className="c3-swatch c3-complaint-swatch-closed"),
                                "closed by that moment",
                            ],
                            className="c3-legend-row",
                        )
                    ]
                    if hotspots  # explore: complaints over a time range
                    else []
                ),
            ],
            className="c3-legend-group",
        )),
        *([("complaints", swatches("Complaint hotspots", HOTSPOT_LEGEND, "dot"))]
          if hotspots else []),
    ]  # fmt: skip
    return [group for domain, group in groups if domain not in unseen]


def signals_legend() -> html.Div:
    """The signals' shapes, one per rule (assets/c3.css `c3-signal-<rule>`)."""
    return html.Div(
        [html.Div("Cross-domain signals (now)", className="c3-legend-title")]
        + [
            html.Div(
                [html.Span(html.Span(className=f"c3-signal-mark c3-signal-{rule}"),
                           className="c3-signal c3-signal-swatch"), label],
                className="c3-legend-row",
            )
            for rule, label in RULES.items()
        ],
        className="c3-legend-group",
    )


def legend(aio_id: str, groups: list) -> html.Div:
    return html.Div(
        groups,
        id=MapShellIds.legend(aio_id),
        className="c3-legend",
        role="region",
        **{"aria-label": "Map legend"},
    )


def _basemap(aio_id: str, hideout: dict, tile_url: str, attribution: str) -> list:
    base = [
        dl.GeoJSON(
            url="/api/basemap.geojson",
            style=js("basemapStyle"),
            filter=js("basemapFilter"),
            hideout=hideout,
            interactive=False,
            attribution=attribution,
            pane=pane("basemap"),
            id=MapShellIds.layer(aio_id, "basemap"),
        )
    ]
    if tile_url:
        base.insert(0, dl.TileLayer(url=tile_url, attribution=attribution))
    return base


def _overlay(
    aio_id: str,
    layer: str,
    name: str,
    checked: bool,
    styling: dict,
    hideout: dict,
    server_clustered: bool,
    selectable: bool,
) -> dl.Overlay:
    return dl.Overlay(
        dl.GeoJSON(
            id=MapShellIds.layer(aio_id, layer),
            **({"pane": pane(layer)} if layer in PANES else {}),
            # the view from the start, so the first load is drawn as it will stay
            hideout=hideout,
            **styling,
            **({} if server_clustered else BROWSER_CLUSTERING.get(layer, {})),
            **(
                {"filter": js("featureFilter"), "eventHandlers": {"click": js("featureClick")}}
                if selectable
                else {}
            ),
        ),
        name=name,
        checked=checked,
        id=MapShellIds.overlay(aio_id, layer),
    )


def _placement(bounds: tuple[float, float, float, float], view) -> dict:
    """Open at `view` (lat, lon, zoom), else fit the city to the screen."""
    if view:
        return {"center": [view[0], view[1]], "zoom": view[2]}
    return {
        # dash-leaflet needs center/zoom; `viewport` then fits the city to the screen
        "center": [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        "zoom": 15,
        "viewport": {
            "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
            "transition": "fitBounds",
        },
    }


def _leaflet_map(aio_id: str, bounds, view, base: list, overlays: list, unlisted: list) -> dl.Map:
    return dl.Map(
        [
            *[dl.Pane(name=pane(layer), style={"zIndex": z}) for layer, z in PANES.items()],
            *base,
            *unlisted,
            # `overlays` starts as the checked names: dash-leaflet filters it
            dl.LayersControl(
                overlays,
                collapsed=False,
                position="topright",
                overlays=[o.name for o in overlays if o.checked],
                id=MapShellIds.layers_control(aio_id),
            ),
            dl.ScaleControl(position="bottomleft", imperial=False),
        ],
        **_placement(bounds, view),
        maxBounds=[
            [bounds[1] - 0.02, bounds[0] - 0.04],
            [bounds[3] + 0.02, bounds[2] + 0.04],
        ],
        minZoom=12,
        maxZoom=19,
        preferCanvas=True,
        zoomSnap=0.5,
        keyboard=True,
        id=MapShellIds.map(aio_id),
        className="c3-map",
    )


@dataclass(frozen=True)
class MapLayers:
    """Which layers a map shell carries and how they load.

    `only` keeps just those domain layers; `checked` are shown at start (default: each
    layer's own); `hideouts` adds to each layer's hideout (filters, opacity, moment: see
    assets/explore.js); `hotspots` adds the H3 complaint layer, `signals` the
    cross-domain signals; the points of the layers
    in `server_clustered` arrive clustered for the map's view (assets/clusters.js sets
    their data), where the browser clusters the complaints otherwise; `selectable`
    reports clicks on features (and zooms into a server's cluster clicked);
    `extra` adds a screen's own overlays;
    `unseen` layers (another department's) stay on the map, empty, for the screen's
    callbacks, but neither the layer control nor the legend offers them."""

    only: tuple[str, ...] | None = None
    checked: tuple[str, ...] | None = None
    hideouts: dict[str, dict] = field(default_factory=dict)
    hotspots: bool = False
    signals: bool = False
    server_clustered: tuple[str, ...] = ()
    selectable: bool = False
    extra: tuple = ()
    unseen: tuple[str, ...] = ()


def _overlays(aio_id: str, hideout: dict, spec: MapLayers) -> list:
    return [
        _overlay(
            aio_id,
            layer,
            name,
            shown if spec.checked is None else layer in spec.checked,
            styling,
            {**hideout, "filter": {}, **spec.hideouts.get(layer, {})},
            server_clustered=layer in spec.server_clustered,
            selectable=spec.selectable,
        )
        for layer, name, shown, styling in OVERLAYS
        + ((HOTSPOTS,) if spec.hotspots else ()) + ((SIGNALS,) if spec.signals else ())
        if (spec.only is None or layer in spec.only) and layer not in spec.unseen
    ] + list(spec.extra)


def _unseen_layers(aio_id: str, spec: MapLayers) -> list:
    """Another department's layers: on the map (their URL outputs exist), never filled."""
    return [dl.GeoJSON(id=MapShellIds.layer(aio_id, layer)) for layer in spec.unseen]


class MapShell(html.Div):
    """The city map with its layers, layer control and legend."""

    ids = MapShellIds

    def __init__(
        self,
        aio_id: str,
        bounds: tuple[float, float, float, float],
        tz: str,
        tile_url: str = "",
        theme: str = "light",
        show_layer_control: bool = True,
        view: tuple[float, float, float] | None = None,
        layers: MapLayers = MapLayers(),  # noqa: B008 (frozen: one shared default is safe)
        legend_groups: list | None = None,
        attribution: str = "© OpenStreetMap contributors (ODbL)",
    ):
        """`view` (lat, lon, zoom) opens the map there instead of fitting the city;
        `layers` says which layers it carries and how they load; `legend_groups`
        replaces the legend's content."""
        hideout = {"tz": tz, "theme": theme}
        base = _basemap(
            aio_id, {**hideout, **layers.hideouts.get("basemap", {})}, tile_url, attribution
        )
        overlays = _overlays(aio_id, hideout, layers)
        groups = domain_legend(layers.hotspots, "waste" in layers.server_clustered, layers.unseen)
        super().__init__(
            [
                _leaflet_map(aio_id, bounds, view, base, overlays, _unseen_layers(aio_id, layers)),
                legend(aio_id, groups if legend_groups is None else legend_groups),
            ],
            className=f"c3-map-shell c3-map-{theme}"
            + ("" if show_layer_control else " c3-no-layer-control"),
        )
