"""`/explore`'s table: the rows behind the map (or behind one figure), paged, sorted and
filtered in DuckDB (AG Grid's infinite row model), and exported whole as CSV."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, no_update
from dash.exceptions import PreventUpdate

from callbacks.explore import time_view, window_of
from components import ids
from services.context import current_services
from store import explore
from store.ledger import data_versions

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
NUMERIC = {"fill_pct", "freeflow_kmh", "speed_kmh", "ratio"}
TIMES = {"observed_at", "requested_at", "closed_at", "expected_at"}


def _filter(column: str) -> str | bool:
    if column in TIMES:  # shown in local time, stored in UTC: sort them, do not text-match
        return False
    return "agNumberColumnFilter" if column in NUMERIC else "agTextColumnFilter"


def column_defs(layer: str, personal: bool) -> list[dict]:
    return [
        {"field": c, "headerName": COLUMN_TITLES.get(c, c), "filter": _filter(c)}
        for c in explore.row_columns(layer, personal)
    ]


def _expired() -> bytes:
    raise ValueError("that list has expired: click the figure again")


def query_rows(query: dict, sort=None, grid_filters=None, offset=0, limit=None):
    """(rows as dicts with ISO 8601 local times, total) for a table query."""
    svc = current_services()
    view = time_view(query["range"], query.get("start"), query.get("end"), query.get("at"))
    ids_ = query.get("ids")
    if ids_ is None and query.get("subset"):  # an export of a figure's rows
        ids_ = json.loads(svc.cache.get_or_compute(f"subset:{query['subset']}", 0, _expired))
    if ids_ is not None and not ids_:
        return [], 0
    with svc.store.reading() as cur:
        table, total = explore.layer_page(
            cur,
            query["layer"],
            {} if ids_ is not None else query["filters"],
            svc.settings.show_personal_data,
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


def _cell(value):
    """Citizens' text can start like a formula; a spreadsheet must show it, not run it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_export(query: dict, sort=None, grid_filters=None) -> tuple[str, bytes]:
    """(file name, CSV bytes with a BOM for spreadsheets) of every row the table lists."""
    svc = current_services()
    rows, _ = query_rows(query, sort, grid_filters)
    columns = explore.row_columns(query["layer"], svc.settings.show_personal_data)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([COLUMN_TITLES.get(c, c) for c in columns])
    writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    view = time_view(query["range"], query.get("start"), query.get("end"), query.get("at"))
    stamp = view.at.astimezone(ZoneInfo(svc.settings.timezone))
    return f"c3-{query['layer']}-{stamp:%Y-%m-%dT%H%M}.csv", out.getvalue().encode()


@callback(
    Output(ids.EXPLORE_TABLE, "columnDefs"),
    Output(ids.EXPLORE_TABLE_QUERY, "data"),
    Output(ids.EXPLORE_TABLE_COUNT, "children"),
    Output(ids.EXPLORE_SUBSET_BAR, "children"),
    Output(f"{ids.EXPLORE_SUBSET_BAR}-box", "hidden"),
    Input(ids.EXPLORE_TABLE_LAYER, "value"),
    [Input(ids.explore_filter(name), "value") for name in ids.EXPLORE_FILTERS],
    Input(ids.EXPLORE_SLIDER, "value"),
    Input(ids.EXPLORE_SUBSET, "data"),
    Input(ids.EXPLORE_POLL, "n_intervals"),
    State(ids.EXPLORE_RANGE, "value"),
    State(ids.EXPLORE_DATES, "start_date"),
    State(ids.EXPLORE_DATES, "end_date"),
    State(ids.EXPLORE_SLIDER, "max"),
    State(ids.EXPLORE_TABLE_QUERY, "data"),
)
def table_query(layer, *args):
    """What the table lists: the layer as drawn at the slider's moment, or exactly the
    features a clicked figure counts. The grid reloads only when this changes."""
    *values, at_s, subset, _tick, range_key, start, end, slider_max, previous = args
    filters = dict(zip(ids.EXPLORE_FILTERS, (v or [] for v in values), strict=True))
    live = at_s is None or slider_max is None or at_s >= slider_max
    subset = subset if subset and subset.get("layer") == layer else None
    svc = current_services()
    with svc.store.reading() as cur:
        version = data_versions(cur).get(layer, 0)  # the table's layers are data domains
    query = {
        "layer": layer,
        "filters": filters,
        "range": range_key,
        "start": start,
        "end": end,
        "at": None if live or subset else at_s,
        "ids": subset["ids"] if subset else None,
        "subset": subset["token"] if subset else None,
        # live data changes under the same view: reload when the layer's data does
        "version": version if live or subset else None,
    }
    if query == previous:
        raise PreventUpdate
    _, total = query_rows(query, limit=0)
    view = time_view(range_key, start, end, query["at"])
    stamp = view.at.astimezone(ZoneInfo(svc.settings.timezone))
    moment = "now" if view.live else f"{stamp:%a %d %b %H:%M %Z}"
    label = f"Showing: {subset['label']}" if subset else ""
    columns = column_defs(layer, svc.settings.show_personal_data)
    return columns, query, f"{total:,} rows · {moment}", label, subset is None


@callback(
    Output(ids.EXPLORE_TABLE, "getRowsResponse"),
    Output(ids.EXPLORE_EXPORT, "href"),
    Input(ids.EXPLORE_TABLE, "getRowsRequest"),
    State(ids.EXPLORE_TABLE_QUERY, "data"),
)
def table_page(request, query):
    """One block of rows as the grid scrolls, sorts or filters; the export link follows."""
    if not request or not query:
        raise PreventUpdate
    sort, grid_filters = request.get("sortModel") or [], request.get("filterModel") or {}
    start, end = int(request.get("startRow", 0)), int(request.get("endRow", 100))
    try:
        rows, total = query_rows(query, sort, grid_filters, start, end - start)
    except (ValueError, duckdb.Error):  # a filter the store cannot run: no rows, no crash
        return {"rowData": [], "rowCount": 0}, no_update
    exported = {k: v for k, v in query.items() if k not in ("ids", "version")}
    href = "/api/rows.csv?" + urlencode(
        {"q": json.dumps({**exported, "sort": sort, "grid_filters": grid_filters})}
    )
    return {"rowData": rows, "rowCount": total}, href


# A new query empties the grid's blocks, so it asks for its rows again.
clientside_callback(
    """function (query) {
        if (window.dash_ag_grid) {
            window.dash_ag_grid.getApiAsync("explore-table").then(
                (api) => api.purgeInfiniteCache());
        }
        return Date.now();
    }""",
    Output(ids.EXPLORE_TABLE_PURGED, "data"),
    Input(ids.EXPLORE_TABLE_QUERY, "data"),
    prevent_initial_call=True,
)
