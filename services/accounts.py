"""Local accounts, paired wall displays and the audit trail, as the rest of C3 uses them:
passwords hashed with scrypt (memory-hard; the standard library's, no extra dependency),
failed sign-ins throttled per account and per address, one-time pairing links for walls,
and one line in the audit log per look at personal data, export or report download."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta

from config import DEPARTMENTS, ROLES, AccessSettings
from services.access import Principal, current_principal
from store import Store
from store import access as rows

# scrypt's cost: 2^15 x 8 x 128 B = 32 MiB and ~0.1 s per check (OWASP: N=2^17 at r=8 is the
# high end; 2^15 keeps a rate-limited login cheap on a 2-core server)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
THROTTLE_WINDOW_S = 15 * 60
PAIRING_VALID = timedelta(hours=24)
MIN_PASSWORD = 10


_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * 16}${'00' * 64}"


class AccountError(ValueError):
    """An account operation that cannot be done, in words for the operator."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=2**26)  # fmt: skip
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    again = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                           p=int(p), maxmem=2**26)  # fmt: skip
    return hmac.compare_digest(again.hex(), digest)


class LoginThrottle:
    """At most `limit` failed sign-ins per key (an account, an address) in 15 minutes; a
    key without recent failures is forgotten, so the table stays small."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> int:
        failures = self._failures.get(key)
        if failures is None:
            return 0
        while failures and failures[0] < now - THROTTLE_WINDOW_S:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return len(failures)

    def blocked(self, keys: list[str], limit: int) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(self._recent(k, now) >= limit for k in keys)

    def failed(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)


def new_account(name: str, role: str, password: str, departments=(), zones=(),
                personal_data: bool = False) -> dict:  # fmt: skip
    """A checked account row, its password hashed; AccountError says what is wrong."""
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise AccountError(f"{name!r}: a name is letters, digits, '.', '-' and '_'")
    if role not in ROLES:
        raise AccountError(f"role {role!r}: one of {', '.join(ROLES)}")
    if zones and role != "department":
        raise AccountError(f"zones narrow a department only, not the {role} role")
    if role == "wall" and personal_data:
        raise AccountError("a wall never sees personal data")
    unknown = sorted(set(departments) - set(DEPARTMENTS))
    if unknown or (role == "department" and not departments):
        raise AccountError(f"a department account needs departments among {DEPARTMENTS}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    return {"name": name, "role": role, "departments": list(departments), "zones": list(zones),
            "personal_data": personal_data, "password_hash": hash_password(password)}  # fmt: skip


def add_account(store: Store, account: dict) -> None:
    with store.transaction() as cur:
        if rows.user(cur, account["name"]) is not None:
            raise AccountError(f"an account {account['name']!r} exists already")
        known = rows.zone_ids(cur)
        unknown = sorted(set(account["zones"]) - set(known))
        if unknown:
            listed = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
            raise AccountError(
                f"no zone {', '.join(unknown)} in this city; its zone ids: "
                f"{listed or 'none yet (start C3 once to load the city)'}"
            )
        rows.add_user(cur, account)


def signed_in_locally(store: Store, access: AccessSettings, name: str, password: str,
                      now: datetime) -> Principal | None:  # fmt: skip
    """The principal of a local account whose password matches, else None."""
    with store.reading() as cur:
        found = rows.user(cur, name)
    stored = found["password_hash"] if found else _DUMMY_HASH  # as slow for a name not there
    if not password_matches(password, stored) or found is None or found["disabled"]:
        return None
    return Principal(
        name=name, role=found["role"], departments=tuple(found["departments"] or ()),
        zones=tuple(found["zones"] or ()), via="local",
        personal_data=found["personal_data"] or found["role"] in access.personal_data_roles,
        expires_at=now + timedelta(hours=access.session_hours),
    )  # fmt: skip


def still_valid(store: Store, principal: Principal, now: datetime,
                personal_roles: tuple[str, ...] = ("admin",)) -> bool:  # fmt: skip
    """A session's principal is still good: not expired nor signed out (the server's
    record), its local account not removed, disabled or changed (a new role means
    signing in again), its wall not revoked."""
    if principal.expires_at is not None and principal.expires_at <= now:
        return False
    with store.reading() as cur:
        if principal.via in ("local", "oidc", "device") and not (
            principal.session_id and rows.session_open(cur, principal.session_id)
        ):
            return False  # signed out (or a cookie from before the server kept sign-ins)
        if principal.via == "local":  # the account as it is now, not as it was at sign-in
            found = rows.user(cur, principal.name)
            return found is not None and not found["disabled"] and (
                found["role"], tuple(found["departments"] or ()), tuple(found["zones"] or ()),
                (found["personal_data"] or found["role"] in personal_roles)
                and found["role"] != "wall",
            ) == (principal.role, principal.departments, principal.zones,
                  principal.personal_data)  # fmt: skip
        if principal.via == "device":
            found = rows.device(cur, principal.device_id or "")
            return found is not None and found["revoked_at"] is None
    return True


class SessionChecks:
    """`still_valid` for every request, kept cheap on a lake (where one read costs ~10 ms
    of CPU): a session found valid is taken as valid again while the accounts' version
    (bumped with every sign-out, account change and wall revoked, in the same write) has
    not moved since. `versions` is the web worker's board (store.notices); with Redis,
    a change reaches every worker's board as soon as its notice does, and the board reads
    the store again every 15 s, so a notice that never arrived (Redis failed as it was
    sent) costs at most that long: one read per worker, not one per session (200 walls
    and desks each read again every 15 s were a fifth of a lake worker's CPU). Without
    Redis the board reads the version from the store at each ask. Without a board, every
    request reads the store."""

    MAX_SESSIONS = 10_000

    def __init__(self) -> None:
        # a principal's grant -> the accounts' version it was found valid at
        self._valid: dict[tuple, int] = {}
        self._lock = threading.Lock()

    def still_valid(self, store: Store, versions, principal: Principal, now: datetime,
                    personal_roles: tuple[str, ...] = ("admin",)) -> bool:  # fmt: skip
        if versions is None or (principal.expires_at is not None and principal.expires_at <= now):
            return still_valid(store, principal, now, personal_roles)
        version = versions.current().get(rows.ACCOUNTS, 0)
        grant = (principal.session_id, principal.via, principal.name, principal.role,
                 principal.departments, principal.zones, principal.personal_data,
                 principal.device_id)  # fmt: skip
        with self._lock:
            known = self._valid.get(grant)
        if known == version:
            return True
        if not still_valid(store, principal, now, personal_roles):
            return False
        with self._lock:
            if len(self._valid) >= self.MAX_SESSIONS:
                self._valid.clear()  # a full day of sign-ins: start again, read the store
            self._valid[grant] = version
        return True


def new_device(store: Store, name: str, created_by: str, now: datetime) -> tuple[str, str]:
    """A named wall display: (its id, the one-time pairing token for its link)."""
    token = secrets.token_urlsafe(24)
    device_id = secrets.token_urlsafe(12)
    with store.transaction() as cur:
        rows.add_device(cur, {"device_id": device_id, "name": name, "created_by": created_by,
                              "pairing_token_hash": _token_hash(token),
                              "pairing_expires_at": now + PAIRING_VALID})  # fmt: skip
    return device_id, token


def paired_wall(store: Store, access: AccessSettings, token: str, now: datetime):
    """The wall principal a pairing link signs in (once), or None."""
    with store.transaction() as cur:
        found = rows.pair_device(cur, _token_hash(token), now)
    if found is None:
        return None
    return Principal(name=found["name"], role="wall", via="device", device_id=found["device_id"],
                     expires_at=now + timedelta(days=access.wall_session_days))  # fmt: skip


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def audit(store: Store, action: str, what: str, count: int | None = None,
          detail: str | None = None) -> None:  # fmt: skip
    """One audit entry for the current request's principal: personal data seen, rows
    exported, a report downloaded."""
    who = current_principal()
    entry = {"logged_at": datetime.now(UTC), "who": who.name if who else "?",
             "role": who.role if who else "?", "action": action, "what": what,
             "rows": count, "detail": detail}  # fmt: skip
    with store.transaction() as cur:
        rows.write_audit(cur, entry)
