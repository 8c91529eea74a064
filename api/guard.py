"""The one place every request passes before it reaches a page, a Dash callback or an API
route: who is asking (the session's principal, the demo visitor, or anyone when access
is open), and whether their role may have what they ask for. Nothing is hidden by the
screens alone: a request the policy does not know is refused, and a test walks every
registered route and callback to prove each is in the policy.

The policy: static files and the sign-in routes are public; the page shell, its layout
and dependencies need a signed-in principal; a page or a callback needs the screen it
belongs to (a callback by its module, Dash's page router by the path it is asked for);
an API route needs one of the screens that use it, or the token `c3` sends from this
C3's data directory."""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from dash import Dash
from flask import Response, g, redirect, render_template, request, session

from services.access import (
    DEMO_ROLES,
    OPEN_ACCESS,
    SCREEN_LABELS,
    SCREENS,
    Principal,
    screen_at,
)
from services.admin import display_seen
from services.context import current_services
from services.session import principal_from_session

# a callback's module -> the screen it serves
CALLBACK_SCREENS = {
    "callbacks.home": "home",
    "callbacks.explore": "explore",
    "callbacks.explore_table": "explore",
    "callbacks.collection": "collection",
    "callbacks.complaints": "complaints",
    "callbacks.reports": "reports",
    "callbacks.feeds": "feeds",
    "callbacks.wall": "wall",
    "callbacks.admin": "admin",
}
PAGE_ROUTER_OUTPUT = "_pages_content.children"  # Dash's own callback that renders a page
ENDED_KEY = "c3_ended"  # in a session that ended: why ("revoked" for an unpaired wall)


@dataclass(frozen=True)
class Need:
    """What a route asks of the requester: nothing (public), a principal, one of some
    screens, or (`token`) the CLI's token, which also suffices where it is allowed."""

    public: bool = False
    screens: frozenset[str] = frozenset()  # empty and not public: any principal
    token: bool = False


PUBLIC = Need(public=True)
SIGNED_IN = Need()


def screens(*names: str, token: bool = False) -> Need:
    return Need(screens=frozenset(names), token=token)


MAP_SCREENS = ("home", "explore", "wall")
# endpoint -> need; Dash's callback and page routes are decided per request below
ROUTES = {
    "static": PUBLIC,
    "_dash_assets.static": PUBLIC,  # CSS and the scripts that style map layers: no data
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": PUBLIC,
    "/_favicon.ico": PUBLIC,
    "/_reload-hash": SIGNED_IN,
    "/_dash-layout": SIGNED_IN,
    "/_dash-dependencies": SIGNED_IN,
    "c3_auth.login": PUBLIC,
    "c3_auth.login_post": PUBLIC,
    "c3_auth.logout": PUBLIC,
    "c3_auth.oidc_start": PUBLIC,
    "c3_auth.oidc_callback": PUBLIC,
    "c3_auth.pair": PUBLIC,
    "c3_auth.demo_role": SIGNED_IN,
    "c3_auth.whoami": SIGNED_IN,
    "c3_api.version": SIGNED_IN,
    "c3_api.basemap": SIGNED_IN,
    "c3_api.wall_tokens_now": screens("wall"),
    "c3_api.layer": screens(*MAP_SCREENS),
    "c3_api.frame": screens("explore"),
    "c3_api.requests_shown": screens("explore"),
    "c3_api.clustered": screens("explore"),
    "c3_api.hotspots": screens("explore"),
    "c3_api.signals_layer": screens("explore"),
    "c3_api.rows_csv": screens("explore"),
    "c3_api.year_kpis": screens("explore", "reports"),
    "c3_api.report": screens("reports"),
    "c3_api.run_report": Need(token=True),
    "c3_api.poll_connectors": Need(token=True),
    "c3_api.feeds": screens("feeds", token=True),
    "c3_admin.add_user": screens("admin", token=True),
    "c3_admin.list_users": screens("admin", token=True),
    "c3_admin.remove_user": screens("admin", token=True),
    "c3_admin.audit_csv": screens("admin"),
    "c3_field.static": PUBLIC,  # the field page's script and styles: no data
    "c3_field.page": screens("field"),
    "c3_field.job_map": screens("field"),
    "c3_field.act": screens("field"),
    "c3_field.photo": screens("field", "complaints"),
    # issue 20: what C3 publishes (no personal data, rate limited: api.public)
    "c3_open311.services": PUBLIC,
    "c3_open311.requests": PUBLIC,
    "c3_open311.one_request": PUBLIC,
    "c3_status.page": PUBLIC,
    "c3_status.photo": PUBLIC,
    "c3_status.qr": PUBLIC,
    "c3_status.static": PUBLIC,
    "c3_openapi.openapi_json": PUBLIC,
    "c3_open_data.index": PUBLIC,  # open data and the NGSI-LD view: no personal data
    "c3_open_data.layer": PUBLIC,
    "c3_open_data.readings": PUBLIC,
    "c3_open_data.rollups": PUBLIC,
    "c3_ngsi_ld.entities": PUBLIC,
    "c3_ngsi_ld.entity": PUBLIC,
    "c3_pulse.page": PUBLIC,  # the city pulse (404 unless published); its CSS is c3_field's
}
PAGE_ENDPOINTS = ("/", "/<path:path>")  # Dash's index and catch-all: the page shell
PLAIN_PAGES = ("c3_field.page",)  # pages not Dash's: signed out, they too go to sign in
log = logging.getLogger(__name__)
CALLBACK_ENDPOINT = "/_dash-update-component"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # change nothing: any origin may send them


def install_guard(app: Dash) -> None:
    """Check every request of `app`'s server before it is served."""

    def guard() -> Response | None:
        return check_request(app)

    app.server.before_request(guard)


def check_request(app: Dash) -> Response | None:
    """None to serve the request, else the refusal (a redirect to sign in, 401 or 403)."""
    endpoint = request.url_rule.endpoint if request.url_rule else None
    if endpoint is None:
        return None  # no route: Flask answers 404
    if request.method not in SAFE_METHODS and not _same_origin():
        return _refuse(403, "a request sent from another site is refused")
    need = ROUTES.get(endpoint)
    if need is not None and need.public:
        return None
    principal = authenticated()
    if need is not None and need.token and _token_sent():
        return None
    if principal is None:
        if endpoint in PAGE_ENDPOINTS or endpoint in PLAIN_PAGES:
            return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}")
        return _refuse(401, "sign in first", why=session.get(ENDED_KEY))
    g.c3_principal = principal
    if endpoint in PAGE_ENDPOINTS:
        refused = _screen_check(principal, screen_at(request.path))
        return refused and _forbidden_page(principal)
    if endpoint == CALLBACK_ENDPOINT:
        return _callback_check(app, principal)
    if need is None:
        return _refuse(403, f"{endpoint} is in no access policy")
    if need.screens and not any(principal.can_open(s) for s in need.screens):
        return _refuse(403, f"your role ({principal.role}) cannot reach {request.path}")
    return None


def authenticated() -> Principal | None:
    """The principal of this request: open access, the demo visitor, or the session's
    (None when it has none, it expired, or its account or wall was removed)."""
    svc = current_services()
    if svc.settings.auth == "none" and not svc.demo_sign_in:
        return OPEN_ACCESS
    now = datetime.now(UTC)
    principal = principal_from_session(session, svc, now)
    personal_roles = tuple(svc.settings.access.personal_data_roles)
    if principal is not None and not svc.session_checks.still_valid(
        svc.store, svc.versions, principal, now, personal_roles
    ):
        expired = principal.expires_at is not None and principal.expires_at <= now
        session.clear()  # and why, for the wall's notice (a revoked display says so)
        session[ENDED_KEY] = "revoked" if principal.via == "device" and not expired else "ended"
        return None
    if principal is not None:
        display_seen(svc.store, principal, now)  # a paired wall's "last seen", once a minute
    return principal


def _screen_check(principal: Principal, screen: str | None) -> Response | None:
    if screen is None or principal.can_open(screen):
        return None
    return _refuse(403, f"your role ({principal.role}) cannot open {SCREENS[screen]}; "
                   f"you can open: {', '.join(SCREENS[s] for s in principal.screens)}")  # fmt: skip


def _callback_check(app: Dash, principal: Principal) -> Response | None:
    body = request.get_json(silent=True) or {}
    output = body.get("output", "")
    if PAGE_ROUTER_OUTPUT in output:  # the page router renders the path of its first input
        inputs = body.get("inputs") or [{}]
        first = inputs[0] if isinstance(inputs[0], dict) else {}
        if (first.get("id"), first.get("property")) != ("_pages_location", "pathname"):
            return _refuse(403, "the page router reads the location's pathname first")
        return _screen_check(principal, screen_at(str(first.get("value") or "/")))
    callback = (app.callback_map.get(output) or {}).get("callback")
    screen = CALLBACK_SCREENS.get(getattr(callback, "__module__", ""))
    if screen is None:
        return _refuse(403, "this callback is in no access policy")
    return _screen_check(principal, screen)




def _forbidden_page(principal: Principal) -> Response:
    """A page the role may not open: what it may open instead (the demo: other roles)."""
    page = render_template(
        "forbidden.html", city=current_services().settings.city_name, role=principal.role,
        path=request.path, demo=principal.via == "demo" and [
            (role, label) for role, (label, _) in DEMO_ROLES.items()],
        screens=[(SCREENS[s], SCREEN_LABELS[s]) for s in principal.screens],
    )  # fmt: skip
    return Response(page, 403, mimetype="text/html")


def _token_sent() -> bool:
    token = current_services().report_token
    sent = request.headers.get("X-C3-Token", "")
    return bool(token) and hmac.compare_digest(sent, token)


def _same_origin() -> bool:
    """Whether a request that changes something comes from C3's own pages. A browser
    names the page's origin in `Origin` on every cross-site POST (and on its own fetches),
    so a request without one is not a browser's cross-site request (a script with a
    token). Beside the SameSite=Lax cookie: that one alone lets a sibling subdomain
    (same site, another origin) post as the signed-in user."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = {request.host, urlsplit(current_services().settings.public_url or "").netloc}
    if urlsplit(origin).netloc in own:
        return True
    log.warning("refused a %s to %s from origin %s (this server is %s; behind a proxy, set "
                "public_url or trusted_proxies)", request.method, request.path, origin,
                request.host)  # fmt: skip
    return False


def _refuse(status: int, message: str, why: str | None = None) -> Response:
    body = {"error": message} | ({"why": why} if why else {})
    return Response(json.dumps(body), status, mimetype="application/json")
