"""The header every desk screen shares: brand, page title, navigation, simulated-data badge."""

from __future__ import annotations

from dash import dcc, html

from services.access import (
    DEMO_ROLES,
    SCREEN_LABELS,
    SCREENS,
    Principal,
    current_principal,
)
from services.context import current_services
from services.layers import zone_names

NOT_DASH = {"/field"}  # screens served as plain pages (api/field.py)


def page_header(title: str, settings, current: str, right: list | None = None) -> html.Header:
    who = current_principal()
    shown = [(SCREENS[s], SCREEN_LABELS[s]) for s in SCREENS if who is None or who.can_open(s)]
    nav = html.Nav(
        [
            # /field is not a Dash page: a plain link loads it
            (html.A if path in NOT_DASH else dcc.Link)(
                label,
                href=path,
                className="c3-nav-link" + (" c3-nav-current" if path == current else ""),
                title=f"{label} (current screen)" if path == current else label,
            )
            for path, label in shown
        ],
        className="c3-nav",
        **{"aria-label": "Screens"},
    )
    badge = (
        html.Span(
            "SIMULATED DATA · demo city",
            className="c3-sim-badge",
            title="Every feed on this screen comes from the C3 simulator",
        )
        if settings.is_demo
        else None
    )
    return html.Header(
        [
            html.Div(
                [
                    html.Span("C3", className="c3-brand"),
                    html.Span(f"{title} · {settings.city_name}", className="c3-title"),
                ]
            ),
            nav,
            html.Div([badge, *(right or []), signed_in(who)], className="c3-header-right"),
        ],
        className="c3-header",
    )


def signed_in(who: Principal | None) -> html.Span | None:
    """Who is signed in, their role and sign-out; the demo's role switcher; or a plain
    "open access" where the config lets anyone in."""
    if who is None:
        return None
    if who.via == "open":
        return html.Span("open access (no sign-in)", className="c3-user c3-open-access",
                         title="auth = 'none': anyone who reaches C3 sees this")  # fmt: skip
    if who.via == "demo":  # a plain form: the button pressed names the role (no script)
        return html.Form(
            [html.Span("demo sign-in · see C3 as", className="c3-user")] + [
                html.Button(label, type="submit", name="role", value=role,
                            disabled=role == who.role, className="c3-demo-role-button",
                            **{"aria-pressed": str(role == who.role).lower()})
                for role, (label, _) in DEMO_ROLES.items()
            ],
            action="/demo/role", method="POST", className="c3-demo-role",
        )  # fmt: skip
    label = who.labelled(zone_names(current_services(), who.zones)) if who.zones else who.label
    return html.Span(
        [html.Span(label, title=f"signed in ({who.via})"),
         html.A("Sign out", href="/logout", className="c3-signout")],
        className="c3-user",
    )  # fmt: skip
