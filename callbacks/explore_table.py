"""Callbacks of `/explore`'s table: the rows behind the map (or behind one figure), paged,
sorted and filtered in DuckDB (AG Grid's infinite row model), with the CSV export's link."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import duckdb
from dash import Input, Output, State, callback, clientside_callback, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.explore_grid import column_defs
from services.access import personal_data_allowed
from services.accounts import audit
from services.context import current_services
from services.explore_table import count_line, query_rows, table_query
from store.explore_filters import FILTERS


@callback(
    Output(ids.EXPLORE_TABLE, "columnDefs"),
    Output(ids.EXPLORE_TABLE_QUERY, "data"),
    Output(ids.EXPLORE_TABLE_COUNT, "children"),
    Output(ids.EXPLORE_SUBSET_BAR, "children"),
    Output(ids.EXPLORE_SUBSET_BOX, "hidden"),
    Input(ids.EXPLORE_TABLE_LAYER, "value"),
    [Input(ids.explore_filter(name), "value") for name in FILTERS],
    Input(ids.EXPLORE_SLIDER, "value"),
    Input(ids.EXPLORE_SUBSET, "data"),
    Input(ids.EXPLORE_TICK, "data"),
    State(ids.EXPLORE_RANGE, "value"),
    State(ids.EXPLORE_DATES, "start_date"),
    State(ids.EXPLORE_DATES, "end_date"),
    State(ids.EXPLORE_SLIDER, "max"),
    State(ids.EXPLORE_TABLE_QUERY, "data"),
)
def table_contents(layer, *args):
    """What the table lists: the layer as drawn at the slider's moment, or exactly the
    features a clicked figure counts. The grid reloads only when this changes."""
    *values, at_s, subset, _tick, range_key, start, end, slider_max, previous = args
    filters = dict(zip(FILTERS, (v or [] for v in values), strict=True))
    view = {"range": range_key, "start": start, "end": end, "at": at_s, "max": slider_max}
    svc = current_services()
    query = table_query(svc, layer, filters, subset, view)
    if query == previous:
        raise PreventUpdate
    count, label = count_line(svc, query, subset)
    columns = column_defs(layer, personal_data_allowed())
    return columns, query, count, label, query["subset"] is None


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
        rows, total = query_rows(current_services(), query, sort, grid_filters, start, end - start)
    except (ValueError, duckdb.Error):  # a filter the store cannot run: no rows, no crash
        return {"rowData": [], "rowCount": 0}, no_update
    if start == 0 and query.get("layer") == "complaints" and personal_data_allowed():
        svc = current_services()  # complainants' words on screen: once per query, not block
        audit(svc.store, "personal-data", "complaints rows on /explore", total,
              json.dumps({**query, "sort": sort, "grid_filters": grid_filters}))  # fmt: skip
    exported = {k: v for k, v in query.items() if k not in ("ids", "version")}
    href = "/api/rows.csv?" + urlencode(
        {"q": json.dumps({**exported, "sort": sort, "grid_filters": grid_filters})}
    )
    return {"rowData": rows, "rowCount": total}, href


# A new query empties the grid's blocks, so it asks for its rows again.
clientside_callback(
    """function (query) {
        if (window.dash_ag_grid) {
            window.dash_ag_grid.getApiAsync("""
    + json.dumps(ids.EXPLORE_TABLE)
    + """).then(
                (api) => api.purgeInfiniteCache());
        }
        return Date.now();
    }""",
    Output(ids.EXPLORE_TABLE_PURGED, "data"),
    Input(ids.EXPLORE_TABLE_QUERY, "data"),
    prevent_initial_call=True,
)
