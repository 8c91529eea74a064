"""`/status/<request id>`: a resident's page of the complaint they filed (issue 20). No
sign-in, no script, made for a phone and a screen reader: the request's type, its street,
its timeline with times, the date the service level expects it done and, once an
inspector validated the fix, the fix's photo. The QR code of the page's address (for the
acknowledgement the source system sends) is at `/status/<id>/qr.svg`. Rate limited with
the Open311 server (api.public)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import segno
from flask import Blueprint, Response, abort, render_template, request, send_file

from services.context import current_services
from services.public_requests import fix_photo, status_of

blueprint = Blueprint("c3_status", __name__, template_folder="templates",
                      static_folder="static", static_url_path="/status/static")  # fmt: skip


def page_url(request_id: str) -> str:
    """The address a resident opens: under `public_url` when set (behind a proxy)."""
    base = current_services().settings.public_url or request.host_url.rstrip("/")
    return f"{base}/status/{quote(request_id, safe=':')}"


@blueprint.get("/status/<request_id>")
def page(request_id: str) -> Response:
    svc = current_services()
    tz = ZoneInfo(svc.settings.timezone)
    status = status_of(svc.store, svc.settings, request_id)
    now = datetime.now(UTC)

    def local(at: datetime | None) -> str:
        return at.astimezone(tz).strftime("%a %-d %b %Y, %H:%M") if at else ""

    html = render_template(
        "status.html", city=svc.settings.city_name, request_id=request_id, status=status,
        local=local, iso=lambda at: at.astimezone(tz).isoformat(), now=now,
        url=page_url(request_id), tz=svc.settings.timezone,
        licence=svc.settings.open_data.licence,
    )  # fmt: skip
    response = Response(html, 200 if status else 404, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/status/<request_id>/photo.jpg")
def photo(request_id: str) -> Response:
    """The validated fix's photo (`?size=thumb` for its thumbnail); 404 before."""
    svc = current_services()
    path = fix_photo(svc.store, svc.settings, request_id, request.args.get("size") == "thumb")
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=3600)


@blueprint.get("/status/<request_id>/qr.svg")
def qr(request_id: str) -> Response:
    """The page's address as a QR code, for a printed or e-mailed acknowledgement; only
    of a request C3 has."""
    svc = current_services()
    if status_of(svc.store, svc.settings, request_id) is None:
        abort(404)
    svg = io.BytesIO()
    segno.make(page_url(request_id), error="m").save(
        svg, kind="svg", scale=4, title=f"QR code of the status page of request {request_id}")
    # without public_url the address is the Host header's: no cache may keep it for others
    cache = "public, max-age=86400" if svc.settings.public_url else "no-store"
    return Response(svg.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": cache})


_ID = {"name": "request_id", "in": "path", "required": True,
       "schema": {"type": "string", "pattern": "^[^/]+$"},
       "description": "The request's id as the city's system gave it (its Open311 "
                      "service_request_id)"}  # fmt: skip
_HTML = {"text/html": {"schema": {"type": "string"}}}
_TOO_MANY = {"description": "Too many requests from one address (see Retry-After)",
             "content": _HTML}
OPENAPI_PATHS = {
    "/status/{request_id}": {"get": {
        "summary": "A resident's status page of one request (HTML, no personal data)",
        "tags": ["Residents"], "parameters": [_ID],
        "responses": {"200": {"description": "The status page", "content": _HTML},
                      "404": {"description": "No request of that id: a page that says so",
                              "content": _HTML},
                      "429": _TOO_MANY}}},
    "/status/{request_id}/qr.svg": {"get": {
        "summary": "The status page's address as a QR code",
        "tags": ["Residents"], "parameters": [_ID],
        "responses": {"200": {"description": "An SVG image",
                              "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
                      "404": {"description": "No request of that id", "content": _HTML},
                      "429": _TOO_MANY}}},
    "/status/{request_id}/photo.jpg": {"get": {
        "summary": "The photo of the validated fix",
        "tags": ["Residents"],
        "parameters": [_ID, {"name": "size", "in": "query", "required": False,
                             "schema": {"type": "string", "enum": ["thumb"]}}],
        "responses": {"200": {"description": "A JPEG without location metadata",
                              "content": {"image/jpeg": {"schema": {"type": "string",
                                                                    "format": "binary"}}}},
                      "404": {"description": "Not validated yet, or no photo",
                              "content": _HTML},
                      "429": _TOO_MANY}}},
}  # fmt: skip
