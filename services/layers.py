"""Where the REST API serves each map layer: one URL per layer and data version, so a
browser refetches a layer exactly when its data changed (see api/routes.py); and the
extent a map opens on (the city, or a department's zones)."""

from __future__ import annotations

import time

from services.access import current_principal, scope_token
from store.access import ACCOUNTS
from store.explore import zone_summary
from store.ledger import data_versions
from store.outcomes import OUTCOMES
from store.queries import layer_version


def versions_now(svc) -> dict[str, int]:
    """The data versions of the domains: from the change notices (store.notices) where C3
    has a board, else read from the store. (Not the accounts' own: that one is the
    sign-in check's, and how often people sign out is nobody's business.)"""
    if svc.versions is not None:
        found = svc.versions.current()
    else:
        with svc.store.reading() as cur:
            found = data_versions(cur)
    found.pop(ACCOUNTS, None)
    return found


def wall_tokens(svc, now_s: float | None = None) -> dict[str, str]:
    """Each wall domain's token: its data version, and a time bucket where its figures age.
    A wall refreshes a domain's tile exactly when its token moves."""
    versions = versions_now(svc)  # memory, where change notices arrive
    now_s = time.time() if now_s is None else now_s
    return {
        "waste": layer_version("waste", versions, now_s),
        "traffic": layer_version("traffic", versions, now_s),
        # overdue and 'since midnight' change with time: look again every minute
        "complaints": f"{versions.get('complaints', 0)}.{int(now_s // 60)}",
        "feeds": f"{sum(versions.values())}.{int(now_s // 15)}",
        "outcomes": str(versions.get(OUTCOMES, 0)),  # a new week's, once a day
    }


def layer_url(layer: str, version: str | int, fmt: str = "geojson") -> str:
    """The URL of `layer` at `version` (a data version, or a version.time-bucket token)
    for the current request's principal (its `scope`: what the layer holds for them)."""
    scope = scope_token()
    return f"/api/layers/{layer}.{fmt}?v={version}" + (f"&s={scope}" if scope else "")


def current_layer_url(layer: str, versions: dict, now_s: float, fmt: str = "geojson") -> str:
    """The URL of `layer` as the data `versions` stand at `now_s`."""
    return layer_url(layer, layer_version(layer, versions, now_s), fmt)


def bounds_seen(svc) -> tuple[float, float, float, float]:
    """The extent a map opens on: the city, or the zones of a department scoped to some."""
    who = current_principal()
    if who is None or not who.zones:
        return svc.map_bounds
    with svc.store.reading() as cur:
        found = [s["bounds"] for z in who.zones if (s := zone_summary(cur, z)) is not None]
    if not found:
        return svc.map_bounds
    west, south, east, north = zip(*found, strict=True)
    return min(west), min(south), max(east), max(north)


def zone_names(svc, zone_ids) -> dict[str, str]:
    """{zone id: its name} of the zones given that the store knows."""
    with svc.store.reading() as cur:
        found = {z: zone_summary(cur, z) for z in zone_ids}
    return {z: s["name"] for z, s in found.items() if s is not None}
