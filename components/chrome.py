"""The header every desk screen shares: brand, page title, navigation, simulated-data badge."""

from __future__ import annotations

from dash import dcc, html

PAGES = (
    ("/", "City map"),
    ("/explore", "Explore"),
    ("/collection", "Collection"),
    ("/reports", "Reports"),
    ("/feeds", "Feeds"),
    ("/wall", "Wall"),
)


def page_header(title: str, settings, current: str, right: list | None = None) -> html.Header:
    nav = html.Nav(
        [
            dcc.Link(
                label,
                href=path,
                className="c3-nav-link" + (" c3-nav-current" if path == current else ""),
                title=f"{label} (current screen)" if path == current else label,
            )
            for path, label in PAGES
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
            html.Div([badge, *(right or [])], className="c3-header-right"),
        ],
        className="c3-header",
    )
