"""The wall's alert when the store cannot write: why, in words an operator acts on; and
what the store remembers of a failure (a quota is not a full disk)."""

from datetime import UTC, datetime

import duckdb
import pytest

from analytics.kpis import store_alert
from store import Store, WriteFailure
from store.failures import failure_kind

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
FULL = (
    'TransactionContext Error: Failed to commit: Could not write file "/var/c3/c3.duckdb.wal": '
    "No space left on device"
)
QUOTA = 'IO Error: Could not write file "/var/c3/c3.duckdb.wal": Disk quota exceeded'


def failure(error: str, free_bytes: int | None) -> WriteFailure:
    return WriteFailure(error, AT, free_bytes, failure_kind(error))


def test_a_full_disk_says_so_with_the_space_left():
    alert = store_alert(failure(FULL, 3_400_000))
    assert alert.title == "The store cannot write: disk full, 3.4 MB free"
    assert (alert.kind, alert.key, alert.at, alert.place) == ("feeds", "store:write", AT,
                                                              "data store")  # fmt: skip
    assert store_alert(failure(FULL, 250_000_000)).title.endswith("disk full, 250 MB free")
    assert store_alert(failure(FULL, None)).title == "The store cannot write: disk full"


def test_another_reason_is_given_in_duckdbs_words_on_one_line():
    error = 'IO Error: Cannot open file "/var/c3/c3.duckdb.wal": Read-only file system\nmore'
    assert store_alert(failure(error, 10**9)).title == (
        'The store cannot write: IO Error: Cannot open file "/var/c3/c3.duckdb.wal": '
        "Read-only file system"
    )


def test_a_quota_is_said_as_a_quota_not_as_the_file_systems_free_space():
    assert failure_kind(QUOTA) == "quota" and failure_kind(FULL) == "disk full"
    assert store_alert(failure(QUOTA, 80_000_000_000)).title == (
        "The store cannot write: the disk quota is exceeded"
    )


def test_a_database_that_cannot_be_read_either_says_so():
    alert = store_alert(failure(FULL, 0), readable=False)
    assert alert.title == ("The store cannot write: disk full, 0.0 MB free; it cannot be read "
                           "either until C3 reopens it")  # fmt: skip


def test_a_quota_clears_at_the_next_write_that_succeeds(tmp_path):
    """A quota freed shows in no file system's free space: the next good write clears it."""
    store = Store(tmp_path / "c3.duckdb")
    try:
        with pytest.raises(duckdb.IOException), store.transaction():
            raise duckdb.IOException(QUOTA)
        assert store.write_failure.kind == "quota"
        with store.transaction() as cur:
            cur.execute("CREATE TABLE t (x INTEGER)")
        assert store.write_failure is None
    finally:
        store.close()
