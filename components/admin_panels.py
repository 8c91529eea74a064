"""The admin screen's parts: a new display's one-time pairing link with its QR code, the
table of wall displays (rename, revoke), the local accounts, and the audit grid's columns."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from dash import dcc, html

from components import ids
from components.feed_badges import humanize_age
from services.admin import MAX_NAME, Pairing

STATE_CLASS = {
    "paired": "c3-chip-sent",
    "awaiting pairing": "c3-chip",
    "revoked": "c3-chip-failed",
    "link expired": "c3-chip-missing",
}
AUDIT_COLUMNS = [
    {"field": "when", "headerName": "When (city time)", "minWidth": 180, "flex": 1.1},
    {"field": "who", "headerName": "Who", "minWidth": 120, "flex": 1, "tooltipField": "who"},
    {"field": "role", "headerName": "Role", "minWidth": 100, "flex": 0.7},
    {"field": "action", "headerName": "Action", "minWidth": 120, "flex": 0.8},
    {"field": "what", "headerName": "What", "minWidth": 200, "flex": 2, "tooltipField": "what"},
    {"field": "rows", "headerName": "Rows", "minWidth": 80, "flex": 0.5, "type": "numericColumn"},
    {
        "field": "detail",
        "headerName": "Detail",
        "minWidth": 220,
        "flex": 2.4,
        "tooltipField": "detail",
    },
]
ADD_ACCOUNT = (
    "c3 users add NAME --role operator|department|admin [--department waste] [--personal-data]"
)


def qr_code(url: str, label: str) -> html.Img:
    """The link as a QR code: an SVG data URI (the CSP allows data: images), black on
    white with the standard quiet zone, large enough to scan off a screen."""
    code = segno.make(url, error="m")
    return html.Img(src=code.svg_data_uri(scale=6, border=4), alt=label, className="c3-pairing-qr")


def pairing_panel(pairing: Pairing, timezone: str) -> html.Section:
    """The link that pairs `pairing`'s display, shown once: as text to copy and as a QR."""
    until = pairing.expires_at.astimezone(ZoneInfo(timezone))
    pid = pairing.device_id
    return html.Section(
        [
            html.H3(f"Pair “{pairing.name}”", className="c3-admin-subtitle"),
            html.Div(
                [
                    html.Div(
                        [
                            html.P(
                                [
                                    "Open this link once in the display's browser (or scan the "
                                    "code): it signs that browser in as a wall. ",
                                    html.Strong("Valid 24 h, once"),
                                    f" (until {until:%a %d %b %H:%M %Z}). It is shown only now.",
                                ]
                            ),
                            html.Code(
                                pairing.url,
                                id=ids.admin_pairing_part("link", pid),
                                className="c3-pairing-link",
                            ),
                            html.Div(
                                [
                                    html.Button(
                                        "Copy link",
                                        type="button",
                                        className="c3-button",
                                        id=ids.admin_pairing_part("copy", pid),
                                    ),
                                    html.Span(
                                        id=ids.admin_pairing_part("copied", pid),
                                        className="c3-muted",
                                        role="status",
                                    ),
                                ],
                                className="c3-pairing-actions",
                            ),
                            html.P(
                                "Do not open it in this browser: it would sign you out "
                                "and show the wall here.",
                                className="c3-muted",
                            ),
                        ],
                        className="c3-pairing-text",
                    ),
                    qr_code(pairing.url, f"QR code of the pairing link for {pairing.name}"),
                ],
                className="c3-pairing-body",
            ),
        ],
        className="c3-pairing",
        **{"aria-label": f"Pairing link for {pairing.name}"},
    )


def _when(at: datetime | None, zone: ZoneInfo, now: datetime, ago: bool = False) -> str:
    if at is None:
        return "—"
    shown = f"{at.astimezone(zone):%Y-%m-%d %H:%M}"
    return f"{shown} ({humanize_age((now - at).total_seconds())})" if ago else shown


def _display_row(d: dict, zone: ZoneInfo, now: datetime) -> html.Tr:
    active = d["state"] != "revoked"
    actions = (
        [
            html.Label(  # a label around its input: dcc.Input takes no aria-label
                [
                    html.Span(f"New name for {d['name']}", className="c3-visually-hidden"),
                    dcc.Input(
                        id=ids.admin_display_rename_input(d["device_id"]),
                        value=d["name"],
                        type="text",
                        maxLength=MAX_NAME,
                        debounce=False,
                        className="c3-admin-input",
                    ),
                ]
            ),
            html.Button(
                "Rename",
                id=ids.admin_display_rename(d["device_id"]),
                type="button",
                className="c3-button c3-button-quiet",
                title=f"Rename {d['name']} (its wall stays signed in)",
                **{"aria-label": f"Rename {d['name']}"},
            ),
            html.Button(
                "Revoke",
                id=ids.admin_display_revoke(d["device_id"]),
                type="button",
                className="c3-button c3-button-danger",
                title=f"Revoke {d['name']}: its wall is signed out at once",
                **{"aria-label": f"Revoke {d['name']}"},
            ),
        ]
        if active
        else [html.Span("revoked " + _when(d["revoked_at"], zone, now), className="c3-muted")]
    )
    return html.Tr(
        [
            html.Th(d["name"], scope="row"),
            html.Td(
                [
                    html.Div(d["created_by"] or "?"),
                    html.Div(_when(d["created_at"], zone, now), className="c3-muted"),
                ]
            ),
            html.Td(_when(d["paired_at"], zone, now)),
            html.Td(_when(d["last_seen_at"], zone, now, ago=True)),
            html.Td(html.Span(d["state"], className="c3-chip " + STATE_CLASS[d["state"]])),
            html.Td(html.Div(actions, className="c3-admin-actions")),
        ],
        **{"data-device": d["device_id"], "data-state": d["state"]},
    )


def displays_table(displays: list[dict], timezone: str, now: datetime) -> html.Table | html.P:
    if not displays:
        return html.P(
            "No wall displays yet: name one above to get its pairing link.", className="c3-empty"
        )
    zone = ZoneInfo(timezone)
    return html.Table(
        [
            html.Caption(
                f"{len(displays)} display{'s' if len(displays) != 1 else ''}, newest "
                f"first; times in {timezone}"
            ),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in (
                            "Display",
                            "Created by, at",
                            "Paired",
                            "Last seen",
                            "State",
                            "Rename or revoke",
                        )
                    ]
                )
            ),
            html.Tbody([_display_row(d, zone, now) for d in displays]),
        ],
        className="c3-table c3-admin-table c3-admin-displays",
    )


def accounts_table(accounts: list[dict], personal_data_roles: list[str]) -> html.Div:
    how = html.P(
        [
            "Add or remove local accounts on the server: ",
            html.Code(ADD_ACCOUNT),
            " (asks for the password), ",
            html.Code("c3 users remove NAME"),
            ". People who sign in with the city's provider get their role from their groups (",
            html.Code("[access.groups]"),
            ").",
        ],
        className="c3-admin-hint",
    )
    if not accounts:
        return html.Div([html.P("No local accounts.", className="c3-empty"), how])
    rows = [
        html.Tr(
            [
                html.Th(a["name"], scope="row"),
                html.Td(a["role"]),
                html.Td(", ".join(a["departments"] or ()) or "—"),
                html.Td(
                    ", ".join(a["zones"] or ()) or ("all" if a["role"] == "department" else "—")
                ),
                html.Td("yes" if a["personal_data"] or a["role"] in personal_data_roles else "no"),
                html.Td("disabled" if a["disabled"] else "active"),
            ]
        )
        for a in accounts
    ]
    table = html.Table(
        [
            html.Caption(f"{len(accounts)} local account{'s' if len(accounts) != 1 else ''}"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in ("Name", "Role", "Departments", "Zones", "Personal data", "State")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="c3-table c3-admin-table",
    )
    return html.Div([table, how])
