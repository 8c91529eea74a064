"""Who holds the DuckDB file: DuckDB lets one process write it and marks that with a POSIX
record lock, which another process can query (F_GETLK) without taking it or opening the
database. `c3` checks it before the slow start (loading the city) to say at once which
process holds the file instead of failing half a minute later with DuckDB's traceback."""

from __future__ import annotations

import fcntl
import os
import struct
from pathlib import Path

# struct flock on Linux (64-bit off_t): l_type, l_whence, l_start, l_len, l_pid (+ padding)
_FLOCK = "hhqqii"


class StoreLocked(Exception):
    """Another process holds the store's file."""

    def __init__(self, path: Path, pid: int | None, command: str | None):
        self.path, self.pid, self.command = path, pid, command
        holder = f"process {pid}" + (f" ({command})" if command else "")
        super().__init__(
            f"{path} is in use by {holder}: one process writes a DuckDB file at a time"
        )

    def __reduce__(self):  # sent whole from the child that opened the store (cli.web)
        return (StoreLocked, (self.path, self.pid, self.command))


def lock_holder(path: Path) -> tuple[int, str | None] | None:
    """(pid, its command line) of the process holding `path`'s write lock, or None when
    no other process holds it (or the file does not exist)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0, 0)
        kind, _, _, _, pid, _ = struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, probe))
    except OSError:
        return None  # a file system without record locks: DuckDB's own error will tell
    finally:
        os.close(fd)
    if kind == fcntl.F_UNLCK:
        return None
    return pid, command_of(pid)


def command_of(pid: int) -> str | None:
    """'c3 serve' for a process of this machine, where /proc tells."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    words = [Path(a.decode(errors="replace")).name if i == 0 else a.decode(errors="replace")
             for i, a in enumerate(args) if a]  # fmt: skip
    if len(words) > 2 and words[0].startswith("python") and words[1] == "-m":
        words = words[2:]  # python -m cli serve -> cli serve
    elif len(words) > 1 and words[0].startswith("python") and Path(words[1]).name == "c3":
        words = ["c3", *words[2:]]  # python /venv/bin/c3 serve -> c3 serve
    return " ".join(" ".join(words).split())[:120] or None


def check_not_locked(path: Path) -> None:
    """Raise `StoreLocked` naming the holder when another process holds `path`."""
    holder = lock_holder(path)
    if holder is not None:
        raise StoreLocked(path, *holder)
