"""What the admin screen does and shows (issue 16): wall displays, each created with a
one-time pairing link, listed with their state, renamed and revoked (every change on the
audit trail); a paired display's last sign of life; the local accounts; and the audit
trail itself, newest first, in the city's time."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.access import Principal
from services.accounts import PAIRING_VALID, audit, new_device
from store import Store
from store import access as rows

MAX_NAME = 60
SEEN_EVERY = timedelta(minutes=1)  # a wall polls every few seconds: note it once a minute
AUDIT_SHOWN = 1000
TIME = "%Y-%m-%d %H:%M:%S"  # sorts as text in the audit grid


class DisplayError(ValueError):
    """A change to a display that cannot be made, in words for the admin."""


@dataclass(frozen=True)
class Pairing:
    """A display just created and the link that pairs it: shown once, never stored."""

    device_id: str
    name: str
    url: str
    expires_at: datetime


def display_name(name: str | None) -> str:
    """A display's name, trimmed; DisplayError when it is empty, too long or unprintable."""
    name = " ".join((name or "").split())
    if not name:
        raise DisplayError("Give the display a name, e.g. “Control room, left wall”.")
    if len(name) > MAX_NAME or not name.isprintable():
        raise DisplayError(f"A display's name is at most {MAX_NAME} printable characters.")
    return name


def create_display(
    store: Store, name: str, created_by: str, host_url: str, now: datetime
) -> Pairing:
    """A new named display awaiting its pairing, and its one-time link under `host_url`
    (the address this admin reached C3 by, e.g. 'https://c3.city.example/')."""
    name = display_name(name)
    device_id, token = new_device(store, name, created_by, now)
    expires = now + PAIRING_VALID
    audit(store, "device", f"display “{name}”", detail="created; pairing link valid 24 h, once")
    return Pairing(device_id, name, f"{host_url.rstrip('/')}/pair/{token}", expires)


def rename_display(store: Store, device_id: str, name: str) -> str:
    """Rename a display; its name before. A paired wall keeps its session."""
    name = display_name(name)
    with store.transaction() as cur:
        found = rows.device(cur, device_id)
        if found is None:
            raise DisplayError("That display is gone: reload the page.")
        if found["name"] == name:
            return name
        rows.rename_device(cur, device_id, name)
    audit(store, "device", f"display “{name}”", detail=f"renamed from “{found['name']}”")
    return found["name"]


def revoke_display(store: Store, device_id: str, now: datetime) -> str:
    """Revoke a display: its pairing link stops working and its wall is signed out at its
    next request (`accounts.still_valid`). Its name."""
    with store.transaction() as cur:
        found = rows.device(cur, device_id)
        if found is None:
            raise DisplayError("That display is gone: reload the page.")
        if not rows.revoke_device(cur, device_id, now):
            raise DisplayError(f"“{found['name']}” was revoked already.")
    audit(store, "device", f"display “{found['name']}”", detail="revoked; its wall signed out")
    return found["name"]


def display(store: Store, device_id: str) -> dict | None:
    """One display (device_id, name, revoked_at), or None."""
    with store.reading() as cur:
        return rows.device(cur, device_id)


def display_state(device: dict, now: datetime) -> str:
    """revoked | paired | awaiting pairing | link expired (never paired, its link too old)."""
    if device["revoked_at"] is not None:
        return "revoked"
    if device["paired_at"] is not None:
        return "paired"
    expires = device["pairing_expires_at"]
    return "link expired" if expires is not None and expires <= now else "awaiting pairing"


def displays(store: Store, now: datetime) -> list[dict]:
    """Every display, newest first, each with its state."""
    with store.reading() as cur:
        found = rows.devices(cur)
    for device in found:
        device["state"] = display_state(device, now)
    return sorted(found, key=lambda d: d["created_at"], reverse=True)


_seen: dict[str, datetime] = {}
_seen_lock = threading.Lock()


def display_seen(store: Store, principal: Principal, now: datetime) -> None:
    """Note that a paired display asked for something (its "last seen"), at most once a
    minute per display and process."""
    if principal.via != "device" or not principal.device_id:
        return
    with _seen_lock:
        last = _seen.get(principal.device_id)
        if last is not None and now - last < SEEN_EVERY:
            return
        _seen[principal.device_id] = now
    with store.transaction() as cur:
        rows.seen_device(cur, principal.device_id, now)


SIGN_IN_HOW = {
    "local": "local account",
    "oidc": "city provider",
    "device": "pairing link",
    "demo": "demo visitor",
}


def audit_sign_in(
    store: Store, principal: Principal, now: datetime, address: str | None = None
) -> None:
    """One audit entry for a sign-in (made before the request has its principal, so the
    principal is named here): who, as what role, how, and from which address."""
    entry = {
        "logged_at": now,
        "who": principal.name,
        "role": principal.role,
        "action": "sign-in",
        "what": SIGN_IN_HOW.get(principal.via, principal.via),
        "rows": None,
        "detail": f"from {address}" if address else None,
    }
    with store.transaction() as cur:
        rows.write_audit(cur, entry)


def local_accounts(store: Store) -> list[dict]:
    with store.reading() as cur:
        return rows.users(cur)


def audit_trail(store: Store, timezone: str, limit: int = AUDIT_SHOWN) -> list[dict]:
    """The newest `limit` audit entries, each with `when` in the city's time."""
    zone = ZoneInfo(timezone)
    with store.reading() as cur:
        entries = rows.audit_entries(cur, limit=limit)
    for entry in entries:
        entry["when"] = entry["logged_at"].astimezone(zone).strftime(TIME)
        entry["logged_at"] = entry["logged_at"].isoformat()
    return entries
