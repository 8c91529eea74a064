"""HTTP endpoints the map shell loads its layers from (GeoJSON by URL, cached by version)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, abort, request

from callbacks.context import services
from store.ledger import data_versions
from store.queries import LAYERS, layer_version

api = Blueprint("c3_api", __name__, url_prefix="/api")
GEOJSON = "application/geo+json"


def current_versions() -> dict[str, int]:
    with services().store.reading() as cur:
        return data_versions(cur)


@api.get("/version")
def version() -> dict:
    """Cheap poll: the data version of every domain."""
    return current_versions()


@api.get("/layers/<name>.geojson")
def layer(name: str) -> Response:
    if name not in LAYERS:
        abort(404)
    svc = services()
    version = layer_version(name, current_versions(), time.time())

    def compute() -> bytes:
        with svc.store.reading() as cur:
            return LAYERS[name].query(cur).encode()

    body = svc.cache.get_or_compute(f"layer:{name}", version, compute)
    response = Response(body, mimetype=GEOJSON)
    if request.args.get("v") == version:
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


@api.get("/basemap.geojson")
def basemap() -> Response:
    """The offline basemap; read once, then served (compressed) from the cache."""
    svc = services()
    path = svc.basemap_path
    if path is None or not path.exists():
        return Response('{"type":"FeatureCollection","features":[]}', mimetype=GEOJSON)
    body = svc.cache.get_or_compute(
        f"basemap:{path.name}", int(path.stat().st_mtime), path.read_bytes
    )
    response = Response(body, mimetype=GEOJSON)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
