"""Build the Dash app: pages, callbacks, layer API and the services they read. No data here."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, html

from callbacks.api import api
from callbacks.context import EXTENSION_KEY, Services

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(services: Services) -> Dash:
    """A Dash app serving every page over `services` (settings, store, cache)."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        compress=True,
        title="C3",
        update_title=None,
    )
    import callbacks  # noqa: F401  (registers every @callback)
    import layouts.home  # noqa: F401  (registers the page)

    app.layout = html.Div(dash.page_container, className="c3-root")
    app.server.register_blueprint(api)
    app.server.extensions[EXTENSION_KEY] = services
    return app
