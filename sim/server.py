"""The demo city's feeds over HTTP: Open311 GeoReport v2 and FIWARE NGSI-v2 (containers,
traffic flows and the field crews' vehicles).

`create_sim_app` returns a Flask app; `c3 sim` and `c3 demo` serve it on a loopback
port. Observations are taken once a minute of the simulator's clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

import numpy as np
import shapely
from flask import Flask, Response, jsonify, request

from config.crews import demo_crews
from connectors.open311_wire import open311_errors_xml, open311_xml
from sim.catalog import SERVICE_TYPES
from sim.crews import CrewFleet
from sim.formats import (
    ngsi_normalized,
    open311_request,
    traffic_flow_entity,
    waste_container_entity,
)
from sim.model import DemoCity
from sim.updates import RequestUpdates, UpdateRefused

OBSERVATION_S = 60
NGSI_MAX_LIMIT = 1000
OPEN311_MAX_RESULTS = 1000
OPEN311_MAX_DAYS = 90


def _parse_when(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class _Observations:
    """Entities of one observation minute, computed once and shared by every page."""

    def __init__(self, city: DemoCity, city_name: str):
        self.city, self.city_name = city, city_name
        self._lock = threading.Lock()
        self._minute: int | None = None
        self._entities: dict[str, list[dict]] = {}
        self.fleet = CrewFleet(city.city, [c.crew_id for c in demo_crews()], city.seed)
        self._segments = [
            {
                "segment_id": r.segment_id,
                "name": r.name,
                "geometry": shapely.geometry.mapping(shapely.set_precision(r.geometry, 1e-6)),
            }
            for r in city.segments.itertuples()
        ]

    def entities(self, now_s: float, entity_type: str) -> list[dict]:
        minute = int(now_s // OBSERVATION_S)
        with self._lock:
            if minute != self._minute:
                self._entities = self._observe(minute * OBSERVATION_S)
                self._minute = minute
            return self._entities.get(entity_type, [])

    def _observe(self, at_s: int) -> dict[str, list[dict]]:
        at = np.array([at_s])
        waste = {k: v[0] for k, v in self.city.waste(at).items()}
        traffic = {k: v[0] for k, v in self.city.traffic(at).items()}
        containers = self.city.containers.to_dict("records")
        return {
            "WasteContainer": [
                waste_container_entity(
                    c, {k: _py(v[i]) for k, v in waste.items()}, at_s, self.city_name
                )
                for i, c in enumerate(containers)
            ],
            "TrafficFlowObserved": [
                traffic_flow_entity(
                    s, {k: _py(v[i]) for k, v in traffic.items()}, at_s, OBSERVATION_S
                )
                for i, s in enumerate(self._segments)
            ],
            "Vehicle": self.fleet.entities(at_s),
        }


def _py(value):
    return value.item() if hasattr(value, "item") else value


def create_sim_app(city: DemoCity, city_name: str, clock: Callable[[], float] = time.time) -> Flask:
    """The simulator's HTTP API; `clock` gives the simulated 'now' (epoch seconds)."""
    app = Flask("c3-sim")
    observations = _Observations(city, city_name)

    @app.get("/health")
    def health():
        return jsonify({"status": "ok", "now": clock()})

    _add_ngsi_routes(app, observations, clock)
    app.extensions["c3_sim_updates"] = updates = RequestUpdates()
    _add_open311_routes(app, city, clock, updates)
    return app


def _add_ngsi_routes(app: Flask, observations: _Observations, clock: Callable[[], float]) -> None:
    """NGSI-v2 `/v2/entities`: one observation minute's entities of a type, paged."""

    @app.get("/v2/entities")
    def ngsi_entities():
        entity_type = request.args.get("type")
        options = set(filter(None, request.args.get("options", "").split(",")))
        try:
            limit = int(request.args.get("limit", 20))
            offset = int(request.args.get("offset", 0))
        except ValueError:
            return _ngsi_error(400, "BadRequest", "Bad pagination parameters")
        if not 0 < limit <= NGSI_MAX_LIMIT:
            return _ngsi_error(400, "BadRequest", f"Bad pagination limit: /{limit}/ [max: 1000]")
        if offset < 0:
            return _ngsi_error(400, "BadRequest", f"Bad pagination offset: /{offset}/")
        entities = observations.entities(clock(), entity_type) if entity_type else []
        page = entities[offset : offset + limit]
        if "keyValues" not in options:
            page = [ngsi_normalized(e) for e in page]
        response = jsonify(page)
        if "count" in options:
            response.headers["Fiware-Total-Count"] = str(len(entities))
        return response


def _add_open311_routes(app: Flask, city: DemoCity, clock: Callable[[], float],
                        updates: RequestUpdates) -> None:  # fmt: skip
    """Open311 GeoReport v2: the service list, requests by dates, status and type (or by
    id), and one request; JSON or XML; and mySociety's update extension (sim.updates)."""

    def requests_as_of(now_s: float, since_s: float):
        return updates.apply(city.requests_as_of(int(now_s), int(since_s)), now_s)

    @app.post("/open311/v2/servicerequestupdates.<fmt>")
    def open311_post_update(fmt: str):
        now = clock()
        known = set(requests_as_of(now, now - OPEN311_MAX_DAYS * 86400)["service_request_id"])
        try:
            server_id = updates.accept(request.form.to_dict(), known)
        except UpdateRefused as exc:
            return _open311_error(fmt, 400, str(exc))
        answer = {"service_request_updates": [{"update_id": server_id}]}
        if fmt == "xml":
            xml = ("<?xml version='1.0' encoding='utf-8'?><service_request_updates>"
                   f"<request_update><update_id>{server_id}</update_id></request_update>"
                   "</service_request_updates>")  # fmt: skip
            return Response(xml, mimetype="text/xml")
        return jsonify(answer)

    @app.get("/open311/v2/services.<fmt>")
    def open311_services(fmt: str):
        return jsonify(_service_list()) if fmt == "json" else _open311_error(fmt, 404, "use .json")

    @app.get("/open311/v2/requests.<fmt>")
    def open311_requests(fmt: str):
        if fmt not in ("json", "xml"):
            return _open311_error("json", 404, f"unknown format {fmt}")
        now = clock()
        try:
            start = _parse_when(request.args.get("start_date"))
            end = _parse_when(request.args.get("end_date"))
            updated_after = _parse_when(request.args.get("updated_after"))
            updated_before = _parse_when(request.args.get("updated_before"))
        except ValueError as exc:
            return _open311_error(fmt, 400, f"bad date: {exc}")
        if ids := request.args.get("service_request_id"):  # overrides every other argument
            frame = requests_as_of(now, now - OPEN311_MAX_DAYS * 86400)
            frame = frame[frame["service_request_id"].isin(ids.split(","))]
            return requests_response(frame, fmt)
        end = min(end or now, now)
        if start is None:
            start = end - OPEN311_MAX_DAYS * 86400
        if end - start > OPEN311_MAX_DAYS * 86400:
            return _open311_error(fmt, 400, "date range is limited to 90 days")
        if updated_after is not None:
            # Chicago-style: filter on the last update; look back far enough for old opens.
            frame = requests_as_of(now, updated_after - OPEN311_MAX_DAYS * 86400)
            frame = frame[frame["updated_s"] >= updated_after]
            if updated_before is not None:
                frame = frame[frame["updated_s"] <= updated_before]
            frame = frame.sort_values(["updated_s", "service_request_id"])
        else:
            frame = requests_as_of(now, start)
            frame = frame[frame["requested_s"] <= end]
        if status := request.args.get("status"):
            frame = frame[frame["status"].isin(status.split(","))]
        if codes := request.args.get("service_code"):
            frame = frame[frame["service_code"].isin(codes.split(","))]
        return requests_response(frame.head(OPEN311_MAX_RESULTS), fmt)

    @app.get("/open311/v2/requests/<request_id>.<fmt>")
    def open311_request_one(request_id: str, fmt: str):
        now = clock()
        frame = requests_as_of(now, now - OPEN311_MAX_DAYS * 86400)
        frame = frame[frame["service_request_id"] == request_id]
        if frame.empty:
            return _open311_error(fmt, 404, f"no request {request_id}")
        return requests_response(frame, fmt)

    def requests_response(frame, fmt: str) -> Response:
        extensions = request.args.get("extensions") == "true"
        rows = [open311_request(r, city.tz, extensions) for r in frame.to_dict("records")]
        return Response(open311_xml(rows), mimetype="text/xml") if fmt == "xml" else jsonify(rows)


def _service_list() -> list[dict]:
    """The Open311 service definitions of the demo's complaint types."""
    return [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.name,
            "metadata": False,
            "type": "realtime",
            "keywords": s.group,
            "group": s.group,
        }
        for s in SERVICE_TYPES
    ]


def _ngsi_error(status: int, error: str, description: str):
    response = jsonify({"error": error, "description": description})
    response.status_code = status
    return response


def _open311_error(fmt: str, code: int, description: str):
    if fmt == "xml":
        return Response(open311_errors_xml(code, description), status=code, mimetype="text/xml")
    response = jsonify([{"code": code, "description": description}])
    response.status_code = code
    return response
