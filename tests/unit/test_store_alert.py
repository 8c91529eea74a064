"""The wall's alert when the store cannot write: why, in words an operator acts on."""

from datetime import UTC, datetime

from analytics.kpis import store_alert

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
FULL = (
    'TransactionContext Error: Failed to commit: Could not write file "/var/c3/c3.duckdb.wal": '
    "No space left on device"
)


def test_a_full_disk_says_so_with_the_space_left():
    alert = store_alert(FULL, AT, 3_400_000)
    assert alert.title == "The store cannot write: disk full, 3.4 MB free"
    assert (alert.kind, alert.key, alert.at, alert.place) == ("feeds", "store:write", AT,
                                                              "data store")  # fmt: skip
    assert store_alert(FULL, AT, 250_000_000).title.endswith("disk full, 250 MB free")
    assert store_alert(FULL, AT, None).title == "The store cannot write: disk full"


def test_another_reason_is_given_in_duckdbs_words_on_one_line():
    error = 'IO Error: Cannot open file "/var/c3/c3.duckdb.wal": Read-only file system\nmore'
    assert store_alert(error, AT, 10**9).title == (
        'The store cannot write: IO Error: Cannot open file "/var/c3/c3.duckdb.wal": '
        "Read-only file system"
    )
