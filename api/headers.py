"""The security headers on every response C3 sends (pages, Dash's JSON, /api, assets,
errors), and the session cookie's flags. docs/security.md says what each is for.

The Content-Security-Policy allows scripts from C3 itself and, inline, only Dash's own
(its renderer bootstrap, its pages' title callback and the clientside callbacks written
as strings), by their sha256: no 'unsafe-inline' and no 'unsafe-eval' for scripts, on
every screen. Styles may be inline: React, Leaflet, Plotly and AG Grid set style
attributes and AG Grid writes its theme as a <style> element. /wall alone of the screens
may be framed, and only by `wall_frame_origins`; the public pulse (/pulse, when a city
publishes it) by `open_data.pulse_frame_origins`, or by any site when none is listed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from flask import Flask, Response, request

from config import Settings
from services.context import current_services

HSTS_MAX_AGE_S = 365 * 24 * 3600  # a year: browsers keep to https for as long
FRAMEABLE = "/wall"  # the one page another site may show in a frame
PULSE = "/pulse"  # the public pulse: any site may frame it, unless the city lists which


def tile_source(template: str) -> str | None:
    """The CSP source of a raster tile URL template: 'https://*.tile.example.org' for
    'https://{s}.tile.example.org/{z}/{x}/{y}.png'; the scheme alone ('https:') when a
    placeholder is elsewhere in the host; None for no template."""
    if not template:
        return None
    parts = urlsplit(template)
    scheme = parts.scheme or "https"
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host:
        first, _, rest = host.partition(".")
        if "{" in rest or not rest:
            return f"{scheme}:"
        host = f"*.{rest}"
    return f"{scheme}://{host}"


def is_https(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def content_security_policy(settings: Settings, script_hashes: Sequence[str], path: str) -> str:
    """The policy of a response to `path`."""
    images = ["'self'", "data:"]  # AG Grid's icons, Plotly's heatmaps, the reports' pictures
    if tile := tile_source(settings.basemap_tile_url):
        images.append(tile)
    framers = ["'none'"]
    if path.rstrip("/") == FRAMEABLE and settings.wall_frame_origins:
        framers = list(settings.wall_frame_origins)
    elif path == PULSE and settings.open_data.pulse:  # a widget for any site; "/pulse/" is
        # Dash's catch-all (the operators' app), which no other site may frame
        framers = list(settings.open_data.pulse_frame_origins) or ["*"]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": framers,
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(settings: Settings, script_hashes: Sequence[str], path: str) -> dict:
    """Every security header of a response to `path`."""
    policy = content_security_policy(settings, script_hashes, path)
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        # C3's URLs carry what an operator looks at (/explore?zone=…&t=…): they stay
        # inside C3; a configured tile server gets the origin alone, as its terms ask
        "Referrer-Policy": (
            "strict-origin-when-cross-origin" if settings.basemap_tile_url else "same-origin"
        ),
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if "frame-ancestors 'none'" in policy:
        headers["X-Frame-Options"] = "DENY"  # for browsers that predate frame-ancestors
    if is_https(settings):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_S}"
    return headers


def install_security_headers(
    server: Flask, script_hashes: Callable[[], Sequence[str]], settings: Settings
) -> None:
    """Send the headers on every response of `server` (with the settings of the services
    it serves at the time) and set the session cookie's flags. `script_hashes` is Dash's
    `csp_hashes`, asked on every response: Dash adds an inline script of its own (the
    pages' title callback) when it sets itself up, at the first request."""
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,  # no script reads it
        # the sign-in's end is in the session (`expires_at`), checked by the server: the
        # cookie is not re-signed and re-sent with every response (12 % of a busy worker)
        SESSION_REFRESH_EACH_REQUEST=False,
        SESSION_COOKIE_SAMESITE="Lax",  # not sent on another site's POST or fetch
        SESSION_COOKIE_SECURE=is_https(settings),  # over https only, when C3 is on https
    )

    @server.after_request
    def _secure(response: Response) -> Response:
        settings = current_services().settings
        response.headers.update(security_headers(settings, script_hashes(), request.path))
        return response
