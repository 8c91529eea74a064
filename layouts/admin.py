"""`/admin` (admins only): wall displays (name one, get its one-time pairing link and QR
code; rename or revoke the paired ones), the local accounts, and the audit trail of who
saw personal data, exported rows or downloaded a report, with its CSV export."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import dcc, html

from components import ids
from components.admin_panels import AUDIT_COLUMNS
from components.chrome import page_header
from services.admin import AUDIT_SHOWN, MAX_NAME
from services.context import current_services


def layout(**_query) -> html.Div:
    settings = current_services().settings
    return html.Div(
        [
            page_header("Admin", settings, "/admin"),
            html.Main(
                [_displays(), _accounts(), _audit(settings.timezone)],
                className="c3-main c3-admin",
            ),
            dcc.Store(id=ids.ADMIN_DISPLAYS_CHANGED, data=0),
            dcc.Store(id=ids.ADMIN_REVOKE_PENDING),
            dcc.ConfirmDialog(id=ids.ADMIN_REVOKE_CONFIRM),
            dcc.Interval(id=ids.ADMIN_REFRESH, interval=max(settings.refresh_ms, 10_000)),
        ],
        className="c3-page",
    )


def _displays() -> html.Section:
    return html.Section(
        [
            html.H2("Wall displays", id="admin-displays-title", className="c3-admin-title"),
            html.P(
                "A wall computer cannot type a password: name it here, then open its "
                "one-time pairing link in its browser. It stays signed in as a wall "
                "until you revoke it.",
                className="c3-admin-hint",
            ),
            html.Div(
                [
                    html.Label(
                        "Name of the new display",
                        htmlFor=ids.ADMIN_DISPLAY_NAME,
                        className="c3-label",
                    ),
                    dcc.Input(
                        id=ids.ADMIN_DISPLAY_NAME,
                        type="text",
                        maxLength=MAX_NAME,
                        placeholder="e.g. Control room, left wall",
                        debounce=False,
                        className="c3-admin-input c3-admin-new-name",
                    ),
                    html.Button(
                        "Create display and pairing link",
                        id=ids.ADMIN_DISPLAY_CREATE,
                        type="button",
                        className="c3-button",
                    ),
                ],
                className="c3-admin-create",
            ),
            html.Div(
                id=ids.ADMIN_DISPLAY_STATUS,
                className="c3-admin-status",
                role="status",
                **{"aria-live": "polite"},
            ),
            html.Div(id=ids.ADMIN_PAIRING, **{"aria-live": "polite"}),
            html.Div(id=ids.ADMIN_DISPLAYS, className="c3-admin-displays-list"),
        ],
        className="c3-admin-section",
        **{"aria-labelledby": "admin-displays-title"},
    )


def _accounts() -> html.Section:
    return html.Section(
        [
            html.H2("Accounts", id="admin-accounts-title", className="c3-admin-title"),
            html.Div(id=ids.ADMIN_ACCOUNTS),
        ],
        className="c3-admin-section",
        **{"aria-labelledby": "admin-accounts-title"},
    )


def _audit(timezone: str) -> html.Section:
    return html.Section(
        [
            html.Div(
                [
                    html.H2("Audit log", id="admin-audit-title", className="c3-admin-title"),
                    html.Span(id=ids.ADMIN_AUDIT_COUNT, className="c3-muted"),
                    html.A(
                        "Export all as CSV",
                        href="/api/admin/audit.csv",
                        download="",
                        className="c3-button c3-admin-export",
                        title="Every entry, newest first (the download is itself logged)",
                    ),
                ],
                className="c3-admin-bar",
            ),
            html.P(
                f"Who saw personal data, exported rows or downloaded a report, signed in, "
                f"or changed a display: newest first, times in {timezone}; the screen "
                f"shows the newest {AUDIT_SHOWN:,}.",
                className="c3-admin-hint",
            ),
            dag.AgGrid(
                id=ids.ADMIN_AUDIT_GRID,
                columnDefs=AUDIT_COLUMNS,
                rowData=[],
                getRowId="params.data.id",
                defaultColDef={"sortable": True, "filter": True, "resizable": True},
                dashGridOptions={
                    "animateRows": False,
                    "tooltipShowDelay": 300,
                    "localeText": {"noRowsToShow": "Nothing logged yet"},
                },
                style={"height": "26rem"},
                className="ag-theme-alpine c3-admin-audit",
            ),
        ],
        className="c3-admin-section",
        **{"aria-labelledby": "admin-audit-title"},
    )


dash.register_page(__name__, path="/admin", name="Admin", title="C3 · Admin", layout=layout)
