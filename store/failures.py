"""What the store says when DuckDB cannot open, write or go on using its database: the
errors' words it recognises, a write failure as the wall reports it, and the corrupt
write-ahead log that stops an opening (store.db acts on them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

# What DuckDB says when the file (or its write-ahead log) cannot be written
CANNOT_WRITE = ("No space left on device", "Disk quota exceeded", "Could not write file",
                "Read-only file system", "database has been invalidated")  # fmt: skip
DISK_FULL, QUOTA = "No space left on device", "Disk quota exceeded"
INVALIDATED = "database has been invalidated"
# a COMMIT whose automatic checkpoint failed: in the write-ahead log, and the database invalid
DURABLE = "COMMIT succeeded and is durable"
WAL_REPLAY = "Failure while replaying WAL file"
LOCK_HELD = re.compile(
    r"Could not set lock on file .*?Conflicting lock is held in .*?\(PID (\d+)\)", re.DOTALL
)
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
            "start C3 again.")  # fmt: skip

    def __reduce__(self):  # sent whole from the child that opened the store (cli.web)
        return (StoreCorrupt, (self.path, self.detail))


@dataclass(frozen=True)
class WriteFailure:
    """The first write the store could not make since it last wrote: DuckDB's error, when,
    the bytes free on the file's file system then (None for an in-memory store), and its
    kind: 'disk full', 'quota' (the user's disk quota, whatever the file system has free)
    or 'other' (a read-only disk...)."""

    error: str
    at: datetime
    free_bytes: int | None
    kind: str = "other"


def failure_kind(error: str) -> str:
    """'disk full', 'quota' or 'other', from DuckDB's words."""
    return "quota" if QUOTA in error else "disk full" if DISK_FULL in error else "other"


def cannot_write(exc: BaseException) -> bool:
    """Whether `exc` says the file could not be written (rather than a bad statement)."""
    return isinstance(exc, duckdb.IOException) or any(m in str(exc) for m in CANNOT_WRITE)


def invalidates(exc: BaseException) -> bool:
    """Whether `exc` left DuckDB's database unusable until it is opened again."""
    return isinstance(exc, duckdb.FatalException | duckdb.InternalException) or (
        INVALIDATED in str(exc))


def replay_detail(exc: duckdb.Error) -> str | None:
    """DuckDB's reason when `exc` is a failed replay of the write-ahead log, else None."""
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    if WAL_REPLAY not in first_line:
        return None
    return first_line.split('": ', 1)[-1].strip() or first_line
