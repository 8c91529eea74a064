"""Local feeds a test scripts to misbehave: an NGSI-v2 broker (`ScriptedFeed`) and an
Open311 server (`Open311Feed`), the faults they can answer with, and the checks every
run's ledger must pass."""

from __future__ import annotations

import operator
import socket
import time
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from flask import Flask, Response, jsonify, request

from config import ConnectorSettings
from connectors.open311_wire import open311_errors_xml
from connectors.runner import build_connector, run_connector
from store.ledger import get_watermark
from tests.helpers import TZ, rows

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


# -- NGSI-v2 ------------------------------------------------------------------------------
def container(i, **change):
    """A WasteContainer in NGSI-v2 keyValues form, changed as asked."""
    entity = {
        "id": f"bin-{i}",
        "type": "WasteContainer",
        "location": {"type": "Point", "coordinates": [24.94, 60.17]},
        "fillingLevel": 0.5,
        "dateModified": "2026-11-24T09:59:00Z",
    }
    entity.update(change)
    return entity


class ScriptedFeed:
    """An NGSI-v2 broker whose answers a test scripts, one per request."""

    def __init__(self, entities, script=()):
        self.entities, self.script, self.calls = entities, list(script), 0
        self.app = Flask("scripted")
        self.app.add_url_rule("/v2/entities", view_func=self.entities_view)

    def entities_view(self):
        self.calls += 1
        if self.script:
            return self.script.pop(0)()
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        response = jsonify(self.entities[offset : offset + limit])
        response.headers["Fiware-Total-Count"] = str(len(self.entities))
        return response


def waste_settings(url, **kw):
    """The settings of a waste feed ("bins") on the broker at `url`."""
    return ConnectorSettings(
        name="bins",
        kind="ngsi-v2",
        url=url,
        entity_type="WasteContainer",
        retries=kw.pop("retries", 4),
        timeout_s=kw.pop("timeout_s", 2.0),
        **kw,
    )


def watermark(store, connector):
    with store.reading() as cur:
        return get_watermark(cur, connector)


def assert_ledger_adds_up(store):
    """Every stored run: fetched = inserted + updated + unchanged + quarantined; a failed
    run applied nothing (what it fetched before failing is not counted as landed)."""
    runs = rows(
        store,
        "SELECT status, fetched, inserted, updated, unchanged, quarantined FROM ingest_runs",
    )
    assert runs
    for status, fetched, inserted, updated, unchanged, quarantined in runs:
        if status == "ok":
            assert fetched == inserted + updated + unchanged + quarantined
        else:
            assert inserted == updated == unchanged == 0


# -- Open311 ------------------------------------------------------------------------------
EXTENSION_FIELDS = ("attributes", "extended_attributes", "notes")


def complaint(request_id, requested, updated=None, **fields):
    """One request as an Open311 server sends it."""
    record = {
        "service_request_id": request_id,
        "status": "open",
        "service_code": "RD-POT",
        "service_name": "Pothole",
        "requested_datetime": requested.isoformat(),
        "updated_datetime": (updated or requested).isoformat(),
        "lat": 60.17,
        "long": 24.94,
    }
    record.update(fields)
    return record


class Open311Feed:
    """An Open311 server over `records`: the spec's date filters (inclusive), at most `cap`
    requests an answer, the page/page_size extension when `max_page_size` is set, the
    extension fields only with extensions=true, and answers a test scripts per call
    (None answers normally); `clamp` cuts page_size silently, as some servers do. Keeps
    every call's time and arguments."""

    def __init__(
        self, records, script=(), cap=1000, max_page_size=None, ignore_page=False, clamp=None
    ):
        self.records, self.script, self.clamp = list(records), list(script), clamp
        self.cap, self.max_page_size, self.ignore_page = cap, max_page_size, ignore_page
        self.calls: list[tuple[float, dict]] = []
        self.app = Flask("open311")
        self.app.config["PROPAGATE_EXCEPTIONS"] = True  # drop_connection must reach werkzeug
        self.app.add_url_rule("/open311/v2/requests.<fmt>", view_func=self.requests_view)

    def requests_view(self, fmt):
        self.calls.append((time.monotonic(), request.args.to_dict()))
        if self.script and (answer := self.script.pop(0)) is not None:
            return answer()
        chosen = [r for r in self.records if _matches(r, request.args)]
        if request.args.get("extensions") != "true":
            chosen = [{k: v for k, v in r.items() if k not in EXTENSION_FIELDS} for r in chosen]
        if self.max_page_size:
            size = min(int(request.args.get("page_size", 50)), self.clamp or 10**9)
            if size > self.max_page_size:
                return open311_error(fmt, 400, f"page_size must be at most {self.max_page_size}")
            page = 1 if self.ignore_page else int(request.args.get("page", 1))
            chosen = chosen[(page - 1) * size : page * size]
        chosen = chosen[: self.cap]
        if fmt == "xml":
            return Response(requests_xml(chosen), mimetype="text/xml")
        return jsonify(chosen)


def _when(value):
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(TZ))


def _matches(record, args):
    if ids := args.get("service_request_id"):
        return record.get("service_request_id") in ids.split(",")
    requested = _when(record.get("requested_datetime"))
    updated = _when(record.get("updated_datetime")) or requested
    bounds = (
        ("start_date", requested, operator.ge),
        ("end_date", requested, operator.le),
        ("updated_after", updated, operator.ge),
        ("updated_before", updated, operator.le),
    )
    return all(
        name not in args or when is None or compare(when, _when(args[name]))
        for name, when, compare in bounds
    )


def requests_xml(records) -> bytes:
    """The spec's <service_requests>; a list becomes repeated singular elements
    (notes -> <notes><note>…</note></notes>)."""

    def fill(node, value):
        if isinstance(value, dict):
            for name, inner in value.items():
                fill(ET.SubElement(node, name), inner)
        elif isinstance(value, list):
            for item in value:
                fill(ET.SubElement(node, node.tag.removesuffix("s")), item)
        elif value is not None:
            node.text = str(value)

    root = ET.Element("service_requests")
    for record in records:
        fill(ET.SubElement(root, "request"), record)
    return ET.tostring(root, encoding="utf-8")


def open311_error(fmt, code, description):
    if fmt == "xml":
        return Response(open311_errors_xml(code, description), status=code, mimetype="text/xml")
    return jsonify([{"code": code, "description": description}]), code


# Faults an Open311Feed can be scripted to answer with
def refused(status):
    return lambda: Response("busy", status=status, headers={"Retry-After": "1"})


def too_slow():
    time.sleep(1.0)  # past the connector's 0.5 s timeout
    return jsonify([])


def drop_connection():
    """The server closes the socket without answering."""
    request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("the test feed dropped the connection")


def truncated_json():
    return Response('[{"service_request_id": "9", "sta', mimetype="application/json")


def html_error_page():
    return Response("<html><body><h1>Down for maintenance</h1></body></html>", mimetype="text/html")


def run_open311(url, store, now, http=None, **settings):
    """One run of a complaints feed on the Open311 server at `url`."""
    settings = ConnectorSettings(
        name="complaints",
        kind="open311",
        url=f"{url}/open311/v2",
        retries=settings.pop("retries", 1),
        timeout_s=settings.pop("timeout_s", 2.0),
        **settings,
    )
    return run_connector(build_connector(settings, TZ), store, http=http, now=now)


def stored_requests(store):
    return dict(rows(store, "SELECT request_id, status FROM service_requests"))
