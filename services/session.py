"""A principal in the browser's session and back: Flask's signed session cookie holds who
signed in, how, their grant and when it ends (the server's key signs it, so it cannot be
altered). The demo signs its visitor in as a demo admin, whose role a switcher changes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from services.access import Principal
from store import access as access_rows

KEY = "c3"
DEMO_HOURS = 12


def sign_in(session, principal: Principal, store=None) -> None:
    """Put `principal` in the browser's session; with `store`, record the sign-in there
    too, so that signing out ends it on the server (a copied cookie stops working)."""
    session.clear()  # a new session for a new sign-in (no fixation)
    sid = None
    if store is not None:
        sid = secrets.token_urlsafe(24)
        with store.transaction() as cur:
            access_rows.start_session(cur, sid, principal.name, principal.via, datetime.now(UTC))
    session[KEY] = {
        "sid": sid,
        "name": principal.name,
        "role": principal.role,
        "departments": list(principal.departments),
        "zones": list(principal.zones),
        "personal_data": principal.personal_data,
        "via": principal.via,
        "expires_at": principal.expires_at.isoformat() if principal.expires_at else None,
        "device_id": principal.device_id,
    }
    session.permanent = True  # the cookie lives until expires_at, not the browser's close


def sign_out(session, store=None) -> bool:
    """End the sign-in: in the browser, and on the server where it was recorded (then
    True: the other web workers are to be told)."""
    sid = (session.get(KEY) or {}).get("sid")
    session.clear()
    if not (sid and store is not None):
        return False
    with store.transaction() as cur:
        access_rows.end_session(cur, sid, datetime.now(UTC))
    return True


def principal_from_session(session, svc, now: datetime) -> Principal | None:
    """The session's principal; the demo visitor when the demo signs visitors in."""
    data = session.get(KEY)
    if data is None:
        if not svc.demo_sign_in or session.get("c3_ended"):  # a revoked wall stays out
            return None
        demo = Principal("demo visitor", "admin", personal_data=True, via="demo",
                         expires_at=now + timedelta(hours=DEMO_HOURS))  # fmt: skip
        sign_in(session, demo)
        return demo
    if not _can_be_made_here(data.get("via"), svc):
        return None
    expires = data.get("expires_at")
    return Principal(
        name=data["name"],
        role=data["role"],
        departments=tuple(data.get("departments") or ()),
        zones=tuple(data.get("zones") or ()),
        personal_data=bool(data.get("personal_data")),
        via=data.get("via", "local"),
        expires_at=datetime.fromisoformat(expires) if expires else None,
        device_id=data.get("device_id"),
        session_id=data.get("sid"),
    )


def _can_be_made_here(via: str | None, svc) -> bool:
    """A session is honoured only where such a sign-in can happen: a demo's cookie (an
    admin!) never on a C3 that is not the demo, a provider's only where it is configured,
    open access never as a session."""
    if via == "demo":
        return svc.demo_sign_in
    if via == "oidc":
        return svc.settings.auth == "oidc"
    return via in ("local", "device")
