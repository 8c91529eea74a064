"""C3's open data (issue 20): what each dataset holds and how it is written. The map
layers as GeoJSON and GeoParquet, the readings and rollups of a time window as Parquet
and CSV, each with the licence inside (GeoJSON members, Parquet key-value metadata), the
strong ETag of each answer (the domain's data version, plus the window and where the
retention pass stands for a window), and the catalogue that lists them. A window's
table is written a batch at a time to a temporary file and sent from there
(services.table_files), so a month of a city's traffic never sits in memory. No
personal data: complaints go out as C3 publishes them (services.public_requests: no
description, no address)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.query_time import query_time
from services.layers import versions_now
from services.public_requests import primary_source, with_expected
from services.table_files import UTC_SECOND, Spool, write_csv, write_parquet
from store import open_data as od_store
from store.explore import Window, hotspots_geojson
from store.queries import LAYERS, layer_version
from store.work_orders import ORDERS

PARQUET = "application/vnd.apache.parquet"
GEOJSON = "application/geo+json"
CSV = "text/csv"
HOTSPOT_DAYS = 28  # the public hotspots: complaints of the last four weeks
DEFAULT_SPAN = timedelta(hours=24)  # a window without start and end: the last day
MAX_SPAN = timedelta(days=31)  # the longest window one request may ask for
MAX_SPAN_DAILY = timedelta(days=366)  # ... of the daily rollups
GRAINS = (15, 60, 1440)  # the rollups' grains, minutes (store.retention.GRAINS)
DOMAINS = ("waste", "traffic")


class OpenDataError(Exception):
    """A request C3 cannot answer: `status` (400 or 404) and one readable line."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Licence:
    name: str
    url: str
    attribution: str


def licence_of(settings) -> Licence:
    od = settings.open_data
    return Licence(od.licence, od.licence_url, od.attribution or settings.city_name)


@dataclass(frozen=True)
class Answer:
    """One dataset's answer: its strong ETag (known before the data is read), its media
    type, and how to produce the body (bytes, or a Spool of a big one)."""

    etag: str  # unquoted
    media_type: str
    produce: Callable[[], bytes | Spool]


def strong_etag(*parts: object) -> str:
    """A strong entity tag (unquoted) of what an answer depends on."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


# --- the layers -------------------------------------------------------------------------

# open layer -> (store.queries.LAYERS entry, what it is)
OPEN_LAYERS = {
    "containers": ("waste", "Every waste container with its latest fill level (0-1, of the "
                   "last 30 minutes) and status; its street address (street furniture)"),
    "segments": ("traffic", "Every road segment with its latest speed (km/h), congestion "
                 "ratio (observed / free-flow travel time) and whether it is congested"),
    "complaints": ("published", "Open service requests as C3's Open311 server publishes "
                   "them (its ids; closed once the source closed it or C3 validated the fix):"
                   " the nearest street and the point to ~10 m, what service, the zone, when "
                   "filed and expected; no description, no address"),
    "hotspots": (None, f"Service requests of the last {HOTSPOT_DAYS} days counted by H3 "
                 "cell, with their median days open"),
    "zones": ("zones", "The city's operational zones"),
}  # fmt: skip
LAYER_FORMATS = {"geojson": GEOJSON, "parquet": PARQUET}


def _hotspot_window(now: datetime) -> Window:
    """The public hotspots' window: the 28 days up to the start of the hour."""
    until = now.replace(minute=0, second=0, microsecond=0)
    return Window(until - timedelta(days=HOTSPOT_DAYS), until, until)


def _layer_version(name: str, versions: dict, now: datetime) -> str:
    key = OPEN_LAYERS[name][0]
    if key is None:  # the hotspots: new complaints, or the window moved on an hour
        return f"{versions.get('complaints', 0)}.{int(now.timestamp() // 3600)}"
    if key == "published":  # the complaint loop closes requests; the streets are the city's
        return ".".join(str(versions.get(d, 0)) for d in ("complaints", ORDERS, "city"))
    return layer_version(key, versions, now.timestamp())


def utc_iso(at: datetime | float | None) -> str | None:
    """A time (aware, or epoch seconds) as UTC ISO 8601 to the second: 2026-11-17T07:00:00Z."""
    if at is None:
        return None
    when = at if isinstance(at, datetime) else datetime.fromtimestamp(at, UTC)
    return when.astimezone(UTC).strftime(UTC_SECOND)


def complaint_features(cur, settings) -> list[dict]:
    """The open requests as C3 publishes them, as GeoJSON features (all of them: no cap)."""
    found = with_expected(od_store.open_published(cur, primary_source(settings)), settings)
    return [{"type": "Feature",
             "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
             "properties": {"service_request_id": r["service_request_id"],
                            "service_code": r["service_code"],
                            "service_name": r["service_name"],
                            "agency_responsible": r["agency_responsible"],
                            "zone_id": r["zone_id"], "street": r["street"],
                            "requested_at": utc_iso(r["requested_at"]),
                            "expected_at": utc_iso(r["expected_at"])}}
            for r in found]  # fmt: skip


def _layer_features(svc, name: str, now: datetime) -> list[dict]:
    key = OPEN_LAYERS[name][0]
    with svc.store.reading() as cur:
        if key == "published":
            return complaint_features(cur, svc.settings)
        if key is None:
            text = hotspots_geojson(cur, _hotspot_window(now), {}, svc.settings.hotspot_resolution)
        else:
            text = LAYERS[key].query(cur)
    features = json.loads(text)["features"]
    if name == "containers":  # the map's epoch seconds, as UTC ISO 8601 like the others
        for feature in features:
            props = feature["properties"]
            props["observed_at"] = utc_iso(props.get("observed_at"))
    return features


def geojson_body(features: list[dict], licence: Licence, name: str) -> bytes:
    return json.dumps({"type": "FeatureCollection", "name": name, "license": licence.name,
                       "license_url": licence.url, "attribution": licence.attribution,
                       "features": features}, separators=(",", ":")).encode()  # fmt: skip


def with_licence(schema: pa.Schema, licence: Licence, description: str) -> pa.Schema:
    """`schema` with the licence in its key-value metadata (kept beside what is there)."""
    meta = dict(schema.metadata or {})
    meta.update({b"license": licence.name.encode(), b"license_url": licence.url.encode(),
                 b"attribution": licence.attribution.encode(),
                 b"description": description.encode()})  # fmt: skip
    return schema.with_metadata(meta)


def parquet_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def geoparquet_body(features: list[dict], licence: Licence, description: str) -> bytes:
    """GeoParquet (geopandas' `geo` metadata, WGS 84) with the licence beside it."""
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    if "geometry" not in frame:
        frame = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    columns = [c for c in frame.columns if c != "geometry"] + ["geometry"]
    written = io.BytesIO()
    frame[columns].to_parquet(written, index=False)
    written.seek(0)
    table = pq.read_table(written)
    return parquet_bytes(table.replace_schema_metadata(
        with_licence(table.schema, licence, description).metadata))


def layer(svc, name: str, fmt: str, now: datetime | None = None) -> Answer:
    """The open layer `name` as `fmt` ("geojson" or "parquet")."""
    if name not in OPEN_LAYERS or fmt not in LAYER_FORMATS:
        raise OpenDataError(404, f"no layer {name}.{fmt}: see /open-data/v1/ for the datasets")
    now = now or datetime.now(UTC)
    licence = licence_of(svc.settings)
    version = _layer_version(name, versions_now(svc), now)
    tag = strong_etag("layer", name, fmt, version, licence)

    def produce() -> bytes:
        def compute() -> bytes:
            features = _layer_features(svc, name, now)
            if fmt == "geojson":
                return geojson_body(features, licence, name)
            return geoparquet_body(features, licence, OPEN_LAYERS[name][1])

        return svc.cache.get_or_compute(f"open-data:{name}.{fmt}", tag, compute)

    return Answer(tag, LAYER_FORMATS[fmt], produce)


# --- readings and rollups over a window -------------------------------------------------

TABLE_FORMATS = {"parquet": PARQUET, "csv": CSV}
# an offset whose '+' a query string turned into a space: "07:00:00 02:00"


def parse_time(text: str, name: str) -> datetime:
    """An ISO 8601 time (UTC when it names no offset) -> an aware datetime in UTC."""
    try:
        return query_time(text, UTC).astimezone(UTC)
    except ValueError:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise OpenDataError(400, f"{name}: not an ISO 8601 time: {shown!r} "
                            "(e.g. 2026-11-17T07:00:00Z)") from None  # fmt: skip


def window(start: str | None, end: str | None, now: datetime,
           longest: timedelta = MAX_SPAN) -> tuple[datetime, datetime]:  # fmt: skip
    """[start, end) of a request: `end` defaults to now (to the minute), `start` to a day
    before `end`; at most `longest` long."""
    until = parse_time(end, "end") if end is not None else now.replace(second=0, microsecond=0)
    try:
        since = parse_time(start, "start") if start is not None else until - DEFAULT_SPAN
    except OverflowError:
        raise OpenDataError(400, "end: too early a time") from None
    if since >= until:
        raise OpenDataError(400, "start must be before end")
    if until - since > longest:
        raise OpenDataError(400, f"the window is over {longest.days} days: ask for less "
                            "(start and end)")  # fmt: skip
    return since, until


def table_answer(svc, what: tuple, fmt: str, read: Callable, description: str) -> Answer:
    """A window's table as `fmt`: its tag from `what` (the dataset and window), the
    domain's version and the retention pass's state; the body from `read(cur)` (a
    RecordBatchReader), spooled to a temporary file, not held in memory."""
    domain = what[1]
    licence = licence_of(svc.settings)
    with svc.store.reading() as cur:
        mark = od_store.retention_mark(cur, domain)
    tag = strong_etag(*what, fmt, versions_now(svc).get(domain, 0), mark, licence)

    def produce() -> Spool:
        spool = Spool()
        try:
            with svc.store.reading() as cur:  # written whole before it is sent: a slow
                batches = read(cur)  # client holds a temporary file, not the store
                if fmt == "csv":
                    write_csv(batches, spool.file)
                else:
                    schema = with_licence(batches.schema, licence, description)
                    write_parquet(batches, spool.file, schema)
        except BaseException:
            spool.close()
            raise
        return spool

    return Answer(tag, TABLE_FORMATS[fmt], produce)


READING_UNITS = {
    "waste": "fill_level 0-1, temperature_c °C",
    "traffic": "speed_kmh km/h, travel_time_s seconds, congestion_ratio observed / free-flow "
    "travel time (1 = free flow)",
}


def _check(domain: str, fmt: str, kind: str) -> None:
    if domain not in DOMAINS or fmt not in TABLE_FORMATS:
        raise OpenDataError(404, f"no {kind} {domain}.{fmt}: see /open-data/v1/ for the datasets")


def readings(svc, domain: str, fmt: str, start: str | None, end: str | None,
             now: datetime | None = None) -> Answer:  # fmt: skip
    """The `domain`'s readings in [start, end): raw, and (older than the raw days kept)
    15-minute or coarser means at their bucket's start."""
    _check(domain, fmt, "readings")
    since, until = window(start, end, now or datetime.now(UTC))
    description = (f"C3 {domain} readings {since.isoformat()} to {until.isoformat()} (UTC, "
                   f"end excluded); {READING_UNITS[domain]}")  # fmt: skip
    return table_answer(svc, ("readings", domain, since, until), fmt,
                        lambda cur: od_store.history(cur, domain, since, until), description)


def rollups(svc, domain: str, fmt: str, grain: str | None, start: str | None,
            end: str | None, now: datetime | None = None) -> Answer:  # fmt: skip
    """The `domain`'s `grain`-minute rollups whose buckets begin in [start, end)."""
    _check(domain, fmt, "rollups")
    try:
        minutes = int(grain) if grain is not None else 60
    except ValueError:
        minutes = None
    if minutes not in GRAINS:
        raise OpenDataError(400, f"grain: one of {', '.join(map(str, GRAINS))} (minutes)")
    longest = MAX_SPAN_DAILY if minutes == 1440 else MAX_SPAN
    since, until = window(start, end, now or datetime.now(UTC), longest)
    description = (f"C3 {domain} {minutes}-minute rollups, buckets beginning {since.isoformat()}"
                   f" to {until.isoformat()} (UTC, end excluded)")  # fmt: skip
    return table_answer(svc, ("rollups", domain, minutes, since, until), fmt,
                        lambda cur: od_store.rollups(cur, domain, minutes, since, until),
                        description)


# --- the catalogue ----------------------------------------------------------------------

ROLLUP_COLUMNS = {
    "waste": "fill_avg/min/max/last 0-1, temperature_avg_c °C, readings per bucket, last_at",
    "traffic": "speed_avg_kmh km/h, travel_time_avg_s seconds, congestion_avg/max ratio, "
    "congested_share 0-1 of the readings",
}


def catalogue(settings, base_url: str) -> dict:
    """Every dataset with its URL, format and what it holds, and the licence."""
    base = base_url.rstrip("/") + "/open-data/v1"
    licence = licence_of(settings)
    datasets = []
    for name, (_, what) in OPEN_LAYERS.items():
        for fmt, media in LAYER_FORMATS.items():
            datasets.append({"name": f"{name}", "format": fmt, "media_type": media,
                             "url": f"{base}/layers/{name}.{fmt}", "description": what})
    window_note = (f"?start=&end= (ISO 8601, UTC unless an offset is given; default the "
                   f"last 24 h; at most {MAX_SPAN.days} days)")  # fmt: skip
    for domain in DOMAINS:
        for fmt, media in TABLE_FORMATS.items():
            datasets.append({
                "name": f"{domain}-readings", "format": fmt, "media_type": media,
                "url": f"{base}/readings/{domain}.{fmt}", "parameters": window_note,
                "description": f"{domain.capitalize()} readings of a time window: raw, and "
                f"15-minute or coarser means where only those are kept; {READING_UNITS[domain]}",
            })  # fmt: skip
            datasets.append({
                "name": f"{domain}-rollups", "format": fmt, "media_type": media,
                "url": f"{base}/rollups/{domain}.{fmt}",
                "parameters": "?grain=15|60|1440 (minutes, default 60)&start=&end= (at most "
                f"{MAX_SPAN.days} days; {MAX_SPAN_DAILY.days} for 1440)",
                "description": f"{domain.capitalize()} rollups per feature and bucket: "
                f"{ROLLUP_COLUMNS[domain]}",
            })  # fmt: skip
    return {"title": f"C3 open data — {settings.city_name}", "license": licence.name,
            "license_url": licence.url, "attribution": licence.attribution,
            "times": "UTC, ISO 8601", "datasets": datasets}  # fmt: skip
