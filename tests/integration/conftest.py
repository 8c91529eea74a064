"""The integration suite runs against both stores (issue 17): every test that takes the
`store` (or `empty_store`) fixture runs once on an embedded DuckDB file and once on a
lake (DuckLake, its catalog in the real PostgreSQL, its data under a temporary path).
And the demo city with seeded faults, for the cross-domain signals (`faulted`)."""

from __future__ import annotations

import pytest

from sim.faults import seed_faults
from sim.model import DemoCity
from store import Store
from store.city import load_city_model
from tests.helpers import SEED, TZ
from tests.helpers.signals import FAULTS_SINCE, built


@pytest.fixture(params=["file", "lake"])
def empty_store(request, tmp_path):
    """A fresh, empty store (its schema only): a DuckDB file, or a new lake."""
    if request.param == "file":
        db = Store(tmp_path / "c3.duckdb")
    else:
        db = Store(":memory:", lake=request.getfixturevalue("lake"))
    yield db
    db.close()


@pytest.fixture
def store(empty_store, city):
    """A fresh store with the city model loaded, on each of the two stores."""
    load_city_model(empty_store, city)
    return empty_store


@pytest.fixture(scope="module")
def faulted(city, tmp_path_factory):
    """The demo city with the simulator's seeded faults (tests.helpers.signals), built
    once per module: (store, faults)."""
    clean = DemoCity(city, SEED, 120, TZ)
    faults = seed_faults(clean.containers, clean.segments, SEED, int(FAULTS_SINCE.timestamp()))
    store = built(city, tmp_path_factory.mktemp("faulted"), faults)
    yield store, faults
    store.close()
