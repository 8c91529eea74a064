"""The DuckDB file: opening it with spatial loaded offline, migrations, cursors, write transactions.

One process owns the file. Every thread reads through its own cursor; writes are
serialised by one lock so that ingests from several connectors never conflict.

A write that fails keeps its own error (a failed COMMIT has already ended the
transaction, so the ROLLBACK after it fails too, and would hide why); one that fails
because the file cannot be written (disk full) is remembered as `write_failure` until a
later write succeeds, so the wall can say so while nothing can be recorded in the file.
A write-ahead log that cannot be replayed stops the opening with `StoreCorrupt`, which
says what to do; C3 never moves or deletes the log itself.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from store.extensions import install_offline
from store.migrations import migrate

# What DuckDB says when the file (or its write-ahead log) cannot be written
CANNOT_WRITE = (
    "No space left on device",
    "Disk quota exceeded",
    "Could not write file",
    "Read-only file system",
    "database has been invalidated",
)
DISK_FULL = ("No space left on device", "Disk quota exceeded")
WAL_REPLAY = "Failure while replaying WAL file"
# A small write can still fit in the last block of a full disk: space has returned only
# when this much more is free than when a write failed
RETURNED_BYTES = 1_000_000


class StoreCorrupt(Exception):
    """The store's write-ahead log cannot be replayed: the file does not open. The
    message says which file, why, and what to do; both files are left as they were."""

    def __init__(self, path: str, detail: str):
        self.path, self.wal, self.detail = path, f"{path}.wal", detail
        super().__init__(
            f"{path} cannot be opened: its write-ahead log {self.wal} cannot be replayed "
            f"({detail}). C3 has left both files as they are. Restore {path} from a backup, "
            f"or move {self.wal} aside knowingly — the changes in it are then lost — and "
            "start C3 again."
        )


@dataclass(frozen=True)
class WriteFailure:
    """The last write the store could not make: DuckDB's error, when, and the bytes free
    on the file's file system then (None for an in-memory store)."""

    error: str
    at: datetime
    free_bytes: int | None


def cannot_write(exc: BaseException) -> bool:
    """Whether `exc` says the file could not be written (rather than a bad statement)."""
    return isinstance(exc, duckdb.IOException) or any(m in str(exc) for m in CANNOT_WRITE)


def _replay_detail(exc: duckdb.Error) -> str | None:
    """DuckDB's reason when `exc` is a failed replay of the write-ahead log, else None."""
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    if WAL_REPLAY not in first_line:
        return None
    return first_line.split('": ', 1)[-1].strip() or first_line


class Store:
    """The C3 data store (a DuckDB file with the spatial extension)."""

    def __init__(self, path: str | Path, memory_limit: str | None = None, read_only: bool = False):
        """Open (or create) the store; `read_only` opens an existing file for reading only
        (no migrations: a dry run must not change it). Raises `StoreCorrupt` when the
        file's write-ahead log cannot be replayed."""
        self.path = str(path)
        if read_only and not Path(self.path).exists():
            raise FileNotFoundError(self.path)
        if self.path != ":memory:" and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        config = {
            "extension_directory": str(install_offline()),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
        if memory_limit:
            config["memory_limit"] = memory_limit
        try:
            self._con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.Error as exc:
            if (detail := _replay_detail(exc)) is not None:
                raise StoreCorrupt(self.path, detail) from exc
            raise
        self._con.execute("LOAD spatial")
        self._con.execute("SET GLOBAL TimeZone = 'UTC'")
        self.schema_version = None if read_only else migrate(self._con)
        self.store_id: str = self._con.execute(
            "SELECT value FROM store_meta WHERE key = 'store_id'"
        ).fetchone()[0]
        self._write_lock = threading.Lock()
        # the last write that failed because the file could not be written; None once a
        # later write succeeded (on a full disk: once space has returned)
        self.write_failure: WriteFailure | None = None

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of this thread's own, for reads."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one write transaction: committed on success, rolled back on
        error. The error raised is the first one, never the rollback's own."""
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN")
                try:
                    yield cur
                    cur.execute("COMMIT")
                except BaseException:
                    # a failed COMMIT has ended the transaction already: its ROLLBACK then
                    # fails ("no transaction is active"), which must not replace why
                    with suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    raise
            except duckdb.Error as exc:
                if cannot_write(exc):
                    self.write_failure = WriteFailure(str(exc), datetime.now(UTC), self._free())
                raise
            else:
                if self.write_failure is not None and self._space_returned():
                    self.write_failure = None
            finally:
                cur.close()

    def _space_returned(self) -> bool:
        """After a write succeeded: whether the last failure is over (a disk that was full
        has space again; any other failure, at once)."""
        failure = self.write_failure
        if failure.free_bytes is None or not any(m in failure.error for m in DISK_FULL):
            return True
        free = self._free()
        return free is None or free >= failure.free_bytes + RETURNED_BYTES

    def _free(self) -> int | None:
        """Bytes free on the file system of the file."""
        if self.path == ":memory:":
            return None
        try:
            return shutil.disk_usage(Path(self.path).resolve().parent).free
        except OSError:
            return None

    def checkpoint_and_close(self, wait_s: float = 5.0) -> bool:
        """Write everything into the file (no write-ahead log left to replay) and close it,
        once no write is in progress; False (the store left open) when a write still runs
        after `wait_s` seconds."""
        if not self._write_lock.acquire(timeout=wait_s):
            return False
        try:
            try:
                self._con.execute("CHECKPOINT")
            except duckdb.Error:
                # a reader's open transaction may hold it back; readers are only web
                # requests of a server that has stopped
                self._con.execute("FORCE CHECKPOINT")
            self._con.close()
            return True
        finally:
            self._write_lock.release()

    def close(self) -> None:
        self._con.close()
