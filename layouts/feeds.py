"""`/feeds`: one row per configured connector (state, last success, last error, rows per
run over 24 h, quarantine) and a drill into a connector's quarantined records."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import dcc, html

from components import ids
from components.chrome import page_header
from services.context import current_services

QUARANTINE_COLUMNS = [
    # flex, not fixed widths: the wall's larger type (4K) must not cut the headers short
    {"field": "last_seen", "headerName": "Last rejected", "flex": 1, "minWidth": 170},
    {"field": "seen_count", "headerName": "Times", "flex": 0.5, "minWidth": 90,
     "type": "numericColumn"},
    {"field": "reason", "headerName": "Reason", "flex": 2, "wrapText": True, "autoHeight": True},
    {"field": "raw", "headerName": "Record as received", "flex": 3},
]


def layout(**_query) -> html.Div:
    settings = current_services().settings
    return html.Div(
        [
            page_header("Feeds", settings, "/feeds"),
            html.Main(
                [
                    html.Div(
                        id=ids.FEEDS_TABLE,
                        className="c3-feeds-health",
                        role="region",
                        **{"aria-live": "polite", "aria-label": "Connector health"},
                    ),
                    html.Section(
                        [
                            html.H2(
                                "Choose a connector's quarantine count to see its records",
                                id=ids.FEEDS_DRILL_TITLE,
                                className="c3-feeds-drill-title",
                            ),
                            dag.AgGrid(
                                id=ids.FEEDS_QUARANTINE_GRID,
                                columnDefs=QUARANTINE_COLUMNS,
                                rowData=[],
                                defaultColDef={"sortable": True, "filter": True,
                                               "resizable": True},  # fmt: skip
                                dashGridOptions={"animateRows": False,
                                                 "localeText": {"noRowsToShow": "No records"}},
                                style={"height": "100%"},
                                className="ag-theme-alpine",
                            ),
                        ],
                        id=ids.FEEDS_DRILL,
                        className="c3-feeds-drill",
                        **{"aria-label": "Quarantined records"},
                    ),
                ],
                className="c3-main c3-feeds-page",
            ),
            dcc.Store(id=ids.FEEDS_DRILL_CONNECTOR),
            dcc.Interval(id=ids.FEEDS_REFRESH, interval=max(settings.refresh_ms, 5_000)),
        ],
        className="c3-page",
    )


dash.register_page(__name__, path="/feeds", name="Feeds", title="C3 · Feeds", layout=layout)
