"""The DuckDB file: opening it with spatial loaded offline, migrations, cursors, write transactions.

One process owns the file. Every thread reads through its own cursor; writes are
serialised by one lock so that ingests from several connectors never conflict.

A write that fails keeps its own error (a failed COMMIT has already ended the
transaction, so the ROLLBACK after it fails too, and would hide why); one that fails
because the file cannot be written (disk full, a quota) is remembered as `write_failure`,
its first error kept, until a later write succeeds, so the wall can say so while nothing
can be recorded in the file. A checkpoint that cannot be written (a full disk, as the
write-ahead log outgrows its threshold) invalidates DuckDB's database: every later read
and write fails until it is opened again. The store then reopens it at once, and keeps
trying at the next read or write while it cannot (`invalidated`); a COMMIT that DuckDB
says is durable despite the failed checkpoint counts as done. A write-ahead log that
cannot be replayed stops the opening with `StoreCorrupt`, which says what to do; C3
never moves or deletes the log itself. A file another process holds stops it with
`StoreLocked`, naming the process.
"""

from __future__ import annotations

import logging
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from store.extensions import install_offline
from store.failures import (
    DURABLE,
    INVALIDATED,
    LOCK_HELD,
    RETURNED_BYTES,
    StoreCorrupt,
    WriteFailure,
    cannot_write,
    failure_kind,
    invalidates,
    replay_detail,
)
from store.lake import (
    CATALOG,
    EXTENSIONS,
    Lake,
    ReadTurns,
    WriterLock,
    attach,
    attached_uninlined,
    primer_row,
    tables_without_stats,
)
from store.lock import StoreLocked, command_of
from store.migrations import migrate
from store.retention import flush_inlined, maintain_lake

log = logging.getLogger(__name__)
T = TypeVar("T")

CONFLICT_ATTEMPTS = 8  # a lake transaction that collided with another process's, run again
REOPEN_AFTER_S = 10.0  # between attempts to reopen an invalidated database that failed
READERS_WAIT_S = 10.0  # how long a reopen waits for the reads in progress to end


class Store:
    """The C3 data store: a DuckDB file with the spatial extension, or a lake (DuckLake)
    that several processes and machines share."""

    def __init__(
        self,
        path: str | Path,
        memory_limit: str | None = None,
        read_only: bool = False,
        config: dict[str, str] | None = None,
        lake: Lake | None = None,
    ):
        """Open (or create) the store: the DuckDB file at `path`, or the `lake` (`path` is
        then unused); `read_only` opens an existing file for reading only (no migrations:
        a dry run must not change it); `config`: more of DuckDB's settings
        (checkpoint_threshold...). Raises `StoreCorrupt` when the file's write-ahead log
        cannot be replayed, `StoreLocked` when another process holds the file."""
        self.lake = lake
        self.path = lake.label if lake else str(path)
        if read_only and not lake and not Path(self.path).exists():
            raise FileNotFoundError(self.path)
        if self.path != ":memory:" and not read_only and not lake:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._config = {
            "extension_directory": str(install_offline(EXTENSIONS if lake else ("spatial",))),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            **(config or {}),
        }
        if memory_limit:
            self._config["memory_limit"] = memory_limit
        self._read_only = read_only
        self._writers = WriterLock(lake) if lake else None  # a lake's writes take turns
        self._read_turns: ReadTurns | None = None  # reads at once: as many as ask
        self._here = threading.local()
        self._con = self._connect()
        self.schema_version = None if read_only else migrate(self._con, lake=lake is not None)
        # fetched whole: a result left pending keeps a transaction open on the connection,
        # and DuckDB then never checkpoints by itself (the write-ahead log only grows)
        self.store_id: str = self._con.execute(
            "SELECT value FROM store_meta WHERE key = 'store_id'"
        ).fetchall()[0][0]
        self._write_lock = threading.Lock()
        if lake is not None and not read_only:
            self._prime_stats()
        # the first write that failed because the file could not be written; None once a
        # later write succeeded (on a full disk: once space has returned)
        self.write_failure: WriteFailure | None = None
        # DuckDB's error that invalidated the database, while it could not be reopened
        self.invalidated: str | None = None
        self._next_reopen = 0.0
        self._readers, self._swapping = 0, False
        self._gate = threading.Condition()  # a reopen waits for the reads in progress

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if self.lake is not None:  # an in-memory DuckDB of this process, the lake attached
            con = duckdb.connect(":memory:", config=self._config)
            attach(con, self.lake)
            con.execute("SET GLOBAL TimeZone = 'UTC'")
            return con
        try:
            con = duckdb.connect(self.path, read_only=self._read_only, config=self._config)
        except duckdb.Error as exc:
            if (detail := replay_detail(exc)) is not None:
                raise StoreCorrupt(self.path, detail) from exc
            if held := LOCK_HELD.search(str(exc)):  # taken since `c3` checked the lock
                raise StoreLocked(Path(self.path), int(held[1]), command_of(int(held[1]))) from exc
            raise
        con.execute("LOAD spatial")
        con.execute("SET GLOBAL TimeZone = 'UTC'")
        return con

    def _lake_turn(self):
        """This process's turn to write the lake (`store.lake.WriterLock`); nothing to wait
        for with a file, which one process holds."""
        return self._writers.held() if self._writers is not None else nullcontext()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the store's connection (in a lake: its catalog the default, which
        DuckDB sets per cursor)."""
        cur = self._con.cursor()
        if self.lake is not None:
            cur.execute(f"USE {CATALOG}")
        return cur

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of this thread's own, for reads."""
        if self.invalidated is not None and self._write_lock.acquire(timeout=READERS_WAIT_S):
            try:  # (bounded: a reader inside a write of its own thread must not wait for ever)
                self._reopen()
            finally:
                self._write_lock.release()
        self._raise_if_invalid()
        with self._read_turn():
            with self._gate:
                while self._swapping:
                    self._gate.wait()
                self._readers += 1
            try:
                cur = self._cursor()
                try:
                    yield cur
                except duckdb.Error as exc:
                    if invalidates(exc):  # reopened at the next read or write, not under one
                        self._note(exc)
                    raise
                finally:
                    cur.close()
            finally:
                with self._gate:
                    self._readers -= 1
                    self._gate.notify_all()

    def limit_reads(self, n: int, threads_each: int | None = None) -> None:
        """At most `n` reads at once in this process (a lake's web worker: ReadTurns), each
        on at most `threads_each` of DuckDB's threads (kept when the database reopens)."""
        self._read_turns = ReadTurns(n)
        if threads_each is not None:
            self._config["threads"] = str(threads_each)
            self._con.execute(f"SET threads = {int(threads_each)}")

    def _read_turn(self, wait: bool = True):
        return self._read_turns.turn(wait) if self._read_turns is not None else nullcontext()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one write transaction: committed on success, rolled back on
        error. The error raised is the first one, never the rollback's own. A COMMIT
        that DuckDB made durable before its checkpoint failed is not an error: the store
        remembers why it cannot write and reopens the database."""
        with self._write_lock, self._lake_turn(), self._read_turn(wait=False):
            self._reopen()
            self._raise_if_invalid()
            cur = self._cursor()
            durable = None
            self._here.writes = self.writes_in_this_thread() + 1
            try:
                cur.execute("BEGIN")
                try:
                    yield cur
                    durable = _commit(cur)
                except BaseException:
                    # a failed COMMIT has ended the transaction already: its ROLLBACK then
                    # fails ("no transaction is active"), which must not replace why
                    with suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    raise
            except duckdb.Error as exc:
                self._note(exc)
                raise
            else:
                if durable is not None:
                    self._note(durable)
                elif self.write_failure is not None and self._space_returned():
                    self.write_failure = None
            finally:
                with suppress(duckdb.Error):
                    cur.close()
                self._reopen()

    def writes_in_this_thread(self) -> int:
        """How many write transactions this thread has begun (a request tried again after
        a reopen must not have written: api/reopen.py)."""
        return getattr(self._here, "writes", 0)

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """`work(cursor)` in one write transaction, its result returned. On a lake, a
        transaction that collided with another process's (DuckLake resolves only some
        collisions itself) is run again, from the start, after a short random wait."""
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                with self.transaction() as cur:
                    return work(cur)
            except duckdb.TransactionException as exc:
                if self.lake is None or "conflict" not in str(exc).lower():
                    raise
                if attempt == CONFLICT_ATTEMPTS - 1:
                    raise
                log.info("a lake transaction collided with another; trying again: %s",
                         str(exc).splitlines()[-1])  # fmt: skip
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
        raise AssertionError("unreachable")

    def _note(self, exc: duckdb.Error) -> None:
        """Remember why the store cannot write, and whether DuckDB's database is now
        invalid; the first error stands (what follows from it says less)."""
        if cannot_write(exc) and self.write_failure is None:
            text = str(exc)
            self.write_failure = WriteFailure(text, datetime.now(UTC), self._free(),
                                              failure_kind(text))  # fmt: skip
        if invalidates(exc) and self.invalidated is None:
            log.error("the store's database is invalid until reopened: %s", exc)
            self.invalidated, self._next_reopen = str(exc), 0.0

    def _reopen(self) -> None:
        """With the write lock held: open the file again when DuckDB invalidated it
        (replaying its write-ahead log), once the reads in progress have ended; a failed
        attempt is tried again at a later read or write, at most every REOPEN_AFTER_S."""
        if self.invalidated is None or time.monotonic() < self._next_reopen:
            return
        self._next_reopen = time.monotonic() + REOPEN_AFTER_S
        with self._gate:
            self._swapping = True
            try:
                if not self._gate.wait_for(lambda: self._readers == 0, READERS_WAIT_S):
                    return
                with suppress(duckdb.Error):
                    self._con.close()
                try:
                    self._con = self._connect()
                except Exception as exc:
                    log.error("the store cannot be reopened yet: %s", exc)
                    return
                log.warning("the store's database was reopened after: %s", self.invalidated)
                self.invalidated = None
            finally:
                self._swapping = False
                self._gate.notify_all()

    def _raise_if_invalid(self) -> None:
        if self.invalidated is not None:
            raise duckdb.FatalException(
                f"the store cannot be used until C3 reopens it: {self.invalidated}"
            )

    def _space_returned(self) -> bool:
        """After a write succeeded: whether the last failure is over (a disk that was full
        has space again; any other failure, a quota's too, at once)."""
        failure = self.write_failure
        if failure.free_bytes is None or failure.kind != "disk full":
            return True
        free = self._free()
        return free is None or free >= failure.free_bytes + RETURNED_BYTES

    def _free(self) -> int | None:
        """Bytes free on the file system of the file (None for a lake or in memory)."""
        if self.path == ":memory:" or self.lake is not None:
            return None
        try:
            return shutil.disk_usage(Path(self.path).resolve().parent).free
        except OSError:
            return None

    def checkpoint_and_close(self, wait_s: float = 5.0) -> bool:
        """Write everything into the file (no write-ahead log left to replay) and close it,
        once no write is in progress. False when a write still runs after `wait_s`
        seconds (the store left open), or when the checkpoint cannot be written (a full
        disk, a database DuckDB invalidated: the store is closed, and DuckDB replays its
        log at the next start). Never raises."""
        if not self._write_lock.acquire(timeout=wait_s):
            return False
        if self.lake is not None:  # every commit is in the lake already
            try:
                self.close()
                return True
            finally:
                self._write_lock.release()
        try:
            self._reopen()  # space may be back since the database was invalidated
            try:
                try:
                    self._con.execute("CHECKPOINT")
                except duckdb.Error:
                    # a reader's open transaction may hold it back; readers are only web
                    # requests of a server that has stopped
                    self._con.execute("FORCE CHECKPOINT")
                checkpointed = True
            except duckdb.Error as exc:
                self._note(exc)
                log.error("the store could not be checkpointed (DuckDB replays its "
                          "write-ahead log at the next start): %s", exc)  # fmt: skip
                checkpointed = False
            self.close()
            return checkpointed
        finally:
            self._write_lock.release()

    def _prime_stats(self) -> None:
        """Give each lake table that never had a data file its statistics (see
        store.lake.tables_without_stats): one row written to Parquet and deleted, in the
        writers' turn, so no other write comes between. A reader may see the row for
        the milliseconds between the two commits; it matches nothing a screen asks for."""
        try:
            with self._write_lock, self._lake_turn(), closing(self._cursor()) as cur:
                empty = [t for t in tables_without_stats(cur, self.lake)
                         if not cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]]
                if not empty:
                    return
                with attached_uninlined(cur, self.lake) as lake:  # the rows go to Parquet
                    inserts = [primer_row(cur, table, lake) for table in empty]
                    cur.execute("BEGIN; " + "; ".join(inserts) + "; COMMIT")
                    # the primers, and no other row: nothing else was written meanwhile
                    cur.execute("BEGIN; " + "; ".join(
                        f"DELETE FROM {lake}.{table}" for table in empty) + "; COMMIT")
        except duckdb.Error as exc:  # only reads are slower: the lake opens all the same
            log.warning("the lake's empty tables keep no statistics (%s): reads of them "
                        "ask the catalog more", str(exc).splitlines()[0])  # fmt: skip

    def flush_inlined(self) -> None:
        """A lake's small writes, kept in its catalog, written to Parquet (read faster)."""
        if self.lake is not None:
            with self._write_lock, self._lake_turn(), closing(self._cursor()) as cur:
                flush_inlined(cur)

    def maintain_lake(self, snapshots_before: datetime, files_before: datetime) -> None:
        """A lake's upkeep (store.retention.maintain_lake) in this process's turn to write."""
        if self.lake is not None:
            with self._write_lock, self._lake_turn(), closing(self._cursor()) as cur:
                maintain_lake(cur, snapshots_before, files_before)

    def close(self) -> None:
        """Close the file; an invalidated database closes too, without an error."""
        with suppress(duckdb.Error):
            self._con.close()
        if self._writers is not None:
            self._writers.close()


def _commit(cur: duckdb.DuckDBPyConnection) -> duckdb.Error | None:
    """COMMIT; None, or DuckDB's error when the COMMIT is durable (in the write-ahead log)
    but the checkpoint after it failed and invalidated the database."""
    try:
        cur.execute("COMMIT")
    except duckdb.FatalException as exc:
        if DURABLE not in str(exc) or INVALIDATED in str(exc):
            raise
        return exc
    return None
