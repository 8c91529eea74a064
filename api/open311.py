"""C3's Open311 GeoReport v2 server (issue 20): the merged requests C3 holds, served to
any other system without sign-in, as JSON or XML, `GET services`, `GET requests` with
the spec's filters and caps and `GET requests/<id>`. What the complaint loop did shows
as the request's status and notes; the complainant's words, address, zipcode and photo
never leave (services.public_requests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, request

from connectors.open311_wire import open311_errors_xml, open311_services_xml, open311_xml
from services.context import current_services
from services.public_requests import BadQuery, Query, find, read_query, services_offered

blueprint = Blueprint("c3_open311", __name__, url_prefix="/open311/v2")
FORMATS = ("json", "xml")


def _answer(body: list, fmt: str, root: str = "service_requests") -> Response:
    if fmt == "xml":
        xml = open311_services_xml(body) if root == "services" else open311_xml(body, root)
        return Response(xml, mimetype="text/xml")
    response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=30"
    return response


def _error(fmt: str, code: int, description: str) -> Response:
    if fmt == "xml":
        return Response(open311_errors_xml(code, description), code, mimetype="text/xml")
    return Response(json.dumps([{"code": code, "description": description}]), code,
                    mimetype="application/json")  # fmt: skip


@blueprint.get("/services.<fmt>")
def services(fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, f"unknown format {fmt!r}: use .json or .xml")
    return _answer(services_offered(current_services().store), fmt, root="services")


@blueprint.get("/requests.<fmt>")
def requests(fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, f"unknown format {fmt!r}: use .json or .xml")
    svc = current_services()
    try:
        query = read_query(request.args, svc.settings.timezone, datetime.now(UTC))
    except BadQuery as exc:
        return _error(fmt, 400, str(exc))
    return _answer(find(svc.store, svc.settings, query), fmt)


@blueprint.get("/requests/<request_id>.<fmt>")
def one_request(request_id: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, f"unknown format {fmt!r}: use .json or .xml")
    svc = current_services()
    notes = request.args.get("extensions", "").lower() == "true"
    found = find(svc.store, svc.settings, Query(ids=[request_id], notes=notes))
    if not found:
        return _error(fmt, 404, f"no request {request_id!r}")
    return _answer(found, fmt)


_FMT = {"name": "fmt", "in": "path", "required": True,
        "schema": {"type": "string", "enum": list(FORMATS)}}  # fmt: skip
_W3C = {"type": "string", "format": "date-time"}
_LIST = {"type": "string", "pattern": "^[^,]+(,[^,]+)*$"}
_NULLABLE_TEXT = {"type": "string", "nullable": True}
_NOTE = {"type": "object", "required": ["datetime", "type", "summary"],
         "properties": {"datetime": _W3C, "type": {"type": "string", "enum": ["note", "closed"]},
                        "summary": {"type": "string"}}}  # fmt: skip
REQUEST_SCHEMA = {
    "type": "object",
    "required": ["service_request_id", "status", "requested_datetime", "lat", "long"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": _NULLABLE_TEXT,
        "service_name": _NULLABLE_TEXT,
        "service_code": _NULLABLE_TEXT,
        "description": {"type": "string", "nullable": True,
                        "description": "Always null: the complainant's words are not published"},
        "agency_responsible": _NULLABLE_TEXT,
        "service_notice": _NULLABLE_TEXT,
        "requested_datetime": {**_W3C, "nullable": True},
        "updated_datetime": {**_W3C, "nullable": True},
        "expected_datetime": {**_W3C, "nullable": True,
                              "description": "Due by the city's service level"},
        "address": {"type": "string", "nullable": True,
                    "description": "The street, without the house number"},
        "address_id": _NULLABLE_TEXT,
        "zipcode": _NULLABLE_TEXT,
        "lat": {"type": "number", "nullable": True},
        "long": {"type": "number", "nullable": True},
        "media_url": _NULLABLE_TEXT,
        "notes": {"type": "array", "items": _NOTE},
    },
}  # fmt: skip
_ERROR = {"type": "object", "required": ["code", "description"],
          "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}
_ERRORS = {"type": "array", "items": _ERROR}
_XML = {"text/xml": {"schema": {"type": "string"}}}


def _requests_answer(what: str) -> dict:
    return {"description": what, "content": {
        "application/json": {"schema": {"type": "array", "items": REQUEST_SCHEMA}}, **_XML}}


def _refused(what: str) -> dict:
    return {"description": what, "content": {"application/json": {"schema": _ERRORS}, **_XML}}


_TOO_MANY = _refused("Too many requests from one address (see Retry-After)")


def _query(name: str, schema: dict, what: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": what}


OPENAPI_PATHS = {
    "/open311/v2/services.{fmt}": {"get": {
        "summary": "Open311 GeoReport v2: the service types requests are filed under",
        "tags": ["Open311"],
        "parameters": [_FMT],
        "responses": {
            "200": {"description": "The service list", "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object",
                    "required": ["service_code", "service_name"]}}}, **_XML}},
            "404": _refused("Unknown format"), "429": _TOO_MANY},
    }},
    "/open311/v2/requests.{fmt}": {"get": {
        "summary": "Open311 GeoReport v2: requests, without personal data",
        "description": "By default those filed in the last 90 days; at most 1,000 per "
        "answer. With updated_after (and updated_before), those last updated in that span, "
        "oldest update first: page by asking again after the last one received.",
        "tags": ["Open311"],
        "parameters": [
            _FMT,
            _query("service_request_id", _LIST, "Comma-separated ids; overrides the rest"),
            _query("service_code", _LIST, "Comma-separated service codes"),
            _query("status", {"type": "string", "pattern": "^(open|closed)(,(open|closed))*$"},
                   "open, closed or both"),
            _query("start_date", _W3C, "Filed at or after (at most 90 days before end_date)"),
            _query("end_date", _W3C, "Filed at or before"),
            _query("updated_after", _W3C, "Last updated at or after"),
            _query("updated_before", _W3C, "Last updated at or before"),
            _query("extensions", {"type": "string", "enum": ["true", "false"]},
                   "true: each request's public timeline as `notes`"),
            _query("jurisdiction_id", {"type": "string"}, "Accepted and ignored: one city"),
        ],
        "responses": {"200": _requests_answer("The requests asked for"),
                      "400": _refused("A filter C3 cannot read, or a span over 90 days"),
                      "404": _refused("Unknown format"), "429": _TOO_MANY},
    }},
    "/open311/v2/requests/{request_id}.{fmt}": {"get": {
        "summary": "Open311 GeoReport v2: one request",
        "tags": ["Open311"],
        "parameters": [
            {"name": "request_id", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[^/.]+$"}},
            _FMT,
            _query("extensions", {"type": "string", "enum": ["true", "false"]},
                   "true: the public timeline as `notes`"),
        ],
        "responses": {"200": _requests_answer("The request, in a list of one"),
                      "404": _refused("No such request, or an unknown format"),
                      "429": _TOO_MANY},
    }},
}  # fmt: skip
