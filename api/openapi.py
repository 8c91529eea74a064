"""C3's OpenAPI document: every public endpoint (the Open311 server, the open data, the
NGSI-LD view, the resident's status and the pulse), described for other systems and
checked by schemathesis against a running C3 (tests/integration/test_openapi.py). Each
public blueprint owns its paths (`OPENAPI_PATHS` in its module); this module gathers
them and serves the document at /openapi.json."""

from __future__ import annotations

from flask import Blueprint, jsonify

from api import ngsi_ld, open311, open_data, pulse, status
from services.context import current_services

blueprint = Blueprint("c3_openapi", __name__)
OPENAPI_VERSION = "3.0.3"


def document(city: str, licence: str, licence_url: str) -> dict:
    paths = {}
    for blueprint_paths in (ngsi_ld.OPENAPI_PATHS, open311.OPENAPI_PATHS,
                            open_data.OPENAPI_PATHS, pulse.OPENAPI_PATHS, status.OPENAPI_PATHS):
        paths |= blueprint_paths  # fmt: skip
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"C3 open data and Open311 — {city}",
            "version": "1",
            "description": "What C3 publishes without sign-in: complaints as an Open311 "
            "GeoReport v2 server, the map layers and readings as open data, an NGSI-LD view "
            "for FIWARE clients, and a resident's status page. No personal data.",
            "license": {"name": licence, "url": licence_url},
        },
        "paths": dict(sorted(paths.items())),
    }


@blueprint.get("/openapi.json")
def openapi_json():
    settings = current_services().settings
    od = settings.open_data
    return jsonify(document(settings.city_name, od.licence, od.licence_url))
