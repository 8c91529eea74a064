"""Build the Dash app: pages, callbacks, layer API and the services they read. No data here."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dash
from dash import Dash, html
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from api.admin import admin
from api.field import blueprint as field
from api.guard import install_guard
from api.headers import install_security_headers
from api.ngsi_ld import blueprint as ngsi_ld
from api.open311 import blueprint as open311
from api.open_data import blueprint as open_data
from api.openapi import blueprint as openapi
from api.public import allow_any_origin, install_rate_limits
from api.pulse import blueprint as pulse
from api.reopen import answer_again_after_a_reopen
from api.routes import api
from api.signin import install_signin
from api.status import blueprint as status
from services.context import Services, attach_services

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(svc: Services) -> Dash:
    """A Dash app serving every page over `svc` (settings, store, cache).

    Build one per process: Dash hands the @callback registry to the first app that
    serves a request. To point the app at other services (tests), use `attach_services`.
    """
    server = Flask(__name__)
    # Compress layers too (flask-compress reads this list once, when Dash installs it).
    server.config["COMPRESS_MIMETYPES"] = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "application/x-protobuf",
    ]
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        compress=True,
        title="C3",
        update_title=None,
    )
    import callbacks  # noqa: F401  (registers every @callback)
    import layouts.admin  # noqa: F401
    import layouts.collection  # noqa: F401
    import layouts.complaints  # noqa: F401
    import layouts.explore  # noqa: F401
    import layouts.feeds  # noqa: F401
    import layouts.home  # noqa: F401  (registers the pages)
    import layouts.reports  # noqa: F401
    import layouts.wall  # noqa: F401

    app.layout = html.Div(dash.page_container, className="c3-root")
    app.server.register_blueprint(api)
    install_security_headers(server, app.csp_hashes, svc.settings)
    answer_again_after_a_reopen(server)
    app.server.register_blueprint(admin)
    app.server.register_blueprint(field)
    # issue 20: what C3 gives back, without sign-in (api/public.py: rate limits, CORS)
    for public in (open311, status, open_data, ngsi_ld, pulse, openapi):
        app.server.register_blueprint(public)
    install_rate_limits(server, svc.settings, open311, status, open_data, ngsi_ld)
    allow_any_origin(server, open311, open_data, ngsi_ld, openapi)
    server.secret_key = svc.session_key
    behind_proxies(server, svc.settings.trusted_proxies)
    # the session cookie may last as long as the longest sign-in (a paired wall's); each
    # principal's own end is checked on every request (services.accounts.still_valid)
    server.permanent_session_lifetime = timedelta(days=svc.settings.access.wall_session_days)
    install_signin(server)
    install_guard(app)  # after Dash's own before_request, which fills its callback map
    attach_services(app.server, svc)
    return app



def behind_proxies(server: Flask, hops: int) -> None:
    """Believe the X-Forwarded-For, -Proto and -Host of `hops` reverse proxies: the
    client's address (sign-in throttling) and scheme as the proxy saw them."""
    if hops:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
