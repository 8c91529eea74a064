"""Callbacks of `/reports`: list the archive (newest first) and the next run of each kind."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dash
from apscheduler.triggers.cron import CronTrigger
from dash import Input, callback, html

from components import ids
from services.context import current_services
from services.reports.archive import ArchivedReport, archive
from store.reports import report_runs

DELIVERY = {"sent": "e-mailed", "pending": "e-mail pending", "failed": "e-mail failed"}


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def _notes(r: ArchivedReport) -> list:
    notes = []
    if r.late:
        why = "Produced after its time: C3 was not running then"
        notes.append(html.Span("late", className="c3-chip c3-chip-late", title=why))
    if r.on_demand:
        notes.append(html.Span("on demand", className="c3-chip", title="Produced by c3 report"))
    if r.missing:
        parts = r.missing.split("; ")
        label = f"{len(parts)} part{'s' if len(parts) > 1 else ''} missing"
        notes.append(html.Span(label, className="c3-chip c3-chip-missing", title="\n".join(parts)))
    if r.delivery:
        notes.append(html.Span(DELIVERY[r.delivery], className=f"c3-chip c3-chip-{r.delivery}",
                               title=r.delivery_error or ""))  # fmt: skip
    return notes


def _row(r: ArchivedReport, scopes: dict[str, str]) -> html.Tr:
    base = f"/api/reports/{r.kind}/"
    when = f"{r.moment:%a %d %b %Y, %H:%M %Z}"
    produced = "—" if r.produced is None else (
        f"{r.produced:%H:%M}" if r.produced.date() == r.moment.date()
        else f"{r.produced:%a %d %b, %H:%M}"
    )  # fmt: skip
    return html.Tr(
        [
            html.Td(r.title),
            html.Td(scopes.get(r.kind, "")),
            html.Td(when, className="c3-nowrap"),
            html.Td(produced, className="c3-nowrap"),
            html.Td(_notes(r)),
            html.Td(
                html.A("Open", href=base + r.html, target="_blank", rel="noopener",
                       title=f"Open the {r.title} of {when} (HTML, {_size(r.html_bytes)})")
                if r.html else "—"
            ),
            html.Td(
                html.A("Download PDF", href=base + r.pdf + "?download=1",
                       title=f"PDF, {_size(r.pdf_bytes)}")
                if r.pdf else html.Span("no PDF", className="c3-muted")
            ),
        ],  # fmt: skip
        **{"data-report": f"{r.kind}/{r.stem}"},
    )


def scope_of(kind) -> str:
    if kind.department:
        return f"{kind.department} department"
    return f"{len(kind.zones)} zones" if kind.zones else "whole city"


def next_runs(settings, now: datetime) -> list[str]:
    """'City daily report: Thu 26 Nov, 06:00 EET' per kind."""
    zone = ZoneInfo(settings.timezone)
    lines = []
    for kind in settings.reports:
        trigger = CronTrigger.from_crontab(kind.cron, timezone=settings.timezone)
        upcoming = trigger.get_next_fire_time(None, now)
        when = f"{upcoming.astimezone(zone):%a %d %b, %H:%M %Z}" if upcoming else "never"
        lines.append(f"{kind.title}: {when}")
    return lines


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
    listed = archive(s.report_folder, titles, runs, s.timezone, kind or None)
    upcoming = " · ".join(next_runs(s, datetime.now(UTC)))
    schedule = [html.Span("Next: ", className="c3-muted"), upcoming]
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
            html.Tbody([_row(r, scopes) for r in listed]),
        ],
        className="c3-table c3-reports-table",
    )
    return table, schedule
