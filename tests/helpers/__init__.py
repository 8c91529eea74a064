"""Helpers the tests share: the city's time zone, the fixed moment and seed the demo data is
made with, the demo's feeds, rows read back from a store, the feed line's badge states,
and whether a Redis answers.

Themed helpers live beside this module: `tests.helpers.feeds` (local feeds a test scripts
to misbehave), `tests.helpers.entities` (NGSI entities in their several forms) and
`tests.helpers.browser` (what the browser tests read from the page)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

from config import ConnectorSettings

# Tests never read a c3.toml lying in the working directory (nor does a bench that imports
# these helpers): settings are read when loaded, so setting this on import is early enough.
os.environ.setdefault("C3_CONFIG", os.devnull)

TZ = "Europe/Helsinki"
SEED = 42
# A fixed 'now' (a Tuesday, 09:00 local) so runs against the simulator are repeatable.
FIXED_NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)


def days_back_to_fixed_now(days_before: int = 14) -> int:
    """The `backfill_days` a connector's first run (which counts back from the real now)
    needs to reach `days_before` days before FIXED_NOW: more with every day that passes."""
    return (datetime.now(UTC) - FIXED_NOW).days + 1 + days_before


def demo_feeds(base_url: str, **overrides) -> list[ConnectorSettings]:
    """The demo's three feeds (waste, traffic, complaints) on the simulator at `base_url`."""
    common = {"retries": 1, "timeout_s": 5.0, **overrides}
    return [
        ConnectorSettings(
            name="waste", kind="ngsi-v2", url=base_url, entity_type="WasteContainer", **common
        ),
        ConnectorSettings(
            name="traffic",
            kind="ngsi-v2",
            url=base_url,
            entity_type="TrafficFlowObserved",
            **common,
        ),
        ConnectorSettings(
            name="complaints",
            kind="open311",
            url=f"{base_url}/open311/v2",
            updated_after=True,
            **common,
        ),
    ]


def seed_demo_day(store, demo_city, now: datetime) -> list[ConnectorSettings]:
    """A store as the demo leaves it: a day of history and one poll of every demo feed
    from the simulator over HTTP. Returns the feeds."""
    from connectors.runner import build_connector, run_connector
    from sim.demo_history import backfill_demo
    from sim.http import BackgroundServer
    from sim.server import create_sim_app

    backfill_demo(store, demo_city, days=1, step_minutes=60, now=now)
    with BackgroundServer(create_sim_app(demo_city, "Helsinki")) as sim:
        feeds = demo_feeds(sim.url)
        for feed in feeds:
            run = run_connector(build_connector(feed, TZ), store, now=now)
            assert run.status == "ok", run.error
    return feeds


def rows(store, sql, params=None):
    """Every row a query gives on the store, as tuples."""
    with store.reading() as cur:
        return cur.execute(sql, params).fetchall()


def badge_states(badges) -> dict[str, str]:
    """{feed: state} of the feed line's badges (components.feed_badges), as Dash sends them."""
    return {
        b.to_plotly_json()["props"]["data-feed"]: b.to_plotly_json()["props"]["data-state"]
        for b in badges
    }


def listening(host: str, port: int) -> bool:
    """Whether a server accepts connections on (host, port)."""
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


def redis_answers(host: str, port: int) -> bool:
    """Whether a Redis server answers PING on (host, port)."""
    try:
        with socket.create_connection((host, port), timeout=0.3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def store_toml(store) -> str:
    """The `[store]` table of a c3.toml that opens `store` (nothing for a DuckDB file under
    data_dir; the catalog and data path for a lake): CLI tests run against both stores."""
    if store.lake is None:
        return ""
    return (f'[store]\nkind = "ducklake"\ncatalog = "{store.lake.catalog}"\n'
            f'data_path = "{store.lake.data_path}"\n')  # fmt: skip


# What C3 publishes without sign-in (issue 20), each route with a URL of it: the access
# matrix expects every one public, to anyone (a 404, as of the pulse when off, is no refusal)
PUBLISHED = {
    "/open311/v2/services.<fmt>": "/open311/v2/services.json",
    "/open311/v2/requests.<fmt>": "/open311/v2/requests.json",
    "/open311/v2/requests/<request_id>.<fmt>": "/open311/v2/requests/1.json",
    "/status/<request_id>": "/status/1",
    "/status/<request_id>/photo.jpg": "/status/1/photo.jpg",
    "/status/<request_id>/qr.svg": "/status/1/qr.svg",
    "/status/static/<path:filename>": "/status/static/status.css",
    "/openapi.json": "/openapi.json",
    "/open-data/v1/": "/open-data/v1/",
    "/open-data/v1/layers/<name>.<fmt>": "/open-data/v1/layers/zones.geojson",
    "/open-data/v1/readings/<domain>.<fmt>": "/open-data/v1/readings/waste.csv",
    "/open-data/v1/rollups/<domain>.<fmt>": "/open-data/v1/rollups/waste.csv",
    "/ngsi-ld/v1/entities": "/ngsi-ld/v1/entities?type=WasteContainer",
    "/ngsi-ld/v1/entities/<path:entity_id>": "/ngsi-ld/v1/entities/urn:x",
    "/pulse": "/pulse",
}
