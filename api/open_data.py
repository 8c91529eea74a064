"""`/open-data/v1`: C3's layers and history as open data, without sign-in (issue 20). The
catalogue, each map layer as GeoJSON or GeoParquet, and a window's readings or rollups as
Parquet or CSV (services/open_data.py says what each holds). Every answer names its
licence (a `Link: rel="license"` header, `X-License`, and inside GeoJSON and Parquet),
carries a strong ETag and honours If-None-Match, and may be cached a minute by anyone."""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, request

from services import open_data
from services.context import current_services
from services.open_data import Answer, OpenDataError, licence_of
from services.table_files import Spool

blueprint = Blueprint("c3_open_data", __name__, url_prefix="/open-data/v1")
CACHE = "public, max-age=60"


@blueprint.after_request
def _licence_line(response: Response) -> Response:
    licence = licence_of(current_services().settings)
    response.headers["Link"] = f'<{_header_safe(licence.url)}>; rel="license"'
    response.headers["X-License"] = _header_safe(
        f"{licence.name} ({licence.url}); {licence.attribution}")
    response.headers.setdefault("Cache-Control", CACHE)
    return response


def _header_safe(text: str) -> str:
    """`text` as an HTTP header may carry it (Latin-1): a city named outside it, such as
    Łódź, percent-encoded."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return quote(text, safe=" ()/;:,.-_'&<>=\"")
    return text


@blueprint.errorhandler(OpenDataError)
def _refused(exc: OpenDataError) -> Response:
    return Response(json.dumps({"error": str(exc)}), exc.status, mimetype="application/json")


def _answer(answer: Answer, filename: str | None = None) -> Response:
    """The answer, or 304 when the client holds this very version."""
    if request.if_none_match.contains_weak(answer.etag):
        response = Response(status=304)
    else:
        body = answer.produce()  # bytes, or a Spool sent a chunk at a time and then gone
        response = Response(body, mimetype=answer.media_type)
        if isinstance(body, Spool):
            response.content_length = len(body)
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(answer.etag)
    response.headers["Cache-Control"] = CACHE
    return response


@blueprint.get("/")
def index() -> Response:
    """Every dataset with its URL, format and description, and the licence."""
    svc = current_services()
    body = json.dumps(open_data.catalogue(svc.settings, svc.settings.public_url
                                          or request.host_url), indent=1).encode()  # fmt: skip
    tag = open_data.strong_etag(body)
    return _answer(Answer(tag, "application/json", lambda: body))


@blueprint.get("/layers/<name>.<fmt>")
def layer(name: str, fmt: str) -> Response:
    answer = open_data.layer(current_services(), name, fmt)
    return _answer(answer, f"{name}.{fmt}" if fmt == "parquet" else None)


@blueprint.get("/readings/<domain>.<fmt>")
def readings(domain: str, fmt: str) -> Response:
    args = request.args
    answer = open_data.readings(current_services(), domain, fmt, args.get("start"),
                                args.get("end"))  # fmt: skip
    return _answer(answer, f"{domain}-readings.{fmt}")


@blueprint.get("/rollups/<domain>.<fmt>")
def rollups(domain: str, fmt: str) -> Response:
    args = request.args
    answer = open_data.rollups(current_services(), domain, fmt, args.get("grain"),
                               args.get("start"), args.get("end"))  # fmt: skip
    return _answer(answer, f"{domain}-rollups.{fmt}")


# --- the OpenAPI document's paths (api/openapi.py gathers them) -------------------------

_ERROR = {"application/json": {"schema": {
    "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}
_TOO_MANY = {"description": "Too many requests from one address (see Retry-After)",
             "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": _ERROR}
_ETAG = {"ETag": {"description": "Strong entity tag of this version of the data",
                  "schema": {"type": "string"}},
         "Link": {"description": 'The licence: <url>; rel="license"',
                  "schema": {"type": "string"}}}
_NOT_MODIFIED = {"description": "Not modified: the If-None-Match tag is this version's",
                 "headers": _ETAG}
_IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                  "schema": {"type": "string"},
                  "description": "The ETag of a copy held: 304 if it is still current"}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FEATURES = {"type": "object", "required": ["type", "features", "license", "attribution"],
             "properties": {
                 "type": {"type": "string", "enum": ["FeatureCollection"]},
                 "name": {"type": "string"}, "license": {"type": "string"},
                 "license_url": {"type": "string"}, "attribution": {"type": "string"},
                 "features": {"type": "array", "items": {
                     "type": "object", "required": ["type", "geometry", "properties"],
                     "properties": {"type": {"type": "string", "enum": ["Feature"]},
                                    "geometry": {"type": "object"},
                                    "properties": {"type": "object"}}}}}}
_TIME = {"type": "string", "format": "date-time"}
_WINDOW = [
    {"name": "start", "in": "query", "required": False, "schema": _TIME,
     "description": "ISO 8601, included (default: a day before end)"},
    {"name": "end", "in": "query", "required": False, "schema": _TIME,
     "description": "ISO 8601, excluded (default: now); at most 31 days after start"},
]
_DOMAIN = {"name": "domain", "in": "path", "required": True,
           "schema": {"type": "string", "enum": list(open_data.DOMAINS)}}
_TABLE_FORMAT = {"name": "fmt", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": list(open_data.TABLE_FORMATS)}}


def _table(summary: str, extra: list[dict]) -> dict:
    return {"get": {
        "summary": summary, "tags": ["Open data"],
        "parameters": [_DOMAIN, _TABLE_FORMAT, *extra, _IF_NONE_MATCH],
        "responses": {
            "200": {"description": "The rows (Parquet with the licence in its metadata; CSV "
                    "with times in UTC ISO 8601)", "headers": _ETAG,
                    "content": {open_data.PARQUET: _BINARY,
                                "text/csv": {"schema": {"type": "string"}}}},
            "304": _NOT_MODIFIED,
            "400": {"description": "A bad time, grain or window", "content": _ERROR},
            "404": {"description": "No such domain or format", "content": _ERROR},
            "429": _TOO_MANY}}}  # fmt: skip


OPENAPI_PATHS = {
    "/open-data/v1/": {"get": {
        "summary": "The open data catalogue: every dataset, its URL, format and licence",
        "tags": ["Open data"], "parameters": [_IF_NONE_MATCH],
        "responses": {"200": {"description": "The catalogue", "headers": _ETAG,
                              "content": {"application/json": {"schema": {
                                  "type": "object", "required": ["datasets", "license"],
                                  "properties": {"license": {"type": "string"},
                                                 "datasets": {"type": "array",
                                                              "items": {"type": "object"}}}}}}},
                      "304": _NOT_MODIFIED, "429": _TOO_MANY}}},
    "/open-data/v1/layers/{name}.{fmt}": {"get": {
        "summary": "A map layer as GeoJSON or GeoParquet (no personal data)",
        "tags": ["Open data"],
        "parameters": [
            {"name": "name", "in": "path", "required": True,
             "schema": {"type": "string", "enum": list(open_data.OPEN_LAYERS)}},
            {"name": "fmt", "in": "path", "required": True,
             "schema": {"type": "string", "enum": list(open_data.LAYER_FORMATS)}},
            _IF_NONE_MATCH],
        "responses": {
            "200": {"description": "The layer, its licence inside", "headers": _ETAG,
                    "content": {open_data.GEOJSON: {"schema": _FEATURES},
                                open_data.PARQUET: _BINARY}},
            "304": _NOT_MODIFIED,
            "404": {"description": "No such layer or format", "content": _ERROR},
            "429": _TOO_MANY}}},
    "/open-data/v1/readings/{domain}.{fmt}": _table(
        "Readings of a time window, raw and (where only those are kept) rolled up", _WINDOW),
    "/open-data/v1/rollups/{domain}.{fmt}": _table(
        "Rollups of a grain over a time window", [
            {"name": "grain", "in": "query", "required": False,
             "schema": {"type": "integer", "enum": list(open_data.GRAINS)},
             "description": "Minutes per bucket (default 60)"}, *_WINDOW]),
}  # fmt: skip
