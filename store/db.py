"""The DuckDB file: opening it with spatial loaded offline, migrations, cursors, write transactions.

One process owns the file. Every thread reads through its own cursor; writes are
serialised by one lock so that ingests from several connectors never conflict.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from store.extensions import install_offline
from store.migrations import migrate


class Store:
    """The C3 data store (a DuckDB file with the spatial extension)."""

    def __init__(self, path: str | Path, memory_limit: str | None = None, read_only: bool = False):
        """Open (or create) the store; `read_only` opens an existing file for reading only
        (no migrations: a dry run must not change it)."""
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
        self._con = duckdb.connect(self.path, read_only=read_only, config=config)
        self._con.execute("LOAD spatial")
        self._con.execute("SET GLOBAL TimeZone = 'UTC'")
        self.schema_version = None if read_only else migrate(self._con)
        self.store_id: str = self._con.execute(
            "SELECT value FROM store_meta WHERE key = 'store_id'"
        ).fetchone()[0]
        self._write_lock = threading.Lock()

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
        """A cursor inside one write transaction: committed on success, rolled back on error."""
        with self._write_lock:
            cur = self._con.cursor()
            cur.execute("BEGIN")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def close(self) -> None:
        self._con.close()
