"""The `/reports` archive table: one row per report file with its kind, scope, moment,
notes (late, on demand, parts missing, e-mail) and links to open and download."""

from __future__ import annotations

from dash import html

from services.reports.archive import ArchivedReport

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


def report_row(r: ArchivedReport, scopes: dict[str, str]) -> html.Tr:
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
