"""`/wall`: the control-room kiosk — dark, no chrome, large type, the shared map, tiles,
alerts and scenes. The URL alone configures a wall: ?scene=traffic pins a scene,
?rotate=30 rotates every 30 s, ?kiosk=0 lets a click on an alert pan the map."""

from __future__ import annotations

import dash
from dash import dcc, html

from components import ids
from components.map_shell import MapShell
from config import Settings
from services.context import Services, current_services

TILE_TITLES = {"waste": "Waste", "traffic": "Traffic", "complaints": "Complaints", "feeds": "Feeds",
               "outcomes": "Outcomes of the week"}


def _int(value, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def layout(scene: str | None = None, rotate: str | None = None, kiosk: str = "1", **_query):
    svc = current_services()  # settings and the city's extent, set at start-up
    settings = svc.settings
    scenes = [s.model_dump() for s in settings.wall_scenes]
    names = [s["name"] for s in scenes]
    pinned = scene if scene in names else None
    rotate_s = _int(rotate, settings.wall_rotate_s)
    kiosk_mode = kiosk not in ("0", "false", "no")
    return html.Div(
        [
            dcc.Store(
                id=ids.WALL_SCENES,
                data={
                    "scenes": scenes,
                    "pinned": pinned,
                    "bounds": list(svc.map_bounds),
                    "kiosk": kiosk_mode,
                },
            ),
            dcc.Store(id=ids.WALL_SCENE_INDEX, data=names.index(pinned) if pinned else 0),
            dcc.Interval(
                id=ids.WALL_ROTATE,
                interval=max(rotate_s, 5) * 1000,
                disabled=bool(pinned) or rotate_s == 0,
            ),
            dcc.Interval(id=ids.WALL_POLL, interval=settings.refresh_ms),
            *[dcc.Store(id=ids.wall_token(d)) for d in ids.WALL_DOMAINS],
            *[dcc.Store(id=ids.wall_alerts(d), data=[]) for d in ids.WALL_DOMAINS],
            _header(settings),
            html.Div([_map(svc), _tiles()], className="c3-wall-body"),
            _alerts_footer(),
        ],
        id=ids.WALL_ROOT,
        className="c3-wall" + (" c3-kiosk" if kiosk_mode else ""),
        **{"data-kiosk": "1" if kiosk_mode else "0"},
    )


def _header(settings: Settings) -> html.Header:
    return html.Header(
        [
            html.Span("C3", className="c3-brand"),
            html.Span(settings.city_name, className="c3-wall-city"),
            html.Span(id=ids.WALL_SCENE_TITLE, className="c3-wall-scene"),
            html.Span("SIMULATED DATA", className="c3-sim-badge") if settings.is_demo else None,
            html.Span(
                id="wall-connection",
                className="c3-wall-connection",
                role="status",
                **{"aria-live": "assertive"},
            ),
            html.Span(
                id=ids.WALL_CLOCK, className="c3-wall-clock", **{"data-tz": settings.timezone}
            ),
        ],
        className="c3-wall-header",
    )


def _map(svc: Services) -> html.Div:
    return html.Div(
        MapShell(
            ids.WALL_MAP,
            bounds=svc.map_bounds,
            tz=svc.settings.timezone,
            tile_url=svc.settings.basemap_tile_url,
            theme="dark",
            show_layer_control=False,
        ),
        className="c3-wall-map",
    )


def _tiles() -> html.Div:
    return html.Div(
        [
            html.Section(
                [
                    html.H2(title, className="c3-tile-title"),
                    html.Div("…", className="c3-tile-loading"),
                ],
                id=ids.wall_tile(domain),
                className=f"c3-tile c3-tile-{domain} c3-level-none",
                **{"aria-label": title},
            )
            for domain, title in TILE_TITLES.items()
        ],
        id=ids.WALL_TILES,
        className="c3-wall-tiles",
    )


def _alerts_footer() -> html.Footer:
    return html.Footer(
        [
            html.Span("Alerts", className="c3-wall-alerts-label"),
            html.Ol(id=ids.WALL_ALERT_LIST, className="c3-wall-alerts", **{"aria-live": "polite"}),
        ],
        className="c3-wall-footer",
    )


dash.register_page(__name__, path="/wall", name="Wall", title="C3 · Wall", layout=layout)
