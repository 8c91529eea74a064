"""How often one address may ask C3's public endpoints (the resident's status page and
the Open311 server): `open_data.status_per_minute` per address, one count across both,
kept in Redis when C3 has one (every web worker and machine counts together), else in
each worker's memory. Beyond it: 429 with Retry-After and one readable line. Redis down
does not take the public pages down: the count falls back to memory."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from config import Settings
from services.context import current_services

SCOPE = "c3-public"


def _refusal(limit: RequestLimit) -> Response:
    retry = max(1, int(limit.reset_at - time.time()) + 1)
    body = {"error": f"too many requests from your address: at most {limit.limit}; "
                     "try again in a minute"}  # fmt: skip
    return Response(json.dumps(body), 429, mimetype="application/json",
                    headers={"Retry-After": str(retry)})  # fmt: skip


def _per_minute() -> str:
    """The limit of the services this request is served with (tests swap them)."""
    return f"{current_services().settings.open_data.status_per_minute}/minute"


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
        return response
