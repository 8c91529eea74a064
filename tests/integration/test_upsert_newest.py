"""A table with a `newest` column (service_requests.updated_at): the newest version of a row
wins inside a batch and against the stored row, and the counts still add up."""

from datetime import UTC, datetime, timedelta

import pytest

from store.schema import to_arrow
from store.upsert import upsert

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(empty_store):
    """An empty store: a DuckDB file, then a lake (tests/integration/conftest.py)."""
    return empty_store


def version(status, updated, request_id="r1"):
    return {
        "source": "311",
        "request_id": request_id,
        "status": status,
        "requested_at": T0,
        "updated_at": updated,
        "lon": 24.94,
        "lat": 60.17,
    }


def load(db, *rows):
    with db.transaction() as cur:
        counts = upsert(cur, "service_requests", to_arrow("service_requests", list(rows)))
    assert counts.inserted + counts.updated + counts.unchanged == len(rows)
    return counts.inserted, counts.updated, counts.unchanged


def stored(db):
    with db.reading() as cur:
        return cur.execute(
            "SELECT request_id, status, updated_at FROM service_requests ORDER BY ALL"
        ).fetchall()


def test_the_newest_version_in_a_batch_wins_wherever_it_is(db):
    newer = version("closed", T0 + timedelta(hours=2))
    older = version("open", T0 + timedelta(hours=1))
    assert load(db, newer, older) == (1, 0, 1)
    assert stored(db) == [("r1", "closed", T0 + timedelta(hours=2))]


def test_a_version_without_update_time_loses_and_ties_go_to_the_last(db):
    assert load(db, version("closed", T0), version("open", None)) == (1, 0, 1)
    assert stored(db)[0][1] == "closed"
    load(db, version("open", T0 + timedelta(hours=1)), version("closed", T0 + timedelta(hours=1)))
    assert stored(db)[0][1] == "closed"


def test_an_older_version_never_overwrites_the_stored_one(db):
    load(db, version("closed", T0 + timedelta(hours=2)))
    assert load(db, version("open", T0 + timedelta(hours=1))) == (0, 0, 1)
    assert stored(db) == [("r1", "closed", T0 + timedelta(hours=2))]


def test_a_later_version_without_update_time_applies(db):
    # updated_datetime is optional in Open311: a feed that leaves it out still closes requests
    load(db, version("open", T0))
    assert load(db, version("closed", None)) == (0, 1, 0)
    assert stored(db)[0][1] == "closed"


def test_a_newer_or_equally_new_version_updates(db):
    load(db, version("open", T0))
    assert load(db, version("closed", T0)) == (0, 1, 0)  # same time, new facts: applied
    assert load(db, version("open", T0 + timedelta(hours=1))) == (0, 1, 0)
    assert stored(db) == [("r1", "open", T0 + timedelta(hours=1))]


def test_a_mixed_batch_applies_only_what_is_newer(db):
    load(db, version("closed", T0 + timedelta(hours=2), "a"), version("open", T0, "b"))
    counts = load(
        db,
        version("open", T0 + timedelta(hours=1), "a"),  # stale: ignored
        version("closed", T0 + timedelta(hours=3), "b"),  # newer: applied
        version("open", T0, "c"),  # new request
    )
    assert counts == (1, 1, 1)
    assert [(r, s) for r, s, _ in stored(db)] == [("a", "closed"), ("b", "closed"), ("c", "open")]
