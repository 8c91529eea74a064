"""`/explore`'s table as plain data: what it lists (the layer as drawn at the slider's
moment, or exactly the features behind one figure), its rows as the grid pages, sorts and
filters them (in DuckDB), its count line, and the whole list as CSV (`/api/rows.csv`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from zoneinfo import ZoneInfo

import pandas as pd

from services.access import personal_data_allowed, require_domain, zone_filter
from services.explore_view import time_view, window_of
from services.layers import versions_now
from store import explore

COLUMN_TITLES = {
    "container_id": "Container",
    "waste_type": "Waste type",
    "zone": "Zone",
    "address": "Address",
    "fill_pct": "Fill %",
    "status": "Status",
    "observed_at": "Observed",
    "segment_id": "Segment",
    "name": "Street",
    "road_class": "Road class",
    "freeflow_kmh": "Free flow km/h",
    "speed_kmh": "Speed km/h",
    "ratio": "× free flow",
    "request_id": "Request",
    "service_name": "Type",
    "requested_at": "Filed",
    "closed_at": "Closed",
    "expected_at": "Due",
    "description": "Description",
}


def table_query(svc, layer: str, filters: dict, subset: dict | None, view: dict) -> dict:
    """What the table lists. `view` is the page's time: range, start, end, the slider's
    value (`at`) and its end (`max`); `subset` the features a clicked figure counts, if
    they are of `layer`. Live data changes under the same view, so a live query carries
    the layer's data version: the grid reloads exactly when that changes."""
    at_s, slider_max = view.get("at"), view.get("max")
    live = at_s is None or slider_max is None or at_s >= slider_max
    subset = subset if subset and subset.get("layer") == layer else None
    version = versions_now(svc).get(layer, 0)  # the table's layers are data domains
    return {
        "layer": layer,
        "filters": filters,
        "range": view.get("range"),
        "start": view.get("start"),
        "end": view.get("end"),
        "at": None if live or subset else at_s,
        "ids": subset["ids"] if subset else None,
        "subset": subset["token"] if subset else None,
        "version": version if live or subset else None,
    }


def _expired() -> bytes:
    raise ValueError("that list has expired: click the figure again")


def _query_view(query: dict, tz: str):
    return time_view(query["range"], query.get("start"), query.get("end"), query.get("at"), tz)


def query_rows(svc, query: dict, sort=None, grid_filters=None, offset=0, limit=None):
    """(rows as dicts with ISO 8601 local times, total) for a table query (403 for a
    layer of a domain the request's principal does not see; only the zones it sees)."""
    require_domain(query.get("layer"))
    tz = svc.settings.timezone
    view = _query_view(query, tz)
    ids_ = query.get("ids")
    if ids_ is None and query.get("subset"):  # an export of a figure's rows
        ids_ = json.loads(svc.cache.get_or_compute(f"subset:{query['subset']}", 0, _expired))
    if ids_ is not None and not ids_:
        return [], 0
    filters = {} if ids_ is not None else dict(query["filters"] or {})
    # a department scoped to zones lists its zones' rows only, a figure's listed ids too
    filters["zone"] = zone_filter(filters.get("zone"))
    if limit is None or svc.store.lake is None:  # an export; or a file, read in milliseconds
        return _rows(svc, query, view, filters, ids_, sort, grid_filters, offset, limit)
    # on a lake, a page or a count is kept for everyone who asks it at this data version
    # (and, for the live view, whose window moves with the clock, in this minute)
    asked = [query, filters, ids_, sort, grid_filters, offset, limit, personal_data_allowed(),
             int(time.time() // 60) if view.live else None]  # fmt: skip
    key = "rows:" + hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()
    version = versions_now(svc).get(query["layer"], 0)
    found = svc.cache.get_or_compute(key, version, lambda: json.dumps(
        _rows(svc, query, view, filters, ids_, sort, grid_filters, offset, limit),
        default=_plain).encode())
    rows, total = json.loads(found)
    return rows, total


def _plain(value):
    """A NumPy value as JSON has it (a list, a number); anything else as text."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _rows(svc, query, view, filters, ids_, sort, grid_filters, offset, limit):
    with svc.store.reading() as cur:
        table, total = explore.layer_page(
            cur,
            query["layer"],
            filters,
            personal_data_allowed(),
            window_of(view),
            ids=ids_,
            sort=sort,
            grid_filters=grid_filters,
            offset=offset,
            limit=limit,
        )
    frame = table.to_pandas()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            local = frame[column].dt.tz_convert(svc.settings.timezone)
            frame[column] = [None if pd.isna(t) else t.isoformat() for t in local]
    return frame.astype(object).where(frame.notna(), None).to_dict("records"), total


def count_line(svc, query: dict, subset: dict | None) -> tuple[str, str]:
    """The table's count line ("1,234 rows · now"), and what the figure's subset it lists
    (if it lists one) shows."""
    _, total = query_rows(svc, query, limit=0)
    view = _query_view(query, svc.settings.timezone)
    stamp = view.at.astimezone(ZoneInfo(svc.settings.timezone))
    moment = "now" if view.live else f"{stamp:%a %d %b %H:%M %Z}"
    label = f"Showing: {subset['label']}" if query["subset"] else ""
    return f"{total:,} rows · {moment}", label


def _cell(value):
    """Citizens' text can start like a formula; a spreadsheet must show it, not run it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_export(svc, query: dict, sort=None, grid_filters=None) -> tuple[str, bytes, int]:
    """(file name, CSV bytes with a BOM for spreadsheets, rows) of every row the table
    lists."""
    rows, _ = query_rows(svc, query, sort, grid_filters)
    columns = explore.row_columns(query["layer"], personal_data_allowed())
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([COLUMN_TITLES.get(c, c) for c in columns])
    writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    view = _query_view(query, svc.settings.timezone)
    stamp = view.at.astimezone(ZoneInfo(svc.settings.timezone))
    return f"c3-{query['layer']}-{stamp:%Y-%m-%dT%H%M}.csv", out.getvalue().encode(), len(rows)
