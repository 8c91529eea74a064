"""`/explore`'s table as AG Grid sees it: the columns of each layer's rows, titled, with
the column filter that fits their values."""

from __future__ import annotations

from services.explore_table import COLUMN_TITLES
from store.explore import row_columns

NUMERIC = {"fill_pct", "freeflow_kmh", "speed_kmh", "ratio"}
TIMES = {"observed_at", "requested_at", "closed_at", "expected_at"}


def _filter(column: str) -> str | bool:
    if column in TIMES:  # shown in local time, stored in UTC: sort them, do not text-match
        return False
    return "agNumberColumnFilter" if column in NUMERIC else "agTextColumnFilter"


def column_defs(layer: str, personal: bool) -> list[dict]:
    """The grid's columns for `layer` (complainants' words only where allowed)."""
    return [
        {"field": c, "headerName": COLUMN_TITLES.get(c, c), "filter": _filter(c)}
        for c in row_columns(layer, personal)
    ]
