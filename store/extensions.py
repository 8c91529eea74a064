"""Offline DuckDB extensions: copy the PyPI wheels' extension files into a private directory.

DuckDB looks for `<dir>/v<version>/<platform>/<name>.duckdb_extension`; the wheels ship the
file inside the Python package, so we place it there once and never download anything.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path

import duckdb

# canonical extension name -> the Python package that ships it
EXTENSION_PACKAGES = {
    "spatial": "duckdb_extension_spatial",
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",  # DuckDB's `postgres` extension
}


def extension_directory() -> Path:
    """Return the private extension directory (inside the virtual environment)."""
    return Path(sys.prefix) / "share" / "c3" / "duckdb_extensions"


def install_offline(names: tuple[str, ...] = ("spatial",)) -> Path:
    """Place each extension's file where DuckDB will find it; return the directory."""
    root = extension_directory()
    version = duckdb.__version__
    platform = duckdb.execute("PRAGMA platform").fetchone()[0]
    target_dir = root / f"v{version}" / platform
    for name in names:
        target = target_dir / f"{name}.duckdb_extension"
        if target.exists():
            continue
        package = importlib.import_module(EXTENSION_PACKAGES[name])
        shipped = Path(package.__file__).parent / "extensions" / f"v{version}"
        source = shipped / f"{name}.duckdb_extension"
        if not source.exists():
            raise RuntimeError(
                f"{EXTENSION_PACKAGES[name]} does not ship {name} for DuckDB {version}; "
                "pin the extension wheel to the same version as duckdb"
            )
        target_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")  # processes starting at once
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return root
