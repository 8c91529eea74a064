"""Where C3 keeps its data (`[store]`): the embedded DuckDB file (the default: one process,
one machine), or a lake (DuckLake) that several web workers and machines share, its
catalog in PostgreSQL and its data files under a shared path."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")


class StoreSettings(BaseModel):
    """The store's kind, and for a lake its catalog and data path."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error

    kind: Literal["duckdb", "ducklake"] = Field(
        default="duckdb",
        description="duckdb (the embedded file, `duckdb_path`) or ducklake (a shared lake).",
    )
    catalog: str | None = Field(
        default=None,
        description="ducklake: the catalog, e.g. 'postgres:dbname=c3 host=db.city.local "
        "user=c3' (the password in PGPASSWORD or ~/.pgpass, never here).",
    )
    data_path: str | None = Field(
        default=None,
        description="ducklake: the data files' directory (shared by every machine) or an "
        "s3:// URL; default <data_dir>/lake.",
    )
    inlining_rows: int = Field(
        default=1000, ge=0,
        description="ducklake: writes of up to this many rows stay in the catalog until "
        "the worker flushes them, every 5 minutes (no small Parquet file per feed poll).",
    )  # fmt: skip
    reads_at_once: int = Field(
        default=2, ge=1, le=64,
        description="ducklake: the store reads a web worker runs at once; the others wait "
        "their turn, so that a crowd of heavy reads does not slow the requests that need "
        "none (the walls' polls).",
    )  # fmt: skip

    threads_per_read: int = Field(
        default=1, ge=1, le=64,
        description="ducklake: DuckDB's threads in a web worker (one pool for all its "
        "reads). A web tier already runs more reads at once than it has cores; one thread "
        "keeps them from crowding out the requests that need no read.",
    )  # fmt: skip

    memory_limit: str = Field(
        default="2GB",
        description="DuckDB's memory cap per process (each web worker and job worker): "
        "beyond it, large queries spill to <data_dir>/tmp instead of growing.",
    )  # fmt: skip

    @field_validator("memory_limit")
    @classmethod
    def _a_size(cls, value: str) -> str:
        if not SIZE.match(value):
            raise ValueError(f"{value!r} is not a size: write e.g. '2GB' or '512MB'")
        return value

    @model_validator(mode="after")
    def _a_lake_names_its_catalog(self) -> StoreSettings:
        if self.kind == "ducklake" and not self.catalog:
            raise ValueError("a ducklake store needs its catalog, e.g. "
                             "catalog = 'postgres:dbname=c3 host=127.0.0.1'")  # fmt: skip
        if self.catalog and "password=" in self.catalog:
            raise ValueError("keep the catalog's password out of the config: "
                             "PGPASSWORD or ~/.pgpass")  # fmt: skip
        return self
