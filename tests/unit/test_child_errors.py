"""An operator's mistake met in the child process that opens the store (`cli.web.in_child`:
`c3 synthetic`, the demo's build) reaches the parent whole, so `c3` can say it in one
line: a file another process holds names that process, a log that cannot be replayed
says what to do (both crashed with a TypeError when sent back)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.web import in_child
from store import StoreCorrupt
from store.lock import StoreLocked


def held(progress):
    raise StoreLocked(Path("/var/c3/c3.duckdb"), 4242, "c3 serve")


def damaged(progress):
    raise StoreCorrupt("/var/c3/c3.duckdb", "checksum mismatch")


def test_a_held_file_is_named_with_its_holder_across_the_child():
    with pytest.raises(StoreLocked) as caught:
        in_child(held, progress=print)
    assert (caught.value.pid, caught.value.command) == (4242, "c3 serve")
    assert str(caught.value).startswith("/var/c3/c3.duckdb is in use by process 4242 (c3 serve)")


def test_a_log_that_cannot_be_replayed_says_what_to_do_across_the_child():
    with pytest.raises(StoreCorrupt) as caught:
        in_child(damaged, progress=print)
    assert caught.value.wal == "/var/c3/c3.duckdb.wal"
    assert "(checksum mismatch). C3 has left both files as they are." in str(caught.value)
