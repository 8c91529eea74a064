"""Signing in and out: the sign-in page (local accounts, or a button to the city's OpenID
Connect provider, through authlib: authorization code flow with PKCE), sign-out, a wall
display's one-time pairing link, and the demo's role switcher. Plain HTML, no script:
it works before anything else of C3 loads."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from services.access import (
    DEMO_ROLES,
    SCREENS,
    current_principal,
    from_grant,
    grant_of_groups,
    with_role,
)
from services.accounts import paired_wall, signed_in_locally
from services.admin import audit_sign_in
from services.context import accounts_changed, current_services
from services.session import KEY, principal_from_session, sign_in, sign_out
from store import access as account_rows

signin = Blueprint("c3_auth", __name__, template_folder="templates")
CSRF_KEY = "c3_login_csrf"


def install_signin(server: Flask) -> None:
    """The sign-in routes; the OpenID Connect client is made on first use, from the
    services' settings (`city_client`)."""
    server.register_blueprint(signin)


def city_client(svc):
    """authlib's client of the city's provider (authorization code flow, PKCE S256), made
    once per services object; 404 when no provider is configured."""
    oidc = svc.settings.oidc if svc.settings.auth == "oidc" else None
    if oidc is None:
        abort(404)
    if svc.oidc_client is None:
        secret = os.environ.get(oidc.client_secret_env)
        kwargs = {"scope": " ".join(oidc.scopes), "code_challenge_method": "S256"}
        if not secret:  # a public client: PKCE alone proves the code is ours
            kwargs["token_endpoint_auth_method"] = "none"
        svc.oidc_client = OAuth(current_app).register(
            "city",
            client_id=oidc.client_id,
            client_secret=secret,
            server_metadata_url=f"{oidc.issuer}/.well-known/openid-configuration",
            client_kwargs=kwargs,
        )
    return svc.oidc_client


@signin.get("/login")
def login():
    return _login_page()


def _login_page(error: str | None = None, status: int = 200):
    svc = current_services()
    with svc.store.reading() as cur:
        accounts = account_rows.user_count(cur)
    session[CSRF_KEY] = session.get(CSRF_KEY) or secrets.token_urlsafe(16)
    oidc = svc.settings.oidc if svc.settings.auth == "oidc" else None
    notice = {"signed_out": "You are signed out.", "expired": "Your session ended: sign in "
              "again."}.get(request.args.get("why", ""))  # fmt: skip
    page = render_template(
        "login.html", city=svc.settings.city_name, error=error, notice=notice,
        oidc_label=oidc.label if oidc else None, local=svc.settings.auth == "local" or accounts,
        no_account=svc.settings.auth == "local" and not accounts,
        next=_safe_next(request.values.get("next")), csrf=session[CSRF_KEY],
    )  # fmt: skip
    return page, status


@signin.post("/login")
def login_post():
    svc = current_services()
    form = request.form
    if not secrets.compare_digest(form.get("csrf", ""), session.get(CSRF_KEY, "")):
        return _login_page("The form had expired: try again.", 400)
    name, password = form.get("name", "").strip(), form.get("password", "")
    # an address that failed too often waits; an account that did still signs in with its
    # right password (else anyone could lock anyone out), but its guesses are refused
    account, address = f"user:{name.lower()}", f"addr:{request.remote_addr}"
    limit = svc.settings.access.login_attempts
    too_many = "Too many failed sign-ins: wait 15 minutes, or ask an admin."
    if svc.login_throttle.blocked([address], limit):
        return _login_page(too_many, 429)
    principal = signed_in_locally(svc.store, svc.settings.access, name, password,
                                  datetime.now(UTC))  # fmt: skip
    if principal is None:
        locked = svc.login_throttle.blocked([account], limit)
        svc.login_throttle.failed([account, address])
        return _login_page(too_many, 429) if locked else _login_page("Wrong name or password.", 401)
    sign_in(session, principal, svc.store)
    audit_sign_in(svc.store, principal, datetime.now(UTC), request.remote_addr)
    return redirect(_safe_next(form.get("next")) or _home_of(principal))


@signin.get("/logout")
def logout():
    svc = current_services()
    if sign_out(session, svc.store):
        accounts_changed(svc)
    return redirect("/login?why=signed_out")


@signin.get("/auth/oidc")
def oidc_start():
    client = city_client(current_services())
    session["c3_next"] = _safe_next(request.args.get("next"))
    return client.authorize_redirect(url_for("c3_auth.oidc_callback", _external=True))


@signin.get("/auth/callback")
def oidc_callback():
    svc = current_services()
    client = city_client(svc)
    try:  # authlib checks state, nonce, PKCE and the token's issuer and signature
        token = client.authorize_access_token()
        claims = token.get("userinfo") or client.userinfo()
    except OAuthError as exc:
        return _login_page(f"The sign-in at the provider did not complete: {exc.error}.", 400)
    oidc = svc.settings.oidc
    issuer = str(client.load_server_metadata().get("issuer", "")).rstrip("/")
    if issuer != oidc.issuer:  # the discovery document is the configured provider's
        return _login_page(f"The provider says it is {issuer!r}, not the configured "
                           f"{oidc.issuer!r}: ask an admin to check [oidc].", 400)  # fmt: skip
    groups = claims.get(oidc.groups_claim) or []
    groups = [groups] if isinstance(groups, str) else groups
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        groups = []  # a claim of another shape grants nothing
    grant = grant_of_groups(groups, svc.settings.access)
    name = str(claims.get(oidc.name_claim) or claims.get("email") or claims.get("sub") or "?")
    if grant is None:
        return _login_page(f"{name} is signed in at the provider, but none of their groups "
                           "has a role in C3: ask an admin to map one.", 403)  # fmt: skip
    expires = datetime.now(UTC) + timedelta(hours=svc.settings.access.session_hours)
    principal = from_grant(name, grant, svc.settings.access, "oidc", expires_at=expires)
    following = session.pop("c3_next", None)
    sign_in(session, principal, svc.store)
    audit_sign_in(svc.store, principal, datetime.now(UTC), request.remote_addr)
    return redirect(following or _home_of(principal))


@signin.get("/pair/<token>")
def pair(token: str):
    svc = current_services()
    principal = paired_wall(svc.store, svc.settings.access, token, datetime.now(UTC))
    if principal is None:
        return render_template("paired.html", city=svc.settings.city_name, ok=False), 410
    sign_in(session, principal, svc.store)
    audit_sign_in(svc.store, principal, datetime.now(UTC), request.remote_addr)
    return redirect("/wall")


@signin.post("/demo/role")
def demo_role():
    svc = current_services()
    data = session.get(KEY)
    if not svc.demo_sign_in:
        return {"error": "the role switcher is the demo's only"}, 404
    if data is None or data.get("via") != "demo":
        return {"error": "only the demo visitor switches roles"}, 403
    role = request.form.get("role", "admin")
    if role not in DEMO_ROLES:
        return {"error": f"no role {role!r}"}, 400
    now = datetime.now(UTC)
    switched = with_role(principal_from_session(session, svc, now), role, DEMO_ROLES[role][1])
    sign_in(session, switched)
    return redirect(_home_of(switched))


@signin.get("/auth/whoami")
def whoami():
    who = current_principal()
    return {"name": who.name, "role": who.role, "departments": list(who.departments),
            "personal_data": who.personal_data, "via": who.via,
            "screens": who.screens}  # fmt: skip


def _home_of(principal) -> str:
    """Where a principal lands: the first screen it may open (a wall: /wall)."""
    return SCREENS[principal.screens[0]] if principal.screens else "/login"


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site: no scheme, no host, no `//`, no backslash and no control
    character or space (browsers drop those, so `/\t/evil.example` becomes `//evil…`)."""
    if not target or any(ord(c) <= 0x20 or c in "\\\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
