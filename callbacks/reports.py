"""Callbacks of `/reports`: list the archive (newest first) and the next run of each kind."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Input, callback, html

from components import ids
from components.reports_table import report_row
from services.access import current_principal, reports_seen, sees_report
from services.context import current_services
from services.reports.archive import archive
from services.reports.kinds import next_runs, scope_of
from store.reports import report_runs


@callback(
    Input(ids.REPORTS_KIND, "value"),
    Input(ids.REPORTS_REFRESH, "n_intervals"),
    output=[
        dash.Output(ids.REPORTS_LIST, "children"),
        dash.Output(ids.REPORTS_SCHEDULE, "children"),
    ],
)
def show_archive(kind, _tick):
    svc = current_services()
    s = svc.settings
    with svc.store.reading() as cur:
        runs = report_runs(cur)
    titles = {k.name: k.title for k in s.reports}
    scopes = {k.name: scope_of(k) for k in s.reports}
    who = current_principal()  # a department sees its own department's (zones') reports
    kinds = {k.name: k for k in s.reports}
    listed = [r for r in archive(s.report_folder, titles, runs, s.timezone, kind or None)
              if sees_report(who, kinds.get(r.kind))]  # fmt: skip
    upcoming = " · ".join(next_runs(s, datetime.now(UTC), reports_seen(s.reports)))
    schedule = [html.Span("Next: ", className="c3-muted"),
                upcoming or "no report kind is yours yet: an admin adds one for your "
                            "department (and zones) under [[reports]]"]  # fmt: skip
    if not listed:
        return (
            html.P(
                ["No reports yet. They are written to ", html.Code(str(s.report_folder)),
                 " when their time comes, or by ", html.Code("c3 report <kind>"), "."],
                className="c3-empty",
            ),  # fmt: skip
            schedule,
        )
    table = html.Table(
        [
            html.Caption(f"{len(listed)} report{'s' if len(listed) != 1 else ''}, newest first; "
                         f"times in {s.timezone}"),  # fmt: skip
            html.Thead(html.Tr([html.Th(h, scope="col") for h in
                                ("Report", "Scope", "The city at", "Produced", "Notes", "HTML",
                                 "PDF")])),  # fmt: skip
            html.Tbody([report_row(r, scopes) for r in listed]),
        ],
        className="c3-table c3-reports-table",
    )
    return table, schedule
