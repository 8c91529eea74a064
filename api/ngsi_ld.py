"""`/ngsi-ld/v1`: a read-only NGSI-LD view of what C3 holds (issue 20), without sign-in:
`GET /entities?type=…` (limit, offset, id, count, options=keyValues) and
`GET /entities/{id}`, entities in the normalized form (services/ngsi_ld.py). With
`Accept: application/ld+json` each entity carries its @context; otherwise the answer is
application/json and the context is in a Link header, as the NGSI-LD API asks. Errors
are NGSI-LD problem bodies. Nothing is written here: other methods get 405."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from services import ngsi_ld
from services.context import current_services
from services.ngsi_ld import CONTEXT, CONTEXTS, NgsiLdError, bad_request

blueprint = Blueprint("c3_ngsi_ld", __name__, url_prefix="/ngsi-ld/v1")
LD_JSON = "application/ld+json"
OPTIONS = {"keyValues", "normalized"}
CONTEXT_LINK = f'<{CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="{LD_JSON}"'


@blueprint.errorhandler(NgsiLdError)
def _problem(exc: NgsiLdError) -> Response:
    return Response(json.dumps(exc.body()), exc.status, mimetype="application/json")


def _wants_ld() -> bool:
    """Whether the client asked for application/ld+json over application/json."""
    accept = request.accept_mimetypes
    named = {m for m, q in accept if q > 0}
    return LD_JSON in named and accept[LD_JSON] >= accept["application/json"]


def _number(name: str, default: int, most: int | None = None) -> int:
    text = request.args.get(name)
    try:
        value = default if text is None else int(text)
    except ValueError:
        raise bad_request(f"{name} is not a whole number: {text[:20]!r}") from None
    if value < 0 or (most is not None and value > most):
        raise bad_request(f"{name} must be 0-{most}" if most else f"{name} must not be negative")
    return value


def _simplified() -> bool:
    """Whether the client asked for keyValues (`options=keyValues`, `format=simplified`)."""
    options = set(request.args.get("options", "normalized").split(","))
    if not options <= OPTIONS:
        raise bad_request(f"options: {', '.join(sorted(OPTIONS))}")
    return "keyValues" in options or request.args.get("format") in ("simplified", "keyValues")


def _counted() -> bool:
    count = request.args.get("count", "false").lower()
    if count not in ("true", "false"):
        raise bad_request("count: true or false")
    return count == "true"


def _send(body: dict | list, headers: dict | None = None) -> Response:
    ld = _wants_ld()
    items = body if isinstance(body, list) else [body]
    if _simplified():
        items = [ngsi_ld.key_values(e) for e in items]
    if ld:
        items = [{**e, "@context": CONTEXTS} for e in items]
    out = items if isinstance(body, list) else items[0]
    response = Response(json.dumps(out), mimetype=LD_JSON if ld else "application/json")
    if not ld:
        response.headers["Link"] = CONTEXT_LINK
    response.headers.update(headers or {})
    return response


@blueprint.get("/entities")
def entities() -> Response:
    """Entities of one type (or of the ids given), paged by limit and offset."""
    ids = [i for i in request.args.get("id", "").split(",") if i]
    kind = request.args.get("type")
    if not kind:
        kinds = {split[0] for i in ids if (split := ngsi_ld.split_id(i))}
        if len(kinds) != 1:
            raise bad_request("type is required (WasteContainer, TrafficFlowObserved or "
                              "Open311ServiceRequest), or ids of one type")  # fmt: skip
        kind = kinds.pop()
    _simplified(), _counted()  # refused before anything is read
    limit = _number("limit", ngsi_ld.DEFAULT_LIMIT, ngsi_ld.MAX_LIMIT)
    offset = _number("offset", 0)
    found, total = ngsi_ld.entities(current_services(), ngsi_ld.short_type(kind), ids, limit,
                                    offset)  # fmt: skip
    return _send(found, {"NGSILD-Results-Count": str(total)} if _counted() else None)


@blueprint.get("/entities/<path:entity_id>")
def entity(entity_id: str) -> Response:
    return _send(ngsi_ld.one(current_services(), entity_id))


# --- the OpenAPI document's paths (api/openapi.py gathers them) -------------------------

_PROBLEM = {"application/json": {"schema": {
    "type": "object", "required": ["type", "title"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "detail": {"type": "string"}}}}}
_TOO_MANY = {"description": "Too many requests from one address (see Retry-After)",
             "headers": {"Retry-After": {"schema": {"type": "integer"}}},
             "content": {"application/json": {"schema": {
                 "type": "object", "required": ["error"],
                 "properties": {"error": {"type": "string"}}}}}}
_ENTITY = {"type": "object", "required": ["id", "type"],
           "properties": {"id": {"type": "string"}, "type": {"type": "string"}}}
OPENAPI_PATHS = {
    "/ngsi-ld/v1/entities": {"get": {
        "summary": "NGSI-LD entities of one type (normalized form, read-only, no personal "
                   "data)",
        "tags": ["NGSI-LD"],
        "parameters": [
            {"name": "type", "in": "query", "required": True,
             "schema": {"type": "string", "enum": list(ngsi_ld.TYPES)},
             "description": "The entity type (may be left out when id names entities of "
                            "one type)"},
            {"name": "id", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "Entity ids (URNs), comma-separated"},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0, "maximum": ngsi_ld.MAX_LIMIT,
                        "default": ngsi_ld.DEFAULT_LIMIT}},
            {"name": "offset", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "count", "in": "query", "required": False,
             "schema": {"type": "boolean"},
             "description": "true: the total in the NGSILD-Results-Count header"},
            {"name": "options", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["keyValues", "normalized"]}},
        ],
        "responses": {
            "200": {"description": "A page of entities (application/ld+json when the "
                    "client asks for it: the @context in each entity)",
                    "headers": {"NGSILD-Results-Count": {"schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": {"type": "array",
                                                                "items": _ENTITY}},
                                LD_JSON: {"schema": {"type": "array", "items": _ENTITY}}}},
            "400": {"description": "BadRequestData: no or an unknown type, a bad limit or "
                    "offset", "content": _PROBLEM},
            "429": _TOO_MANY}}},
    "/ngsi-ld/v1/entities/{entity_id}": {"get": {
        "summary": "One NGSI-LD entity by its id (urn:ngsi-ld:<type>:<id>)",
        "tags": ["NGSI-LD"],
        "parameters": [{"name": "entity_id", "in": "path", "required": True,
                        "schema": {"type": "string",
                                   "pattern": "^[A-Za-z][A-Za-z0-9+.-]*:[!-~]+$"}},
                       {"name": "options", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["keyValues", "normalized"]}}],
        "responses": {
            "200": {"description": "The entity",
                    "content": {"application/json": {"schema": _ENTITY},
                                LD_JSON: {"schema": _ENTITY}}},
            "400": {"description": "BadRequestData: the id is not a URI",
                    "content": _PROBLEM},
            "404": {"description": "ResourceNotFound", "content": _PROBLEM},
            "429": _TOO_MANY}}},
}  # fmt: skip
