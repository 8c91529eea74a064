"""Callbacks of `/`: refresh layer URLs when data versions change, the feed line and clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dash import Input, Output, State, callback, html, no_update

from analytics.freshness import feed_state
from callbacks.context import services
from layouts import ids
from layouts.ids import MapShellIds
from store.ledger import data_versions
from store.queries import LAYERS, feed_status, layer_version


def layer_url(layer: str, version: str) -> str:
    return f"/api/layers/{layer}.geojson?v={version}"


def humanize_age(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} s ago"
    if seconds < 90 * 60:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h ago"
    return f"{int(seconds // 86400)} days ago"


def feed_badges(
    runs: list[dict], intervals: dict[str, int], now: datetime, tz: str, stale_after: float
) -> list[html.Span]:
    """One badge per configured feed: state dot, name, last update in city time and age."""
    by_name = {r["connector"]: r for r in runs}
    zone = ZoneInfo(tz)
    badges = []
    for name, interval in intervals.items():
        run = by_name.get(name, {})
        last_ok = run.get("last_success_at")
        state = feed_state(now, last_ok, run.get("last_status"), interval, stale_after)
        failed = run.get("last_status") == "failed"
        if last_ok is None:
            when = "no data yet"
        else:
            local = last_ok.astimezone(zone)
            when = f"updated {local:%H:%M:%S %Z} ({humanize_age((now - last_ok).total_seconds())})"
        badges.append(
            html.Span(
                [
                    html.Span(className=f"c3-dot c3-state-{state}"),
                    html.B(name),
                    f" {state} · {when}",
                    html.Span(" · last run failed", className="c3-feed-failed") if failed else None,
                ],
                className=f"c3-feed c3-feed-{state}",
                title=run.get("last_error") if failed else f"{name}: {state}",
                **{"data-feed": name, "data-state": state, "data-failed": str(failed).lower()},
            )
        )
    return badges


@callback(
    [Output(MapShellIds.layer(ids.HOME_MAP, layer), "url") for layer in LAYERS],
    Output(ids.HOME_FEEDS, "children"),
    Output(ids.HOME_CLOCK, "children"),
    Input(ids.HOME_REFRESH, "n_intervals"),
    [State(MapShellIds.layer(ids.HOME_MAP, layer), "url") for layer in LAYERS],
)
def refresh_home(_tick, *current_urls):
    """Point each layer at its current data version (unchanged URL = no refetch)."""
    svc = services()
    with svc.store.reading() as cur:
        versions = data_versions(cur)
        runs = feed_status(cur)
    now = datetime.now(UTC)
    urls = [layer_url(layer, layer_version(layer, versions, now.timestamp())) for layer in LAYERS]
    urls = [new if new != old else no_update for new, old in zip(urls, current_urls, strict=True)]
    badges = feed_badges(
        runs, svc.feed_intervals, now, svc.settings.timezone, svc.settings.stale_after_intervals
    )
    clock = f"{now.astimezone(ZoneInfo(svc.settings.timezone)):%a %d %b %H:%M %Z}"
    return [*urls, badges, clock]
