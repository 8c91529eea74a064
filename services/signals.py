"""The cross-domain signals as screens ask for them (issue 19): the four rules run over
the store at one moment (`find`), shared by every screen of a web worker at the same data
versions and minute (`current`), narrowed to what the asker may see, and as the wall's
alerts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from analytics import signals as rules
from analytics.kpis import Alert
from analytics.signals import RULES, Signal
from config import Settings
from services.access import Principal, current_principal
from services.layers import versions_now
from store import signals as reads

log = logging.getLogger(__name__)


def find(store, settings: Settings, now: datetime) -> list[Signal]:
    """Every signal at `now`, by rule, oldest first within a rule."""
    s = settings.signals
    with store.reading() as cur:
        box = rules.box_degrees(max(s.near_bin_m, s.near_road_m), _city_lat(cur, now, s))
        since = now - timedelta(days=s.report_days)
        pairs = reads.readings_near_reports(cur, s.overflow_codes, since, now, *box)
        full = reads.full_containers(cur, now, s.full_level, s.full_hours)
        overflow = reads.reports(cur, s.overflow_codes, now - timedelta(hours=2 * s.full_hours),
                                 now)  # fmt: skip
        road = reads.reports(cur, s.road_codes, now - timedelta(days=s.road_days), now)
        segments = reads.segments(cur)
        near = rules.nearest_segments(road, segments, s.near_road_m)
        counts = near.groupby("segment_id").size()
        candidates = sorted(counts[counts >= s.road_reports].index)
        speeds = reads.speed_against_profile(cur, candidates, now, settings.timezone)
        stuck = {d: reads.same_value(cur, d, now, s.stuck_days) for d in reads.STUCK_SOURCES}
    return [
        *rules.sensor_disagreements(pairs, s.near_bin_m, s.under_fill),
        *rules.full_unplanned(full, overflow, s.near_bin_m, now, s.full_level),
        *rules.road_problems(near, speeds, segments, s.road_reports, s.speed_drop),
        *(signal for d, frame in stuck.items() for signal in rules.stuck_sensors(frame, d, now)),
    ]


def _city_lat(cur, now, s) -> float:
    """The latitude the search box is sized at: the reports' own, else the equator's
    (the widest box: nothing is missed)."""
    found = reads.reports(cur, s.overflow_codes + s.road_codes,
                          now - timedelta(days=max(s.report_days, s.road_days)), now)  # fmt: skip
    return float(found["lat"].abs().max()) if not found.empty else 0.0


def current(svc, now: datetime) -> list[Signal]:
    """`find` at the data versions and minute of now, computed once per web worker (a new
    collection plan is read within the minute)."""
    versions = versions_now(svc)
    key = ("signals", versions.get("waste", 0), versions.get("traffic", 0),
           versions.get("complaints", 0), int(now.timestamp() // 60))  # fmt: skip
    return svc.answers.get(key, lambda: find(svc.store, svc.settings, now))


def seen_by(signals: list[Signal], who: Principal | None) -> list[Signal]:
    """The signals of the domains and zones `who` sees (everyone's without a principal:
    the reports and the command line)."""
    if who is None:
        return signals
    return [s for s in signals if who.sees(s.domain) and who.sees_zone(s.zone_id)]


def visible(svc, now: datetime) -> list[Signal]:
    return seen_by(current(svc, now), current_principal())


def as_alerts(signals: list[Signal], domain: str) -> list[Alert]:
    """The wall's alerts for `domain`'s signals (kind "signal": the strip shows them
    before the routine ones): the rule; the place and the feature; since when."""
    return [Alert("signal", f"signal:{s.key}", s.since, RULES[s.rule],
                  f"{s.place} · {s.feature_id}" if s.place else s.feature_id, s.lat, s.lon)
            for s in signals if s.domain == domain]  # fmt: skip


def wall_alerts(svc, now: datetime, domain: str) -> list[Alert]:
    """The signals of `domain` the asker sees, as the wall's alerts. A store that cannot
    be read gives none (the feeds' alerts say why), never a broken tile."""
    try:
        return as_alerts(visible(svc, now), domain)
    except duckdb.Error as error:
        log.warning("signals: the store could not be read: %s", error)
        return []


def as_rows(signals: list[Signal]) -> pd.DataFrame:
    """One row per signal, for tables, reports and the API."""
    return pd.DataFrame([{
        "rule": s.rule, "title": s.title, "domain": s.domain, "feature_id": s.feature_id,
        "zone_id": s.zone_id, "place": s.place, "since": s.since, "evidence": s.evidence,
        "requests": ", ".join(s.requests), "lon": s.lon, "lat": s.lat,
    } for s in signals], columns=["rule", "title", "domain", "feature_id", "zone_id", "place",
                                  "since", "evidence", "requests", "lon", "lat"])  # fmt: skip


def version(versions: dict, now_s: float) -> str:
    """What the signals are computed at (`current`): the data versions of waste, traffic
    and complaints, and the minute; a layer's URL carries it, so it loads again when it
    moves."""
    return ".".join([*(str(versions.get(d, 0)) for d in ("waste", "traffic", "complaints")),
                     str(int(now_s // 60))])  # fmt: skip


def _text(value) -> str | None:
    return value if isinstance(value, str) else None  # a missing place or zone: None


def as_geojson(signals: list[Signal]) -> dict:
    """The signals that have a place on the map, as GeoJSON points (`/explore`'s layer):
    the rule and its label, the feature, its place and zone, since when (ISO), the
    evidence and the requests behind it."""
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(s.lon), float(s.lat)]},
        "properties": {
            "id": s.key, "rule": s.rule, "title": RULES[s.rule], "domain": s.domain,
            "feature_id": s.feature_id, "place": _text(s.place), "zone": _text(s.zone_id),
            "since": s.since.isoformat(), "evidence": s.evidence, "requests": list(s.requests),
        },
    } for s in signals if _on_earth(s.lon, s.lat)]}  # fmt: skip


def _on_earth(lon, lat) -> bool:
    """A place to draw (not None, NaN or out of range)."""
    return lon is not None and lat is not None and abs(lon) <= 180 and abs(lat) <= 90
