"""The integration suite runs against both stores (issue 17): every test that takes the
`store` (or `empty_store`) fixture runs once on an embedded DuckDB file and once on a
lake (DuckLake, its catalog in the real PostgreSQL, its data under a temporary path)."""

from __future__ import annotations

import pytest

from store import Store
from store.city import load_city_model


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
