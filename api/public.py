"""What C3's public endpoints share (issue 20). How often one address may ask them:
`open_data.public_per_minute` per address, one count across all of them, kept in Redis
when C3 has one (every web worker and machine counts together), else in each worker's
memory; beyond it, 429 with Retry-After and one readable line in the endpoint's own
form (Open311's error list, a page, JSON); Redis down does not take the public pages
down (the count falls back to memory). And open data any web page may read: CORS for
every origin on the data endpoints, which hold nothing personal and change nothing."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from config import Settings
from connectors.open311_wire import open311_errors_xml
from services.context import current_services

SCOPE = "c3-public"


def _refusal(limit: RequestLimit) -> Response:
    retry = max(1, int(limit.reset_at - time.time()) + 1)
    line = f"too many requests from your address: at most {limit.limit}; try again in a minute"
    if request.blueprint == "c3_open311" and request.path.endswith(".xml"):
        body, mimetype = open311_errors_xml(429, line), "text/xml"
    elif request.blueprint == "c3_open311":
        body, mimetype = json.dumps([{"code": 429, "description": line}]), "application/json"
    elif request.blueprint == "c3_status":
        body = f"<!doctype html><html lang=en><title>Too many requests</title><p>{line}.</p>"
        mimetype = "text/html"
    else:
        body, mimetype = json.dumps({"error": line}), "application/json"
    return Response(body, 429, mimetype=mimetype, headers={"Retry-After": str(retry)})


def _per_minute() -> str:
    """The limit of the services this request is served with (tests swap them)."""
    return f"{current_services().settings.open_data.public_per_minute}/minute"


def install_rate_limits(server: Flask, settings: Settings, *public: Blueprint) -> Limiter:
    """Count the requests `public` blueprints answer, per address (the client's, behind
    `trusted_proxies`)."""
    limiter = Limiter(
        get_remote_address, app=server, storage_uri=settings.redis_url or "memory://",
        key_prefix="c3-rate", headers_enabled=True, swallow_errors=True,
        in_memory_fallback_enabled=True, on_breach=_refusal,
    )  # fmt: skip
    shared = limiter.shared_limit(_per_minute, scope=SCOPE)
    for blueprint in public:
        shared(blueprint)
    return limiter


EXPOSED = "ETag, Link, X-License, NGSILD-Results-Count, Content-Disposition"


def allow_any_origin(server: Flask, *data: Blueprint) -> None:
    """Let a page of any site read what the `data` blueprints answer (GET only)."""
    names = {blueprint.name for blueprint in data}

    @server.after_request
    def _cors(response: Response) -> Response:
        if request.blueprint in names:
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = EXPOSED
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match, Accept"
        return response
