"""Wall displays without a keyboard and the audit trail (issue 16, items 3 and 4), on a real
store: a pairing link works once and for 24 h only, revoking a display ends its wall's
session at its next request, every change to a display is on the audit trail with who
made it, and the trail lists newest first in the city's time."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, g
from flask.sessions import SecureCookieSession

from config import load_settings
from services import admin
from services.access import Principal
from services.accounts import paired_wall, still_valid
from services.admin import DisplayError
from services.session import KEY, sign_in
from store import access as rows
from tests.helpers import TZ

ADA = Principal("ada", "admin", personal_data=True, via="oidc")
HOST = "https://c3.city.example/"


@contextmanager
def as_admin():
    """A request made by the admin `ada` (the audit names the request's principal)."""
    with Flask(__name__).test_request_context():
        g.c3_principal = ADA
        yield


def token_of(pairing: admin.Pairing) -> str:
    assert pairing.url.startswith(f"{HOST}pair/")
    return pairing.url.rsplit("/", 1)[1]


def test_a_pairing_link_signs_in_one_wall_once(store):
    access = load_settings(timezone=TZ).access
    now = datetime.now(UTC)
    with as_admin():
        pairing = admin.create_display(store, "  Control room,  left ", "ada", HOST, now)
    assert pairing.name == "Control room, left"
    assert pairing.expires_at == now + timedelta(hours=24)
    [shown] = admin.displays(store, now)
    assert (shown["name"], shown["created_by"], shown["state"]) == (
        "Control room, left",
        "ada",
        "awaiting pairing",
    )
    wall = paired_wall(store, access, token_of(pairing), now + timedelta(minutes=5))
    assert (wall.role, wall.via, wall.device_id) == ("wall", "device", pairing.device_id)
    assert wall.expires_at == now + timedelta(minutes=5, days=access.wall_session_days)
    assert not wall.can_open("explore") and wall.can_open("wall")
    assert paired_wall(store, access, token_of(pairing), now + timedelta(minutes=6)) is None
    assert admin.displays(store, now)[0]["state"] == "paired"
    with store.reading() as cur:  # the link itself is never stored, only its hash (once)
        assert pairing.url.rsplit("/", 1)[1] not in str(rows.devices(cur))


def test_a_pairing_link_expires_after_24_hours(store):
    access = load_settings(timezone=TZ).access
    then = datetime.now(UTC) - timedelta(hours=24, minutes=1)
    with as_admin():
        pairing = admin.create_display(store, "Lobby", "ada", HOST, then)
    assert paired_wall(store, access, token_of(pairing), datetime.now(UTC)) is None
    assert admin.displays(store, datetime.now(UTC))[0]["state"] == "link expired"


def test_revoking_a_display_ends_its_wall_session_and_its_link(store):
    access = load_settings(timezone=TZ).access
    now = datetime.now(UTC)
    with as_admin():
        hall = admin.create_display(store, "Hall", "ada", HOST, now)
        spare = admin.create_display(store, "Spare", "ada", HOST, now)
    wall = paired_wall(store, access, token_of(hall), now)
    session = SecureCookieSession()
    sign_in(session, wall, store)  # as /pair does: the server keeps the sign-in
    wall = replace(wall, session_id=session[KEY]["sid"])
    assert still_valid(store, wall, now)
    with as_admin():
        assert admin.revoke_display(store, hall.device_id, now) == "Hall"
        assert admin.revoke_display(store, spare.device_id, now) == "Spare"
        with pytest.raises(DisplayError, match="revoked already"):
            admin.revoke_display(store, hall.device_id, now)
    assert not still_valid(store, wall, now)  # at the wall's next request
    assert paired_wall(store, access, token_of(spare), now) is None  # never paired, now never
    assert {d["state"] for d in admin.displays(store, now)} == {"revoked"}


def test_every_change_to_a_display_is_on_the_audit_trail(store):
    now = datetime.now(UTC)
    with as_admin():
        pairing = admin.create_display(store, "Hall", "ada", HOST, now)
        assert admin.rename_display(store, pairing.device_id, "Main hall") == "Hall"
        admin.rename_display(store, pairing.device_id, "Main hall")  # no change: no entry
        admin.revoke_display(store, pairing.device_id, now)
        with pytest.raises(DisplayError):
            admin.rename_display(store, "no such display", "Nowhere")
    entries = admin.audit_trail(store, TZ)
    assert [(e["who"], e["role"], e["action"], e["what"], e["detail"]) for e in entries] == [
        ("ada", "admin", "device", "display “Main hall”", "revoked; its wall signed out"),
        ("ada", "admin", "device", "display “Main hall”", "renamed from “Hall”"),
        ("ada", "admin", "device", "display “Hall”", "created; pairing link valid 24 h, once"),
    ]
    logged = datetime.fromisoformat(entries[0]["logged_at"])
    assert entries[0]["when"] == logged.astimezone(ZoneInfo(TZ)).strftime(admin.TIME)


def test_a_sign_in_is_on_the_audit_trail_with_its_principal(store):
    now = datetime.now(UTC)
    wall = Principal("Hall", "wall", via="device", device_id="d1")
    admin.audit_sign_in(store, wall, now, "10.0.0.7")
    [entry] = admin.audit_trail(store, TZ)
    assert (entry["who"], entry["role"], entry["action"], entry["what"], entry["detail"]) == (
        "Hall",
        "wall",
        "sign-in",
        "pairing link",
        "from 10.0.0.7",
    )


def test_a_display_needs_a_printable_name():
    for name in ("", "   ", None, "x" * 61, "tab\u0000name"):
        with pytest.raises(DisplayError):
            admin.display_name(name)
    assert admin.display_name(" Control  room ") == "Control room"


def test_a_paired_display_is_seen_at_most_once_a_minute(store):
    access = load_settings(timezone=TZ).access
    now = datetime.now(UTC)
    with as_admin():
        pairing = admin.create_display(store, "Hall", "ada", HOST, now)
    wall = paired_wall(store, access, token_of(pairing), now)
    admin.display_seen(store, wall, now + timedelta(seconds=70))
    admin.display_seen(store, wall, now + timedelta(seconds=90))  # within the minute: skipped
    [shown] = admin.displays(store, now)
    assert shown["last_seen_at"] == now + timedelta(seconds=70)
    admin.display_seen(store, wall, now + timedelta(seconds=140))
    assert admin.displays(store, now)[0]["last_seen_at"] == now + timedelta(seconds=140)
    admin.display_seen(store, ADA, now)  # not a display: nothing to note
