"""Who is asking and what they may see: the `Principal` (a signed-in person, a paired wall,
the demo visitor, or anyone when access is open), the screens and data domains each role
reaches, personal data as its own permission, and the principal of the current request.

The rules live here once; `api.guard` applies them to every request before it reaches a
page, a callback or an API route, and services that shape data (personal fields, a
department's domains) ask the principal of the request."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import g, has_request_context
from werkzeug.exceptions import Forbidden

from config import DEPARTMENTS, AccessSettings, Grant

# screen -> its path; the guard maps a request to one of these
SCREENS = {
    "home": "/",
    "complaints": "/complaints",
    "explore": "/explore",
    "collection": "/collection",
    "reports": "/reports",
    "feeds": "/feeds",
    "wall": "/wall",
    "field": "/field",
    "admin": "/admin",
}
SCREEN_LABELS = {
    "home": "City map",
    "complaints": "Complaints",
    "explore": "Explore",
    "collection": "Collection",
    "reports": "Reports",
    "feeds": "Feeds",
    "wall": "Wall",
    "field": "Field",
    "admin": "Admin",
}
ROLE_SCREENS = {
    "wall": frozenset({"wall"}),
    "crew": frozenset({"field"}),  # its own jobs, on a phone
    "inspector": frozenset({"field"}),  # done jobs to validate, on a phone
    "operator": frozenset(SCREENS) - {"admin"},
    "department": frozenset({"home", "complaints", "explore", "collection", "reports", "feeds"}),
    "admin": frozenset(SCREENS),
}
# the widest wins
ROLE_RANK = {"wall": 0, "crew": 1, "inspector": 2, "department": 3, "operator": 4, "admin": 5}
# a department sees a screen if it has its domain
SCREEN_DOMAINS = {"collection": {"waste"}, "complaints": {"complaints"}}
NO_ZONE = "\x00"  # a zone filter of nothing: no zone has this id


@dataclass(frozen=True)
class Principal:
    """Who a request comes from, and what they were granted."""

    name: str
    role: str
    departments: tuple[str, ...] = ()  # department role only
    zones: tuple[str, ...] = ()  # department role only; empty = every zone
    personal_data: bool = False
    via: str = "local"  # local | oidc | device | demo | open
    expires_at: datetime | None = None
    device_id: str | None = None
    session_id: str | None = None  # the server's record of this sign-in (services.session)
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.role in ("wall", "crew"):  # never personal data, whatever they were given
            object.__setattr__(self, "personal_data", False)
        if self.role != "department":  # zones narrow a department only
            object.__setattr__(self, "zones", ())

    @property
    def domains(self) -> frozenset[str]:
        """The data domains this principal sees (every one, but for a department)."""
        return frozenset(self.departments if self.role == "department" else DEPARTMENTS)

    def sees(self, domain: str | None) -> bool:
        """A department's data only if it is theirs; what is no department's (zones, the
        basemap, the city) everyone sees."""
        return domain not in DEPARTMENTS or domain in self.domains

    def sees_zone(self, zone_id: str | None) -> bool:
        """Every zone, unless this is a department scoped to zones (then not what lies
        outside every zone either)."""
        return not self.zones or zone_id in self.zones

    def zone_filter(self, asked=()) -> list[str]:
        """The zone filter a query runs with: the zones asked for (none = every zone),
        within this principal's zones; asked only for others', a filter of nothing."""
        asked = [z for z in asked or () if z]
        if not self.zones:
            return asked
        within = [z for z in asked if z in self.zones] if asked else list(self.zones)
        return within or [NO_ZONE]

    def can_open(self, screen: str) -> bool:
        if screen not in ROLE_SCREENS.get(self.role, ()):
            return False
        needs = SCREEN_DOMAINS.get(screen)
        return needs is None or bool(needs & self.domains)

    @property
    def screens(self) -> list[str]:
        """The screens this principal may open, in the navigation's order."""
        return [s for s in SCREENS if self.can_open(s)]

    @property
    def scope(self) -> str:
        """A short token of what this principal's data looks like (role, departments,
        zones, personal data): layer URLs carry it, so a browser shared by two people
        never serves one of them a layer it cached for the other."""
        shape = [self.role, sorted(self.departments), sorted(self.zones), self.personal_data]
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:12]

    @property
    def label(self) -> str:
        """'maria · department (waste)'; '(waste; zones A, B)' when scoped to zones."""
        return self.labelled()

    def labelled(self, zone_names: dict[str, str] | None = None) -> str:
        """The label, zones by their names where `zone_names` has them (the header)."""
        names = [(zone_names or {}).get(z, z) for z in self.zones]
        zones = f"; zone{'s' if len(names) > 1 else ''} {', '.join(names)}" if names else ""
        scope = f" ({', '.join(self.departments)}{zones})" if self.role == "department" else ""
        return f"{self.name} · {self.role}{scope}"


OPEN_ACCESS = Principal("open access", "operator", via="open")


def screen_at(path: str) -> str | None:
    """The screen a page path shows, or None (an unknown path: Dash's 404 page)."""
    path = "/" + path.strip("/")
    return next((s for s, p in SCREENS.items() if p == path), None)
# the demo's role switcher: role -> (its label, the departments it sees)
DEMO_ROLES = {
    "admin": ("admin", ()),
    "operator": ("operator", ()),
    "department": ("waste department", ("waste",)),
    "wall": ("wall display", ()),
    "crew": ("field crew", ()),
    "inspector": ("inspector", ()),
}


def from_grant(name: str, grant: Grant, access: AccessSettings, via: str, **extra) -> Principal:
    return Principal(
        name=name,
        role=grant.role,
        departments=tuple(grant.departments),
        zones=tuple(grant.zones),
        personal_data=grant.personal_data or grant.role in access.personal_data_roles,
        via=via,
        **extra,
    )


def grant_of_groups(groups: list[str], access: AccessSettings) -> Grant | None:
    """The grant of the widest role among `groups` (departments and zones of every group
    of that role together, every zone if one of them names none; personal data if any
    of them gives it), or None: no access."""
    grants = [access.groups[g] for g in groups if g in access.groups]
    if not grants:
        return None
    top = max(ROLE_RANK[gr.role] for gr in grants)
    widest = [gr for gr in grants if ROLE_RANK[gr.role] == top]
    every_zone = any(not gr.zones for gr in widest)
    return Grant(
        role=widest[0].role,
        departments=sorted({d for gr in widest for d in gr.departments}),
        zones=[] if every_zone else sorted({z for gr in widest for z in gr.zones}),
        personal_data=any(gr.personal_data for gr in widest),
    )


def with_role(principal: Principal, role: str, departments: tuple[str, ...] = ()) -> Principal:
    """The demo's role switcher: the same visitor seen as another role."""
    personal = role == "admin"
    return replace(principal, role=role, departments=departments, personal_data=personal)


def current_principal() -> Principal | None:
    """The principal of the current request (set by the guard), or None outside one."""
    if not has_request_context():
        return None
    return g.get("c3_principal")


def scope_token() -> str:
    """The current request's principal's `scope` ('' outside a request)."""
    who = current_principal()
    return "" if who is None else who.scope


def personal_data_allowed() -> bool:
    """Whether this request may receive complainants' words, addresses and raw records."""
    who = current_principal()
    return bool(who and who.personal_data)


def require_domain(domain: str | None) -> None:
    """Refuse (403) data of a domain the request's principal does not see: a department
    head asking for another department's layer, rows or export."""
    who = current_principal()
    if who is not None and not who.sees(domain):
        raise Forbidden(f"your role ({who.label}) does not see {domain} data")


def zone_filter(asked=()) -> list[str]:
    """The zone filter of the current request (`Principal.zone_filter`); outside a
    request, what was asked."""
    who = current_principal()
    return [z for z in asked or () if z] if who is None else who.zone_filter(asked)


def require_zone(zone_id: str | None) -> None:
    """Refuse (403) a zone, or a feature in a zone, outside a zone-scoped department's."""
    who = current_principal()
    if who is not None and not who.sees_zone(zone_id):
        raise Forbidden(f"your role ({who.label}) does not see that zone")


def reports_seen(kinds: list) -> list:
    """The report kinds the current request's principal sees (`sees_report`); outside a
    request, every kind."""
    who = current_principal()
    return list(kinds) if not has_request_context() else [k for k in kinds if sees_report(who, k)]


def sees_report(who: Principal | None, kind) -> bool:
    """A department sees its own department's reports only, and a department scoped to
    zones only reports of some of its zones; other roles, every report. `kind` is the
    report's ReportKind, or None for one no longer configured (city-wide)."""
    if who is None:
        return False
    if who.role != "department":
        return True
    if kind is None or kind.department not in who.departments:
        return False
    return not who.zones or (bool(kind.zones) and set(kind.zones) <= set(who.zones))
