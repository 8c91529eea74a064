"""The shared store on DuckLake: a catalog in PostgreSQL, the data as Parquet files under a
data path (a local or shared directory, or an S3-compatible URL), opened through DuckDB's
own `ducklake` and `postgres` extensions from the wheels pinned to DuckDB's version.

The queries are the embedded store's; what differs is the schema's form, and that
writes take turns. DuckLake keeps
no PRIMARY KEY, UNIQUE, sequence or index, lists take no default, and a column added to
a table takes only a literal default. The natural keys live where they are used anyway
(`store.schema.TABLES` for the upserts, `MERGE INTO` for the rest), ids come from
`store.ids`, and `lake_sql` turns the migrations, written once for DuckDB, into the
lake's form. Without unique keys, two processes upserting the same new rows at once
would each insert them (DuckLake lets concurrent inserts through by design), so every
write transaction of a lake holds `WriterLock`, an advisory lock in the catalog's
PostgreSQL database, from before it reads to after it commits.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import psycopg

EXTENSIONS = ("spatial", "ducklake", "postgres_scanner")
CATALOG = "c3"  # the name the lake is attached under in every connection
INIT_ATTEMPTS = 10
WRITER_LOCK_KEY = 0x63330001  # pg_advisory_xact_lock's key for "writing C3's lake"


@dataclass(frozen=True)
class Lake:
    """Where a lake's catalog and data files are. `catalog` is DuckLake's metadata
    database, e.g. "postgres:dbname=c3 host=db.city.local user=c3" (a password is best
    left to PGPASSWORD or ~/.pgpass); `data_path` a directory every machine reaches, or
    an s3:// URL; writes of up to `inlining_rows` rows stay in the catalog (DuckLake's
    data inlining) until maintenance flushes them to Parquet."""

    catalog: str
    data_path: str
    inlining_rows: int = 1000

    @property
    def label(self) -> str:
        """The catalog, for messages and logs, with any password left out."""
        return "ducklake:" + re.sub(r"password=\S+", "password=…", self.catalog)


class WriterLock:
    """One write transaction at a time across every process and machine of a lake: a
    transaction-scoped advisory lock in the catalog's PostgreSQL database, on a
    connection of this process's own (reopened if it broke). A catalog that is not
    PostgreSQL (a local DuckDB or SQLite file) has one process anyway: no lock."""

    def __init__(self, lake: Lake):
        postgres = lake.catalog.startswith("postgres:")
        self._dsn = lake.catalog.removeprefix("postgres:") if postgres else None
        self._con: psycopg.Connection | None = None
        self._mutex = threading.Lock()

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._dsn is None:
            yield
            return
        with self._mutex:
            if self._con is None or self._con.closed or self._con.broken:
                self._con = psycopg.connect(self._dsn, autocommit=True)
            with self._con.transaction():
                self._con.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK_KEY])
                yield  # released as this transaction ends, after the lake's has committed

    def close(self) -> None:
        if self._con is not None:
            self._con.close()


def attach(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """Load the lake's extensions into `con` (installed offline: store.extensions), attach
    the lake and make it the default catalog."""
    for name in EXTENSIONS:
        con.execute(f"LOAD {name}")
    data_path = lake.data_path.replace("'", "''")
    catalog = lake.catalog.replace("'", "''")
    for attempt in range(INIT_ATTEMPTS):
        try:
            con.execute(
                f"ATTACH 'ducklake:{catalog}' AS {CATALOG} "
                f"(DATA_PATH '{data_path}', DATA_INLINING_ROW_LIMIT {int(lake.inlining_rows)})"
            )
            break
        except duckdb.Error as exc:
            # a new lake's first two processes both create its catalog: one of them wins
            if "initialize DuckLake" not in str(exc) or attempt == INIT_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    con.execute(f"USE {CATALOG}")


def lake_sql(sql: str) -> str:
    """A migration (DuckDB's SQL, as the embedded store applies it) in the lake's form:
    no sequences, primary keys or list defaults; a boolean default of an added column as
    a literal DuckLake takes."""
    sql = re.sub(r"--[^\n]*", "", sql)
    sql = re.sub(r"CREATE SEQUENCE\s+\w+\s*;", "", sql, flags=re.I)
    sql = re.sub(r"\s+DEFAULT\s+nextval\('\w+'\)", "", sql, flags=re.I)
    sql = re.sub(r",\s*PRIMARY KEY\s*\([^)]*\)", "", sql, flags=re.I)
    sql = re.sub(r"\s+PRIMARY KEY\b", "", sql, flags=re.I)
    sql = re.sub(r"\s+DEFAULT\s+\[\]", "", sql, flags=re.I)
    return re.sub(
        r"(ADD COLUMN [^;]*?DEFAULT\s+)(true|false)\b", r"\1'\2'", sql, flags=re.I
    )
