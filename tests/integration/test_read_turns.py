"""A lake's web worker runs at most `[store] reads_at_once` reads at once (issue 17): the
others wait their turn instead of crowding the CPU, a read inside a read or a write does
not wait for itself, and a flush writes a lake's inlined rows to Parquet without changing
what a read sees."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from store.ledger import bump_version


def test_reads_beyond_the_limit_wait_their_turn(store):
    store.limit_reads(1)
    inside, release, second_in = threading.Event(), threading.Event(), threading.Event()

    def long_read():
        with store.reading() as cur:
            cur.execute("SELECT 1").fetchall()
            inside.set()
            release.wait(10)

    def short_read():
        with store.reading() as cur:
            second_in.set()
            return cur.execute("SELECT 2").fetchone()[0]

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(long_read)
        assert inside.wait(10)
        second = pool.submit(short_read)
        assert not second_in.wait(0.3)  # the one turn is taken
        release.set()
        assert second.result(10) == 2
        first.result(10)


def test_a_web_workers_reads_each_run_on_the_threads_they_are_given(store):
    """A web tier runs more reads at once than it has cores: one DuckDB thread each."""
    for threads in (1, 3):  # one of them is not this machine's default
        store.limit_reads(2, threads_each=threads)
        with store.reading() as cur:
            assert cur.execute("SELECT current_setting('threads')").fetchone()[0] == threads


def test_a_read_inside_a_read_or_a_write_takes_no_second_turn(store):
    store.limit_reads(1)
    with store.reading() as outer, store.reading() as inner:
        assert inner.execute("SELECT 1").fetchone()[0] == outer.execute("SELECT 1").fetchone()[0]
    done = []

    def write_then_read():
        with store.transaction() as cur:
            bump_version(cur, "waste")
            with store.reading() as again:
                done.append(again.execute("SELECT 1").fetchone()[0])

    with store.reading():  # another thread's write (and its read) goes on meanwhile
        worker = threading.Thread(target=write_then_read)
        worker.start()
        worker.join(10)
    assert done == [1]


def data_files(store, table: str) -> int:
    with store.reading() as cur:
        files = f"SELECT count(*) FROM ducklake_list_files('c3', '{table}')"
        return cur.execute(files).fetchone()[0]


def test_a_flush_writes_a_lakes_inlined_rows_to_parquet_and_keeps_what_reads_see(store):
    with store.transaction() as cur:
        cur.execute("INSERT INTO waste_readings (container_id, observed_at, fill_level) "
                    "SELECT 'c' || i, now() - to_minutes(i), 0.5 FROM range(50) t(i)")  # fmt: skip
    before = store.lake is not None and data_files(store, "waste_readings")
    store.flush_inlined()  # a file has nothing to flush: nothing happens
    with store.reading() as cur:
        assert cur.execute("SELECT count(*) FROM waste_readings").fetchone()[0] == 50
    if store.lake is not None:  # the 50 rows were in the catalog; now in a file of their own
        assert data_files(store, "waste_readings") == before + 1
