"""`/reports`: the archive of snapshot reports, newest first, each to open or download,
and when each report kind runs next."""

from __future__ import annotations

import dash
from dash import dcc, html

from components import ids
from components.chrome import page_header
from services.access import reports_seen
from services.context import current_services


def layout(**_query) -> html.Div:
    settings = current_services().settings
    kinds = [{"label": "All reports", "value": ""}] + [
        {"label": k.title, "value": k.name} for k in reports_seen(settings.reports)
    ]  # a department: its own (and its zones') kinds
    return html.Div(
        [
            page_header("Reports", settings, "/reports"),
            html.Main(
                [
                    html.Div(
                        [
                            html.Label("Show", htmlFor=ids.REPORTS_KIND, className="c3-label"),
                            dcc.Dropdown(
                                id=ids.REPORTS_KIND,
                                options=kinds,
                                value="",
                                clearable=False,
                                searchable=False,
                                className="c3-reports-kind",
                            ),
                            html.Div(id=ids.REPORTS_SCHEDULE, className="c3-reports-schedule"),
                        ],
                        className="c3-reports-bar",
                    ),
                    html.Div(
                        id=ids.REPORTS_LIST,
                        className="c3-reports-list",
                        role="region",
                        **{"aria-live": "polite", "aria-label": "Reports"},
                    ),
                ],
                className="c3-main c3-reports",
            ),
            dcc.Interval(id=ids.REPORTS_REFRESH, interval=max(settings.refresh_ms, 30_000)),
        ],
        className="c3-page",
    )


dash.register_page(
    __name__, path="/reports", name="Reports", title="C3 · Reports", layout=layout
)
