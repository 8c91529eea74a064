"""What a snapshot report says (issue #6): the city at a moment, read from stored history.

`build_snapshot` gathers each part (the wall's figures with their change since the
previous report, the collection windows of the next 24 h, the worst segments, the
containers over threshold, overdue complaints by type, the period's trends, the map's
layers) in the report's scope. A part that cannot be filled says why instead, and the
rest of the report stands. Complainants' text, address and contact are never read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics import kpis, service_levels
from analytics.freshness import assess
from config import ReportKind, Settings
from services.reports.forecast_part import looking_ahead
from services.reports.missing import NO_DATA, PART_DOMAIN, newest_note
from services.service_kpis import figures_at
from store import Store, reports, wall
from store.queries import feed_status

log = logging.getLogger(__name__)

DOMAINS = ("waste", "traffic", "complaints", "feeds")
WORST_SEGMENTS = 10
FULLEST_LISTED = 15


@dataclass(frozen=True)
class Figure:
    """One of the wall's figures at the report's moment and at the previous report's."""

    key: str
    label: str
    unit: str
    value: float | None
    before: float | None
    digits: int = 0

    @property
    def change(self) -> float | None:
        if self.value is None or self.before is None:
            return None
        return self.value - self.before


@dataclass
class Part:
    """One section of the report: its content, or why it is missing."""

    title: str
    data: Any = None
    missing: str | None = None


@dataclass
class Snapshot:
    kind: ReportKind
    at: datetime  # the moment it shows (UTC)
    previous: datetime  # the previous report's moment: changes and trends run from it
    tz: str
    city_name: str
    demo: bool
    late: bool
    produced_at: datetime
    scope: str  # in words: "whole city", "waste department", "zones A, B"
    domains: tuple[str, ...]
    parts: dict[str, Part] = field(default_factory=dict)

    def local(self, when: datetime) -> datetime:
        return pd.Timestamp(when).tz_convert(ZoneInfo(self.tz)).to_pydatetime()

    @property
    def missing(self) -> list[str]:
        return [f"{p.title}: {p.missing}" for p in self.parts.values() if p.missing]


def domains_of(kind: ReportKind) -> tuple[str, ...]:
    """A department's report covers its domain and the feeds; otherwise every domain."""
    if kind.department in ("waste", "traffic", "complaints"):
        return (kind.department, "feeds")
    return DOMAINS


def _in_zones(frame: pd.DataFrame, zones: list[str]) -> pd.DataFrame:
    return frame[frame["zone_id"].isin(zones)] if zones else frame


def _hhmm(snapshot: Snapshot, when: datetime) -> str:
    return f"{snapshot.local(when):%Y-%m-%d %H:%M %Z}"


class _Moment:
    """The wall's figures of every domain at one moment, in the report's scope."""

    def __init__(self, cur, settings: Settings, at: datetime, since: datetime,
                 zones: list[str], feed_intervals: dict[str, int]):  # fmt: skip
        self.cur, self.settings, self.at, self.since, self.zones = cur, settings, at, since, zones
        self.feed_intervals = feed_intervals

    # each read once per moment: the figures, the tables and the map share them
    @cached_property
    def containers(self) -> pd.DataFrame:
        return _in_zones(wall.container_states(self.cur, self.at).to_pandas(), self.zones)

    @cached_property
    def segments(self) -> pd.DataFrame:
        minutes = self.settings.alert_congested_minutes
        return _in_zones(wall.segment_states(self.cur, self.at, minutes).to_pandas(), self.zones)

    @cached_property
    def requests(self) -> tuple[pd.DataFrame, pd.Series]:
        s = self.settings
        found = reports.open_requests_at(self.cur, self.at, self.zones)
        return found, service_levels.due_times(found, s.service_levels, s.timezone)

    def waste(self) -> dict | None:
        states = self.containers
        return None if states.empty else kpis.waste_figures(states)

    def traffic(self) -> dict | None:
        states = self.segments
        return None if states.empty else kpis.traffic_figures(states)

    def complaints(self) -> dict | None:
        found, due = self.requests
        period = reports.complaint_period(self.cur, self.since, self.at, self.zones)
        if found.empty and not period["opened"] and not period["closed"]:
            return None
        # the service KPIs' one definition (a request under a work order is resolved
        # when its fix is validated), over the time since the previous report
        service = figures_at(self.cur, self.settings, self.at, self.at - self.since, self.zones)
        share = service["on_time"]["value"]
        return {
            "open": len(found),
            "overdue": int((due < pd.Timestamp(self.at)).sum()),
            **period,
            "median_close_h": service["median_h"]["value"],
            "on_time": None if share is None else share * 100,
        }

    def feeds(self) -> dict | None:
        if not self.feed_intervals:
            return None
        runs = {r["connector"]: r for r in feed_status(self.cur, self.at)}
        after = self.settings.stale_after_intervals
        states = {  # by its runs and its data's age; degraded is not counted (1: never)
            name: assess(self.at, runs.get(name, {}), interval, after, 1.0).state
            for name, interval in self.feed_intervals.items()
        }
        counted = list(states.values())
        return {
            "live": counted.count("live"),
            "delayed": counted.count("delayed"),
            "stale": counted.count("stale") + counted.count("never"),
            "states": states,
            "runs": runs,
        }


FIGURES = {  # per domain: (key, label, unit, digits)
    "waste": [
        ("over_80", "containers ≥ 80 % full", "containers", 0),
        ("over_95", "containers ≥ 95 % full", "containers", 0),
        ("overflowing", "overflowing", "containers", 0),
        ("forecast_6h", "full within 6 h (forecast)", "containers", 0),
        ("reporting", "reporting", "containers", 0),
    ],
    "traffic": [
        ("index", "congestion index (travel time ÷ free flow)", "×", 2),
        ("incidents", "segments at a standstill (≥ 3× free flow)", "segments", 0),
        ("reporting", "reporting", "segments", 0),
    ],
    "complaints": [
        ("open", "open requests", "requests", 0),
        ("overdue", "past their target time", "requests", 0),
        ("opened", "filed since the previous report", "requests", 0),
        ("closed", "closed since the previous report", "requests", 0),
        ("median_close_h", "median time to resolve (resolved since the previous report)", "h", 1),
        ("on_time", "resolved on time (against the service level)", "%", 0),
    ],
    "feeds": [
        ("live", "live", "feeds", 0),
        ("delayed", "delayed", "feeds", 0),
        ("stale", "stale or never reported", "feeds", 0),
    ],
}


def _figures(now_values: dict | None, before: dict | None, domain: str) -> list[Figure]:
    before = before or {}
    return [
        Figure(key, label, unit, now_values.get(key), before.get(key), digits)
        for key, label, unit, digits in FIGURES[domain]
    ]


def _guarded(part: Part, fill: Callable[[], Any]) -> Part:
    """Fill a part; a failure leaves it marked missing with the reason, and is logged."""
    try:
        part.data = fill()
    except Exception as exc:
        log.exception("report part %r failed", part.title)
        part.missing = f"could not be read ({type(exc).__name__}: {exc})"
    return part


def build_snapshot(
    store: Store,
    settings: Settings,
    kind: ReportKind,
    at: datetime,
    previous: datetime,
    *,
    late: bool = False,
    feed_intervals: dict[str, int] | None = None,
    best_windows: Callable[[datetime], pd.DataFrame] | None = None,
    outcomes: Callable[[datetime, list[str]], Any] | None = None,
    produced_at: datetime | None = None,
) -> Snapshot:
    """The report's content at `at`, with changes and trends since `previous`."""
    zones = list(kind.zones)
    domains = domains_of(kind)
    if feed_intervals is None:
        feed_intervals = {f.name: f.interval_s for f in settings.feeds}
    with store.reading() as cur:
        names = reports.zone_names(cur)
    scope = (
        f"{kind.department} department" if kind.department else
        "zones " + ", ".join(names.get(z, z) for z in zones) if zones else "whole city"
    )  # fmt: skip
    snap = Snapshot(
        kind, at, previous, settings.timezone, settings.city_name, settings.is_demo, late,
        produced_at or datetime.now(at.tzinfo), scope, domains,
    )  # fmt: skip
    stamp = _hhmm(snap, at)
    with store.reading() as cur:
        now = _Moment(cur, settings, at, previous, zones, feed_intervals)
        then = _Moment(cur, settings, previous, previous - (at - previous), zones, feed_intervals)
        figures, notes = {}, {}  # notes: when a domain without data had its newest reading
        for domain in domains:
            part = _guarded(Part(domain.capitalize()), lambda d=domain: getattr(now, d)())
            if part.data is None and part.missing is None:
                notes[domain] = newest_note(cur, domain, at, zones, settings.timezone)
                part.missing = NO_DATA[domain].format(at=stamp) + notes[domain]
            if part.data is not None:
                before = _guarded(Part(domain), lambda d=domain: getattr(then, d)()).data
                part.data = {"figures": _figures(part.data, before, domain), "raw": part.data}
            figures[domain] = part
        snap.parts.update({f"figures.{d}": p for d, p in figures.items()})
        if "waste" in domains:
            snap.parts["windows"] = _windows_part(best_windows, at, zones, stamp)
            snap.parts["containers"] = _guarded(
                Part("Containers over threshold"),
                lambda: _over_threshold(now.containers, settings.collection.threshold, names),
            )
        if "traffic" in domains:
            snap.parts["segments"] = _guarded(
                Part(f"The {WORST_SEGMENTS} worst segments"),
                lambda: _worst_segments(now.segments, names, snap),
            )
        if "complaints" in domains:
            snap.parts["overdue"] = _guarded(
                Part("Overdue complaints by service type"), lambda: _overdue_by_type(now, at)
            )
        hours = max(24, int((at - previous).total_seconds() // 3600))  # a day at least
        snap.parts["trends"] = _guarded(
            Part("Trends"),
            lambda: {
                "hours": hours,
                "series": {d: wall.hourly_points(cur, at, d, hours, zones) for d in domains},
            },
        )
        snap.parts["map"] = _guarded(Part("Map"), lambda: _map_layers(cur, now, domains, zones))
    for key, (title, fill) in looking_ahead(store, settings, snap, zones, outcomes).items():
        snap.parts[key] = _guarded(Part(title), fill)  # outside the block: each reads its own
    for key, part in snap.parts.items():
        if part.missing is None and _empty(part.data):
            part.missing = f"no data by {stamp}" + notes.get(PART_DOMAIN.get(key), "")
    return snap


def _empty(data: Any) -> bool:
    if data is None:
        return True
    if isinstance(data, dict) and "rows" in data:
        return data["rows"].empty and not data.get("count")
    return False


def _windows_part(best_windows, at: datetime, zones: list[str], stamp: str) -> Part:
    part = Part("Collection windows, next 24 h")
    if best_windows is None:
        part.missing = "collection planning does not run in this process"
        return part
    part = _guarded(part, lambda: {"rows": _in_zones(best_windows(at), zones)})
    if part.data is not None and part.data["rows"].empty:
        part.data, part.missing = None, f"no allowed window in the 24 h after {stamp}"
    return part


def _over_threshold(states: pd.DataFrame, threshold: float, names: dict) -> dict:
    over = states[states["fill"].astype(float) >= threshold]
    by_zone = (
        over.assign(zone=over["zone_id"].map(names).fillna(over["zone_id"]))
        .groupby("zone", as_index=False)
        .agg(containers=("container_id", "size"), mean_fill=("fill", "mean"))
        .sort_values(["containers", "zone"], ascending=[False, True])
    )
    fullest = over.sort_values(["fill", "container_id"], ascending=[False, True]).head(
        FULLEST_LISTED
    )
    return {
        "threshold": threshold,
        "count": len(over),
        "reporting": len(states),
        "by_zone": by_zone,
        "rows": fullest.assign(zone=fullest["zone_id"].map(names).fillna(fullest["zone_id"]))[
            ["container_id", "address", "zone", "fill", "observed_at"]
        ],
    }


def _worst_segments(states: pd.DataFrame, names: dict, snap: Snapshot) -> dict:
    """The segments that cost drivers most: by seconds lost over free flow (a short
    segment's ratio alone would rank a few metres of kerb first), then by ratio."""
    live = states.dropna(subset=["ratio"])
    live = live[np.isfinite(live["travel_time_s"].astype(float))]
    ranked = live.assign(
        delay_s=live["travel_time_s"].astype(float) - live["freeflow_s"].astype(float)
    ).sort_values(["delay_s", "ratio", "segment_id"], ascending=[False, False, True])
    top = ranked.head(WORST_SEGMENTS)
    return {
        "count": len(ranked),
        "rows": pd.DataFrame(
            {
                "segment_id": top["segment_id"],
                "street": top["name"].fillna("(unnamed)"),
                "zone": top["zone_id"].map(names).fillna(top["zone_id"]),
                "ratio": top["ratio"].astype(float),
                "delay_s": top["delay_s"],
                "seconds": top["travel_time_s"].astype(float),
                "freeflow_seconds": top["freeflow_s"].astype(float),
                "congested_since": [
                    "—" if pd.isna(t) else f"{snap.local(t):%H:%M}" for t in top["congested_since"]
                ],
            }
        ),
    }


def _overdue_by_type(moment: _Moment, at: datetime) -> dict:
    found, due = moment.requests
    late = found.assign(due=due)
    late = late[late["due"] < pd.Timestamp(at)]
    days_over = (pd.Timestamp(at) - late["due"]).dt.total_seconds() / 86400
    rows = (
        late.assign(days_over=days_over, service=late["service_name"].fillna(late["service_code"]))
        .groupby("service", as_index=False)
        .agg(overdue=("request_id", "size"), median_days=("days_over", "median"),
             oldest_days=("days_over", "max"))  # fmt: skip
        .merge(
            found.assign(service=found["service_name"].fillna(found["service_code"]))
            .groupby("service", as_index=False)
            .agg(open=("request_id", "size")),
            on="service",
        )
        .sort_values(["overdue", "service"], ascending=[False, True])
    )
    return {"count": int(len(late)), "open": int(len(found)), "rows": rows}


def _map_layers(cur, moment: _Moment, domains: tuple[str, ...], zones: list[str]) -> dict:
    """The layers of the map picture: zones, segments with their ratio, containers with
    their fill, open requests (positions only)."""
    shapes = reports.zone_shapes(cur)
    layers = {"zones": shapes[shapes["zone_id"].isin(zones)] if zones else shapes}
    if "traffic" in domains:
        segs = _in_zones(reports.segment_shapes(cur), zones)
        ratios = moment.segments[["segment_id", "ratio"]]
        layers["segments"] = segs.merge(ratios, on="segment_id", how="left")
    if "waste" in domains:
        layers["containers"] = moment.containers[["container_id", "lon", "lat", "fill"]]
    if "complaints" in domains:
        found, due = moment.requests
        layers["requests"] = found.assign(overdue=due < pd.Timestamp(moment.at))[
            ["lon", "lat", "overdue"]
        ].dropna(subset=["lon"])
    return layers
