"""What an `/explore` view shows, as plain data: its time (the one server-side reading of
the range, dates and moment that the page and the REST API share, and the time slider's
span) and where each of its layers loads from (which ones the server filters)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from analytics import timewindow
from services import signals
from services.access import current_principal
from services.layers import current_layer_url, versions_now
from store import explore
from store.explore_filters import LAYER_FILTERS
from store.queries import layer_version

# the layers whose data depend on the view's range and moment (they load with it)
TIMED_LAYERS = ("complaints", "hotspots")


def clustered(large_city: bool) -> tuple[str, ...]:
    """Point layers the server clusters for the map's view (services/clusters.py): the
    complaints always, the containers in a big city."""
    return ("complaints", "waste") if large_city else ("complaints",)


def server_filtered(large_city: bool) -> tuple[str, ...]:
    """Layers whose filters the server applies (their URL carries them): the clustered
    ones (a cluster must count only what is shown) and the complaint hotspots."""
    return (*clustered(large_city), "hotspots")


def epoch_or_none(value) -> float | None:
    """Epoch seconds from the URL, or None when missing or unreadable."""
    try:
        at = float(value)
    except (TypeError, ValueError):
        return None
    return at if math.isfinite(at) else None


def time_view(range_key, start, end, at_s, tz: str) -> timewindow.TimeView:
    """The view's range and moment now, in the city's time zone `tz`."""
    return timewindow.resolve(range_key, start, end, at_s, datetime.now(UTC), tz)


def window_of(view: timewindow.TimeView) -> explore.Window:
    """The store's window of a view: its range and moment."""
    return explore.Window(view.since, view.until, view.at)


def slider_span(view: timewindow.TimeView, tz: str) -> dict:
    """The time slider over a view: its ends in whole steps (so moments repeat and their
    frames are cached), its step, its labels (local time) and the view's moment."""
    lo, hi = int(view.since.timestamp()), int(view.until.timestamp())
    lo -= lo % view.step_s
    return {
        "min": lo,
        "max": hi,
        "step": view.step_s,
        "marks": {str(k): v for k, v in timewindow.slider_marks(view, tz).items()},
        "value": int(view.at.timestamp()),
    }


def sources_of(versions: dict, now_s: float, large_city: bool) -> dict:
    """Layer URLs without the view; a clustered layer's URL without the map's view either
    (assets/clusters.js adds it)."""
    on_server = clustered(large_city)
    complaints_v = versions.get("complaints", 0)
    waste_v = layer_version("waste", versions, now_s)
    return {
        **{name: current_layer_url(name, versions, now_s) for name in ("traffic", "zones")},
        "waste": f"/api/clusters/waste.geojson?v={waste_v}"
        if "waste" in on_server
        else current_layer_url("waste", versions, now_s),
        "complaints": f"/api/clusters/complaints.geojson?v={complaints_v}",
        "hotspots": f"/api/hotspots.geojson?v={complaints_v}",
        "signals": f"/api/signals.geojson?v={signals.version(versions, now_s)}",
        "server_filtered": list(server_filtered(large_city)),
        "clustered": list(on_server),
    }


LAYER_DOMAINS = {"traffic": "traffic", "waste": "waste", "complaints": "complaints",
                 "hotspots": "complaints"}  # fmt: skip  (zones and the basemap: everyone's)
SIGNAL_DOMAINS = ("waste", "traffic")  # whose features the cross-domain signals are about


def sees_layer(layer: str) -> bool:
    """Whether the request's principal sees this explore layer's data (the signals: those
    of one of their domains at least)."""
    who = current_principal()
    if who is None:
        return True
    if layer == "signals":
        return any(who.sees(d) for d in SIGNAL_DOMAINS)
    return who.sees(LAYER_DOMAINS.get(layer))


def sees_filter(name: str) -> bool:
    """Whether a filter narrows a layer the request's principal sees (a waste department
    has no road class or complaint type to choose)."""
    return any(sees_layer(layer) for layer, names in LAYER_FILTERS.items() if name in names)


def layer_sources(svc, now_s: float, large_city: bool) -> dict:
    """Where each layer loads from at its data's current version (`sources_of`); a
    department's map has no source for another department's layers (they stay empty)."""
    versions = versions_now(svc)
    return {n: v for n, v in sources_of(versions, now_s, large_city).items() if sees_layer(n)}
