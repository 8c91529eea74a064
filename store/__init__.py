"""The data store: the only package that speaks SQL (DuckDB file, schema, upserts, queries)."""

from store.db import Store, StoreCorrupt, WriteFailure

__all__ = ["Store", "StoreCorrupt", "WriteFailure"]
