"""HTTP endpoints the map shell loads its layers from (GeoJSON by URL, cached by version),
and `/explore`'s time-dependent data: the values at a moment, requests over a range,
complaint hotspots; the cross-domain signals now."""

from __future__ import annotations

import hmac
import json
import time
from datetime import UTC, datetime

import duckdb
from flask import Blueprint, Response, abort, request, send_file

from geo.encoding import to_geobuf
from services import signals
from services.access import (
    current_principal,
    personal_data_allowed,
    require_domain,
    scope_token,
    sees_report,
    zone_filter,
)
from services.accounts import audit
from services.clusters import CLUSTERING, MapView, singles_in, view_features
from services.context import current_services
from services.explore_table import csv_export
from services.explore_view import time_view, window_of
from services.feeds import feed_summary, health_rows, misconfigured_summary, visible_to
from services.layers import versions_now, wall_tokens
from services.reports.archive import report_file
from store import clusters, explore
from store import feeds as feed_runs
from store.explore_filters import LAYER_FILTERS, REQUEST_FILTERS
from store.queries import LAYERS, containers_geojson, layer_version
from store.zone_rollups import year_by_month

api = Blueprint("c3_api", __name__, url_prefix="/api")
GEOJSON = "application/geo+json"
GEOBUF = "application/x-protobuf"
MIMETYPES = {"geojson": GEOJSON, "pbf": GEOBUF}
POLL_WAIT_S = 300  # the longest `c3 ingest --once` waits for the running C3's polls


def current_versions() -> dict[str, int]:
    return versions_now(current_services())


@api.get("/version")
def version() -> dict:
    """Cheap poll: the data version of every domain."""
    return current_versions()


@api.get("/wall/tokens")
def wall_tokens_now() -> dict:
    """The wall's 1-second poll (assets/wall.js): each domain's token; a wall asks for a
    domain's tile only when its token moved. A plain GET, not a Dash callback: the most
    frequent request a control room sends skips Dash's dispatch (bench/bench_wall_poll.py)."""
    return wall_tokens(current_services())


@api.get("/layers/<name>.<fmt>")
def layer(name: str, fmt: str) -> Response:
    """A layer as GeoJSON, or as geobuf (`.pbf`) for large point sets. Complaints carry
    complainants' text only where the settings allow it. Containers can be filtered here
    (`zone`, `waste_type`): a clustered layer must count only what it shows."""
    if name not in LAYERS or fmt not in MIMETYPES:
        abort(404)
    svc = current_services()
    require_domain(LAYERS[name].domain)
    if name == "complaints" and not personal_data_allowed():
        name = "complaints_public"
    elif name == "complaints":
        audit(svc.store, "personal-data", "complaints layer (open requests' words)")
    version = layer_version(name, current_versions(), time.time())
    filters = {f: _listed(f) for f in LAYER_FILTERS["waste"]} if name == "waste" else {}
    filters["zone"] = zone_filter(filters.get("zone"))  # a department's zones, if scoped
    key = f"layer:{name}:" + json.dumps(filters, sort_keys=True)

    def compute() -> bytes:
        with svc.store.reading() as cur:
            if name == "waste":
                return containers_geojson(cur, **filters).encode()
            return LAYERS[name].query(cur, zone=filters["zone"]).encode()

    body = svc.cache.get_or_compute(key, version, compute)
    if fmt == "pbf":
        body = svc.cache.get_or_compute(f"{key}:pbf", version, lambda: to_geobuf(body))
    response = Response(body, mimetype=MIMETYPES[fmt])
    if request.args.get("v") == version and request.args.get("s", "") == scope_token():
        # private, and the URL names whom it is for: what a layer holds depends on who
        # asks (personal data, a department, its zones)
        response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


@api.get("/basemap.geojson")
def basemap() -> Response:
    """The offline basemap; read once, then served (compressed) from the cache."""
    svc = current_services()
    path = svc.basemap_path
    if path is None or not path.exists():
        return Response('{"type":"FeatureCollection","features":[]}', mimetype=GEOJSON)
    body = svc.cache.get_or_compute(
        f"basemap:{path.name}", int(path.stat().st_mtime), path.read_bytes
    )
    response = Response(body, mimetype=GEOJSON)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _json(body: bytes | str, mimetype: str = "application/json") -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, no-store"  # per principal; may be personal
    return response


def view_window() -> explore.Window:
    """The explore view's time from the query string (range, start, end, at)."""
    args, tz = request.args, current_services().settings.timezone
    try:
        at = float(args["at"]) if args.get("at") else None
        view = time_view(args.get("range"), args.get("start"), args.get("end"), at, tz)
    except (ValueError, OverflowError) as exc:
        abort(400, f"bad time: {exc}")
    return window_of(view)


def _window_key(window: explore.Window) -> str:
    return ":".join(str(int(t.timestamp())) for t in (window.since, window.until, window.at))


def _listed(name: str) -> list[str]:
    return [v for v in request.args.get(name, "").split(",") if v]


def _request_filters() -> dict[str, list[str]]:
    """The requests' filters of the query string, zones within the principal's."""
    filters = {name: _listed(name) for name in REQUEST_FILTERS}
    return {**filters, "zone": zone_filter(filters["zone"])}


@api.get("/frame")
def frame() -> Response:
    """Each container's fill and each segment's congestion at `?at=` (epoch seconds)."""
    try:
        at = datetime.fromtimestamp(float(request.args["at"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        abort(400, "at: epoch seconds required")
    svc = current_services()
    versions = current_versions()
    version = f"{versions.get('waste', 0)}.{versions.get('traffic', 0)}"
    zones = zone_filter()  # a department scoped to zones: their features' values only

    def compute() -> bytes:
        with svc.store.reading() as cur:
            return explore.frame(cur, at, zones).encode()

    key = f"frame:{int(at.timestamp())}:{','.join(zones)}"
    body = svc.cache.get_or_compute(key, version, compute)
    unseen = [d for d in ("waste", "traffic") if not current_principal().sees(d)]
    if unseen:  # a department's frame: its own domain's values only
        values = json.loads(body)
        body = json.dumps({d: ({} if d in unseen else v) for d, v in values.items()})
    return _json(body)


@api.get("/requests.<fmt>")
def requests_shown(fmt: str) -> Response:
    """The requests `/explore` shows at its moment under its filters, with their status
    then (GeoJSON, or geobuf as `.pbf`)."""
    require_domain("complaints")
    if fmt not in MIMETYPES:
        abort(404)
    svc = current_services()
    window = view_window()
    filters = _request_filters()
    personal = personal_data_allowed()
    if personal:
        shown = request.query_string.decode()
        audit(svc.store, "personal-data", "requests shown on /explore", None, shown)
    version = current_versions().get("complaints", 0)
    key = f"requests:{_window_key(window)}:{json.dumps(filters, sort_keys=True)}:{personal}"

    def compute() -> bytes:
        with svc.store.reading() as cur:
            return explore.requests_geojson(cur, window, filters, personal).encode()

    body = svc.cache.get_or_compute(key, version, compute)
    if fmt == "pbf":
        body = svc.cache.get_or_compute(f"{key}:pbf", version, lambda: to_geobuf(body))
    return _json(body, MIMETYPES[fmt])


@api.get("/clusters/<layer>.geojson")
def clustered(layer: str) -> Response:
    """A point layer for one map view (`zoom`, `bbox` = west,south,east,north): clusters
    that count exactly what the layer's filters show (and the principal's zones), lone
    points as themselves, or every point once zoomed in (services/clusters.py). Complaints
    at the view's moment (`range`, `start`, `end`, `at`); containers now."""
    if layer not in CLUSTERING:
        abort(404)
    require_domain(layer)
    try:
        view = MapView.parse(request.args.get("zoom"), request.args.get("bbox"))
    except ValueError as exc:
        abort(400, f"a map view: {exc}")
    svc = current_services()
    personal = layer == "complaints" and personal_data_allowed()
    if layer == "complaints":
        window = view_window()
        filters = _request_filters()
        points = clusters.shown_requests(window, filters, personal)
        version = current_versions().get("complaints", 0)
        asked = f"{_window_key(window)}:{personal}"
    else:
        filters = {f: _listed(f) for f in LAYER_FILTERS["waste"]}
        filters["zone"] = zone_filter(filters["zone"])
        points = clusters.containers(**filters)
        version = layer_version("waste", current_versions(), time.time())
        asked = ""
    key = f"clusters:{layer}:{view.key()}:{asked}:{json.dumps(filters, sort_keys=True)}"

    def compute() -> bytes:
        with svc.store.reading() as cur:
            features = view_features(cur, points, CLUSTERING[layer], view)
            return json.dumps(features, separators=(",", ":")).encode()

    body = svc.cache.get_or_compute(key, version, compute)
    if personal and singles_in(body):
        shown = request.query_string.decode()
        audit(svc.store, "personal-data", "requests shown on /explore", None, shown)
    return _json(body, GEOJSON)


@api.get("/hotspots.geojson")
def hotspots() -> Response:
    """Requests shown at the view's moment, aggregated into H3 cells."""
    require_domain("complaints")
    svc = current_services()
    window = view_window()
    filters = _request_filters()
    try:
        resolution = min(max(int(request.args.get("res", svc.settings.hotspot_resolution)), 5), 11)
    except ValueError:
        abort(400, "res: an H3 resolution (5-11)")
    version = current_versions().get("complaints", 0)
    key = f"hotspots:{resolution}:{_window_key(window)}:{json.dumps(filters, sort_keys=True)}"

    def compute() -> bytes:
        with svc.store.reading() as cur:
            return explore.hotspots_geojson(cur, window, filters, resolution).encode()

    return _json(svc.cache.get_or_compute(key, version, compute), GEOJSON)


@api.get("/signals.geojson")
def signals_layer() -> Response:
    """The cross-domain signals now, as points: those of the asker's domains and zones."""
    found = signals.visible(current_services(), datetime.now(UTC))
    return _json(json.dumps(signals.as_geojson(found)), GEOJSON)


@api.get("/kpis/year/<domain>")
def year_kpis(domain: str) -> Response:
    """A year of one domain's KPIs by local month (readings, mean and peak fill or
    congestion, share of full bins or congested readings), from the zone hours: the
    city's, or a department's zones."""
    if domain not in ("waste", "traffic"):
        abort(404)
    require_domain(domain)
    svc = current_services()
    zones = zone_filter()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    def compute() -> bytes:
        with svc.store.reading() as cur:
            months = year_by_month(cur, domain, now, svc.settings.timezone, zones)
        return json.dumps({"domain": domain, "until": now.isoformat(), "timezone":
                           svc.settings.timezone, "months": months.to_pylist()},
                          default=str).encode()  # fmt: skip

    key = f"kpis-year:{domain}:{now.isoformat()}:{','.join(zones)}"
    return _json(svc.cache.get_or_compute(key, current_versions().get(domain, 0), compute))


@api.get("/rows.csv")
def rows_csv() -> Response:
    """Every row `/explore`'s table lists (its query, sort and column filters in `q`)."""
    try:
        query = json.loads(request.args["q"])
        svc = current_services()
        name, body, rows = csv_export(svc, query, query.get("sort"), query.get("grid_filters"))
    except (KeyError, ValueError, TypeError, duckdb.Error) as exc:
        abort(400, f"bad table query: {exc}")
    personal = " with personal data" if personal_data_allowed() else ""
    audit(svc.store, "export", f"{query.get('layer')} rows{personal}", rows, request.args["q"])
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@api.get("/reports/<kind>/<name>")
def report(kind: str, name: str) -> Response:
    """A report file from the archive: the HTML opens in the browser; the PDF opens too,
    or downloads with `?download=1`."""
    svc = current_services()
    kinds = {k.name: k for k in svc.settings.reports}  # a kind no longer configured: city-wide
    if not sees_report(current_principal(), kinds.get(kind)):
        abort(403, "a department sees its own department's (and zones') reports only")
    path = report_file(svc.settings.report_folder, kind, name)
    if path is None:
        abort(404)
    audit(svc.store, "report", f"{kind}/{name}")
    download = request.args.get("download") == "1"
    response = send_file(path, as_attachment=download, download_name=f"{kind}-{name}")
    response.headers["Cache-Control"] = "private, no-store"  # a department's, and audited
    return response


@api.post("/reports/<kind>/run")
def run_report(kind: str) -> Response:
    """`c3 report` while C3 runs (DuckDB lets one process write the file): produce one
    report here. The caller proves it can read this C3's data directory by sending the
    token written there at start (`X-C3-Token`); `at` is an ISO time (UTC unless it has
    an offset), `mail=1` e-mails it too."""
    svc = current_services()
    if svc.reporter is None or not _sent_token_ok(svc.report_token):
        abort(403)
    at = request.args.get("at")
    try:
        moment = datetime.fromisoformat(at) if at else None
    except ValueError:
        return _error(400, f"{at!r} is not an ISO time")
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        produced = svc.reporter.on_demand(kind, moment, mail=request.args.get("mail") == "1")
    except KeyError as exc:
        return _error(404, str(exc.args[0]))
    except ValueError as exc:
        return _error(400, str(exc))
    except RuntimeError as exc:
        return _error(409, str(exc))
    files = produced.files
    return {
        "html": str(files.html),
        "pdf": str(files.pdf) if files.pdf else None,
        "missing": produced.missing,
    }


def _sent_token_ok(token: str | None) -> bool:
    """The caller sent this C3's token (`X-C3-Token`): it can read this C3's data directory."""
    return bool(token) and hmac.compare_digest(request.headers.get("X-C3-Token", ""), token)


@api.post("/connectors/poll")
def poll_connectors() -> Response | dict:
    """`c3 ingest --once` while C3 runs: poll every connector now, on the scheduler's own
    jobs (so one never runs twice at once), and answer each one's run once it has finished
    (a run already going counts), or after `POLL_WAIT_S` with those still running."""
    svc = current_services()
    if svc.poll_now is None or not _sent_token_ok(svc.report_token):
        abort(403)
    asked_at = datetime.now(UTC)
    asked, deadline = set(svc.poll_now()), time.monotonic() + POLL_WAIT_S
    while True:
        with svc.store.reading() as cur:
            runs = feed_runs.runs_since(cur, asked_at).drop_duplicates("connector", keep="last")
        waiting = asked - set(runs["connector"])
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    keep = ["connector", "status", "fetched", "inserted", "updated", "unchanged",
            "quarantined", "error"]  # fmt: skip
    rows = runs[keep].astype(object).where(runs[keep].notna(), None).to_dict("records")
    return {"runs": rows, "still_running": sorted(waiting)}


def _error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status, mimetype="application/json")


@api.get("/feeds")
def feeds() -> dict:
    """Every configured connector's state, last success and last error (`c3 connectors
    list` reads it while C3 holds the DuckDB file)."""
    svc, who = current_services(), current_principal()  # no principal: the CLI's token
    with svc.store.reading() as cur:
        rows = health_rows(svc.settings, svc.feed_intervals, datetime.now(UTC), cur)
        if who is not None:  # a department: its own department's feeds only
            rows = visible_to(rows, who)
    city_wide = who is None or who.role != "department"
    aside = [misconfigured_summary(p) for p in svc.misconfigured] if city_wide else []
    return {"connectors": [feed_summary(r) for r in rows] + aside}
