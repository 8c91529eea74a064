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


class ReadTurns:
    """At most `n` reads of a lake at once in this process; the others wait their turn.
    Every read costs CPU however small it is (DuckLake asks its catalog for the snapshot
    and the files), so a crowd of heavy reads would starve the requests that need none
    (the walls' polls, answered from memory). A thread that has a turn, or is writing,
    reads again without waiting."""

    def __init__(self, n: int):
        self._slots = threading.BoundedSemaphore(n)
        self._depth = threading.local()

    @contextmanager
    def turn(self, wait: bool = True) -> Iterator[None]:
        """A turn to read (`wait=False`: for a write, which has its own turns)."""
        depth = getattr(self._depth, "n", 0)
        take = wait and depth == 0
        if take:
            self._slots.acquire()
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            if take:
                self._slots.release()


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


def tables_without_stats(con: duckdb.DuckDBPyConnection, lake: Lake) -> list[str]:
    """The lake's tables that have never had a data file, hence no statistics in the
    catalog. DuckLake (as of duckdb 1.5.5) looks such a table's statistics up again at
    every mention of it while planning a query, two catalog round trips each (its issue
    #1398): thirty of them for one page of /explore's table, which tripled its cost,
    because the history views mention the rollups, empty for the first `raw_days`."""
    metadata = f"__ducklake_metadata_{CATALOG}"  # the catalog's database, as DuckLake names it
    schema = "public" if lake.catalog.startswith("postgres:") else "main"
    return [r[0] for r in con.execute(
        f"""SELECT t.table_name FROM {metadata}.{schema}.ducklake_table t
            LEFT JOIN {metadata}.{schema}.ducklake_table_stats s USING (table_id)
            WHERE t.end_snapshot IS NULL AND s.table_id IS NULL ORDER BY 1""").fetchall()]


@contextmanager
def attached_uninlined(con: duckdb.DuckDBPyConnection, lake: Lake) -> Iterator[str]:
    """The lake attached a second time, writing every row to Parquet (no inlining); its
    name, detached after."""
    name = f"{CATALOG}_uninlined"
    catalog, data_path = (v.replace("'", "''") for v in (lake.catalog, lake.data_path))
    con.execute(f"ATTACH 'ducklake:{catalog}' AS {name} "
                f"(DATA_PATH '{data_path}', DATA_INLINING_ROW_LIMIT 0)")  # fmt: skip
    try:
        yield name
    finally:
        con.execute(f"DETACH {name}")


def primer_row(con: duckdb.DuckDBPyConnection, table: str, into: str) -> str:
    """An INSERT of one row that any of `table`'s columns take: NULL where a column
    allows it, else a zero of its type (the row is deleted at once: `Store` primes)."""
    values = []
    for column_type, nullable in con.execute(
        "SELECT data_type, is_nullable FROM information_schema.columns WHERE table_catalog = ? "
        "AND table_name = ? ORDER BY ordinal_position", [CATALOG, table]).fetchall():  # fmt: skip
        zero = ("[]" if column_type.endswith("[]") else "''" if column_type == "VARCHAR"
                else "false" if column_type == "BOOLEAN"
                else "'1970-01-01'" if column_type.startswith(("TIMESTAMP", "DATE")) else "0")
        values.append(f"CAST({'NULL' if nullable == 'YES' else zero} AS {column_type})")
    return f"INSERT INTO {into}.{table} VALUES ({', '.join(values)})"


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
