"""Ingest throughput per feed format at 100,000 records (issue #7), so that a large
backfill's cost is known before a city starts one.

Each format is one first run of its connector, as `c3` does it: over real HTTP from a
local server in this process (Open311 JSON and XML with the 1,000-per-query cap split,
NGSI-v2 keyValues and normalized, NGSI-LD, pages of 1,000), or from a file (CSV with
US-style dates, GeoJSON, Parquet). Every run lands in a fresh DuckDB file, in its own
subprocess, so its peak resident memory (VmHWM) is its own.

Baseline in the same run: the store's upsert of the same number of already-normalized
rows (no HTTP, parsing or validation); the ratio says what the feed format costs.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._memory import reset_peak, rss_mb  # noqa: E402

N = 100_000
TZ = "Europe/Helsinki"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SPAN = timedelta(days=14)
SERVICES = ["Overflowing bin", "Pothole", "Graffiti", "Streetlight out", "Illegal dumping"]


# -- the records -------------------------------------------------------------------------
def complaints(n: int = N) -> list[dict]:
    """n Open311 requests filed over the 14 days before NOW, sorted by requested time."""
    rng = random.Random(7)
    start = NOW - SPAN
    out = []
    for i in range(n):
        requested = start + SPAN * (i / n)
        closed = rng.random() < 0.6
        out.append(
            {
                "service_request_id": f"26-{i:08d}",
                "status": "closed" if closed else "open",
                "service_code": str(SERVICES.index(s := rng.choice(SERVICES)) + 1),
                "service_name": s,
                "description": "Reported through the city app",
                "requested_datetime": requested.isoformat(timespec="seconds"),
                "updated_datetime": (requested + timedelta(hours=rng.uniform(0, 30))).isoformat(
                    timespec="seconds"
                ),
                "address": f"Mannerheimintie {rng.randint(1, 200)}",
                "lat": round(60.15 + rng.random() * 0.05, 6),
                "long": round(24.90 + rng.random() * 0.08, 6),
            }
        )
    return out


def containers(n: int = N) -> list[dict]:
    """n WasteContainer entities in keyValues form."""
    rng = random.Random(8)
    return [
        {
            "id": f"urn:ngsi-ld:WasteContainer:{i:06d}",
            "type": "WasteContainer",
            "location": {
                "type": "Point",
                "coordinates": [
                    round(24.90 + rng.random() * 0.08, 6),
                    round(60.15 + rng.random() * 0.05, 6),
                ],
            },
            "fillingLevel": round(rng.random(), 3),
            "temperature": round(rng.uniform(-5, 10), 1),
            "status": "ok",
            "storedWasteKind": "mixed",
            "binCapacity": 660,
            "dateObserved": (NOW - timedelta(minutes=rng.randint(0, 59))).isoformat(),
        }
        for i in range(n)
    ]


def normalized_v2(entity: dict) -> dict:
    types = {str: "Text", float: "Number", int: "Number", dict: "geo:json"}
    out = {"id": entity["id"], "type": entity["type"]}
    for name, value in entity.items():
        if name not in ("id", "type"):
            kind = "DateTime" if name.startswith("date") else types[type(value)]
            out[name] = {"type": kind, "value": value, "metadata": {}}
    return out


def ngsi_ld(entity: dict) -> dict:
    out = {"id": entity["id"], "type": entity["type"]}
    for name, value in entity.items():
        if name in ("id", "type"):
            continue
        kind = "GeoProperty" if name == "location" else "Property"
        out[name] = {"type": kind, "value": value}
    return out


# -- the servers -------------------------------------------------------------------------
def feed_app(requests_: list[dict], entities: list[dict]):
    from flask import Flask, Response, request

    app = Flask("bench-feeds")
    times = [datetime.fromisoformat(r["requested_datetime"]) for r in requests_]
    v2_normal = [normalized_v2(e) for e in entities]
    ld = [ngsi_ld(e) for e in entities]

    def in_window() -> list[dict]:
        start = datetime.fromisoformat(request.args["start_date"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(request.args["end_date"].replace("Z", "+00:00"))
        return requests_[bisect_left(times, start) : bisect_right(times, end)][:1000]

    @app.get("/open311/requests.json")
    def open311_json():
        return Response(json.dumps(in_window()), content_type="application/json")

    @app.get("/open311/requests.xml")
    def open311_xml():
        items = "".join(
            "<request>"
            + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in r.items())
            + "</request>"
            for r in in_window()
        )
        body = f'<?xml version="1.0" encoding="utf-8"?><service_requests>{items}</service_requests>'
        return Response(body, content_type="text/xml")

    def page(items: list[dict], count_header: str) -> Response:
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 20))
        response = Response(
            json.dumps(items[offset : offset + limit]), content_type="application/json"
        )
        response.headers[count_header] = str(len(items))
        return response

    @app.get("/v2/entities")
    def v2():
        options = request.args.get("options", "")
        return page(entities if "keyValues" in options else v2_normal, "Fiware-Total-Count")

    @app.get("/ngsi-ld/v1/entities")
    def ngsi_ld_entities():
        return page(ld, "NGSILD-Results-Count")

    return app


def write_files(folder: Path, requests_: list[dict]) -> dict[str, Path]:
    """The same requests as an open-data export: CSV (US dates), GeoJSON and Parquet."""
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    def us(text: str) -> str:
        return datetime.fromisoformat(text).astimezone(UTC).strftime("%m/%d/%Y %I:%M:%S %p")

    paths = {"csv": folder / "requests.csv", "geojson": folder / "requests.geojson"}
    with paths["csv"].open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["SRNumber", "CreatedDate", "UpdatedDate", "RequestType", "Status",
                         "Address", "Latitude", "Longitude"])  # fmt: skip
        for r in requests_:
            writer.writerow([r["service_request_id"], us(r["requested_datetime"]),
                             us(r["updated_datetime"]), r["service_name"], r["status"].title(),
                             r["address"], r["lat"], r["long"]])  # fmt: skip
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["long"], r["lat"]]},
            "properties": {k: v for k, v in r.items() if k not in ("lat", "long")},
        }
        for r in requests_
    ]
    paths["geojson"].write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    paths["parquet"] = folder / "requests.parquet"
    pq.write_table(
        pa.table(
            {
                "id": [r["service_request_id"] for r in requests_],
                "opened": pa.array(
                    [datetime.fromisoformat(r["requested_datetime"]) for r in requests_],
                    pa.timestamp("us", tz="UTC"),
                ),
                "type": [r["service_name"] for r in requests_],
                "state": [r["status"] for r in requests_],
                "lat": [r["lat"] for r in requests_],
                "lon": [r["long"] for r in requests_],
            }
        ),
        paths["parquet"],
    )
    return paths


def cases(base_url: str, files: dict[str, Path]) -> dict[str, dict]:
    """Format -> the connector settings a city would write for it."""
    complaint_columns = {"request_id": "SRNumber", "requested_at": "CreatedDate",
                         "updated_at": "UpdatedDate", "service_name": "RequestType",
                         "status": "Status", "address": "Address", "lat": "Latitude",
                         "lon": "Longitude"}  # fmt: skip
    common = {"name": "bench", "timeout_s": 30, "retries": 0}
    open311 = {**common, "kind": "open311", "url": f"{base_url}/open311", "backfill_days": 15}
    ngsi = {**common, "url": base_url, "entity_type": "WasteContainer"}
    return {
        "Open311 JSON": open311,
        "Open311 XML": {**open311, "format": "xml"},
        "NGSI-v2 keyValues": {**ngsi, "kind": "ngsi-v2"},
        "NGSI-v2 normalized": {**ngsi, "kind": "ngsi-v2", "ngsi_options": "normalized"},
        "NGSI-LD": {**ngsi, "kind": "ngsi-ld"},
        "CSV": {**common, "kind": "file", "url": str(files["csv"]), "domain": "complaints",
                "columns": complaint_columns, "time_format": "%m/%d/%Y %I:%M:%S %p",
                "source_timezone": "UTC", "status_values": {"Open": "open", "Closed": "closed"}},
        "GeoJSON": {**common, "kind": "file", "url": str(files["geojson"]), "domain": "complaints",
                    "columns": {"request_id": "service_request_id",
                                "requested_at": "requested_datetime",
                                "updated_at": "updated_datetime", "status": "status",
                                "service_name": "service_name"}},
        "Parquet": {**common, "kind": "file", "url": str(files["parquet"]), "domain": "complaints",
                    "columns": {"request_id": "id", "requested_at": "opened", "status": "state",
                                "service_name": "type", "lat": "lat", "lon": "lon"}},
    }  # fmt: skip


# -- one measurement per subprocess ------------------------------------------------------
def child(case: str, settings_json: str, out_dir: str) -> dict:
    import logging

    logging.basicConfig(level=logging.WARNING)
    from store import Store

    store = Store(Path(out_dir) / f"{abs(hash(case))}.duckdb")
    before = rss_mb("VmRSS")
    if case == "baseline":
        return baseline_upsert(store, before)
    from config import ConnectorSettings
    from connectors.runner import build_connector, run_connector

    connector = build_connector(ConnectorSettings(**json.loads(settings_json)), TZ)
    reset_peak()
    clock = time.perf_counter()
    run = run_connector(connector, store, now=NOW)
    seconds = time.perf_counter() - clock
    return {"seconds": seconds, "fetched": run.fetched, "landed": run.inserted,
            "quarantined": run.quarantined, "status": run.status, "error": run.error,
            "peak_mb": rss_mb(), "before_mb": before}  # fmt: skip


def baseline_upsert(store, before: float) -> dict:
    """The same number of complaints, already normalized, straight into the store."""
    from store.schema import to_arrow
    from store.upsert import upsert

    rows = [
        {"source": "bench", "request_id": r["service_request_id"], "status": r["status"],
         "service_name": r["service_name"],
         "requested_at": datetime.fromisoformat(r["requested_datetime"]),
         "updated_at": datetime.fromisoformat(r["updated_datetime"]),
         "lon": r["long"], "lat": r["lat"]}
        for r in complaints()
    ]  # fmt: skip
    reset_peak()
    clock = time.perf_counter()
    with store.transaction() as cur:
        counts = upsert(cur, "service_requests", to_arrow("service_requests", rows))
    seconds = time.perf_counter() - clock
    return {"seconds": seconds, "fetched": N, "landed": counts.inserted, "quarantined": 0,
            "status": "ok", "error": None, "peak_mb": rss_mb(), "before_mb": before}  # fmt: skip


def measure(case: str, settings: dict | None, out: str) -> dict | None:
    done = subprocess.run(
        [sys.executable, __file__, case, json.dumps(settings or {}), out],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"  {case:<20} FAILED\n{done.stderr[-2000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 4:
        print(json.dumps(child(*sys.argv[1:])))
        return
    from sim.http import BackgroundServer

    print(f"ingest throughput, one first run of {N:,} records per format (each in its own process)")
    requests_ = complaints()
    with (
        tempfile.TemporaryDirectory() as out,
        BackgroundServer(feed_app(requests_, containers())) as server,
    ):
        files = write_files(Path(out), requests_)
        base = measure("baseline", None, out)
        base_rate = N / base["seconds"]
        print(f"  {'baseline: upsert only':<22} {base_rate:>9,.0f} records/s   "
              f"peak {base['peak_mb']:>6,.0f} MB   (the same rows, normalized)")  # fmt: skip
        for case, settings in cases(server.url, files).items():
            r = measure(case, settings, out)
            if r is None:
                continue
            if r["status"] != "ok":
                print(f"  {case:<22} run failed: {r['error']}")
                continue
            rate = r["fetched"] / r["seconds"]
            print(
                f"  {case:<22} {rate:>9,.0f} records/s   peak {r['peak_mb']:>6,.0f} MB   "
                f"{r['fetched']:,} fetched, {r['landed']:,} landed, {r['quarantined']:,} "
                f"quarantined in {r['seconds']:.1f} s; {base_rate / rate:,.0f}x the upsert's time"
            )


if __name__ == "__main__":
    main()
