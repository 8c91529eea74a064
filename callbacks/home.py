"""Callbacks of `/`: refresh layer URLs when data versions change, the feed line and clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dash import Input, Output, State, callback, no_update

from components import ids
from components.feed_badges import feed_badges, misconfigured_badges
from components.ids import MapShellIds
from services.access import current_principal
from services.context import current_services
from services.layers import current_layer_url
from store.ledger import data_versions
from store.queries import LAYERS, feed_status


def changed_layer_urls(sources, versions: dict, now_s: float, current: tuple) -> list:
    """URL of each layer's current version; no_update where the map already has it."""
    urls = [current_layer_url(name, versions, now_s) for name in sources]
    return [new if new != old else no_update for new, old in zip(urls, current, strict=True)]


@callback(
    [Output(MapShellIds.layer(ids.HOME_MAP, layer), "url") for layer in ids.MAP_LAYERS],
    Output(ids.HOME_FEEDS, "children"),
    Output(ids.HOME_CLOCK, "children"),
    Input(ids.HOME_REFRESH, "n_intervals"),
    [State(MapShellIds.layer(ids.HOME_MAP, layer), "url") for layer in ids.MAP_LAYERS],
)
def refresh_home(_tick, *current_urls):
    """Point each layer at its current data version (unchanged URL = no refetch)."""
    svc, who = current_services(), current_principal()
    with svc.store.reading() as cur:
        versions = data_versions(cur)
        runs = feed_status(cur)
    now = datetime.now(UTC)
    urls = changed_layer_urls(ids.MAP_LAYERS, versions, now.timestamp(), current_urls)
    # a department's map never asks for another department's layers, nor lists its feeds
    urls = [u if who is None or who.sees(LAYERS[n].domain) else no_update
            for n, u in zip(ids.MAP_LAYERS, urls, strict=True)]  # fmt: skip
    domains = {r["connector"]: r["domain"] for r in runs}
    intervals = {n: i for n, i in svc.feed_intervals.items()
                 if who is None or who.sees(domains.get(n))}  # fmt: skip
    aside = svc.misconfigured if who is None or who.role != "department" else []
    s = svc.settings
    badges = misconfigured_badges(aside) + feed_badges(  # what to fix, first
        runs, intervals, now, s.timezone, s.stale_after_intervals, s.degraded_share)
    clock = f"{now.astimezone(ZoneInfo(svc.settings.timezone)):%a %d %b %H:%M %Z}"
    return [*urls, badges, clock]
