"""The synthetic city's service requests: exactly as many as asked, filed over the
history's window, as rows of `service_requests` the way the demo's Open311 connector
stores them (status as at the window's end, no zip code or media)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim import backfill
from sim.model import DemoCity
from store.schema import own_data_schema

REQUEST_SOURCE = "complaints"  # the demo's Open311 feed: rows look as its ingest stores them


def synthetic_requests(demo: DemoCity, start_s: int, end_s: int, n: int, seed: int) -> pa.Table:
    """Exactly n requests filed in [start, end], as the Open311 connector stores them.

    The simulator files requests at a rate a little above n over the window; a seeded
    random n of them are kept (thinning keeps the arrival pattern and the mix).
    """
    schema = own_data_schema("service_requests")
    if n == 0:
        return schema.empty_table()
    frame = demo.requests_as_of(end_s, start_s)
    while len(frame) < n:  # a window short of requests: ask the simulator for more
        more = demo.requests_per_day * 1.5 * n / max(len(frame), 1)
        demo = DemoCity(demo.city, demo.seed, len(demo.containers), demo.tz, requests_per_day=more)
        frame = demo.requests_as_of(end_s, start_s)
    keep = np.sort(np.random.default_rng([seed, 9]).choice(len(frame), n, replace=False))
    frame = frame.iloc[keep]

    def text(name: str) -> pa.Array:
        return pa.array(frame[name].to_numpy(), pa.string())

    def stamp(name: str) -> pa.Array:
        return backfill._ts(frame[name].to_numpy())

    nulls = pa.nulls(n, pa.string())
    return pa.table(
        {
            "source": pa.array([REQUEST_SOURCE] * n, pa.string()),
            "request_id": text("service_request_id"),
            "status": text("status"),
            "status_notes": text("status_notes"),
            "service_code": text("service_code"),
            "service_name": text("service_name"),
            "description": text("description"),
            "agency_responsible": text("agency_responsible"),
            "requested_at": stamp("requested_s"),
            "updated_at": stamp("updated_s"),
            "expected_at": stamp("expected_s"),
            "address": text("address"),
            "zipcode": nulls,
            "lon": pa.array(frame["lon"].to_numpy(), pa.float64()),
            "lat": pa.array(frame["lat"].to_numpy(), pa.float64()),
            "media_url": nulls,
        },
        schema=schema,
    )
