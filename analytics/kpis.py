"""The wall's figures and alerts, computed from plain tables of the current state.

Inputs are DataFrames shaped like the `store.wall` queries' results; nothing here knows
about Dash or DuckDB, so each figure is tested against hand-made rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from analytics.freshness import short_age

FULL = 0.999  # fillingLevel 1.0 means full; allow for rounding
STOPPED_RATIO = 3.0  # travel time three times free flow: an incident until a feed says otherwise


def level(value: float | None, amber: float, red: float) -> str:
    """'red' at or over red, 'amber' at or over amber, else 'ok' ('none' without a value)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    return "red" if value >= red else "amber" if value >= amber else "ok"


def waste_members(containers: pd.DataFrame, horizon_h: float = 6) -> dict[str, pd.Series]:
    """Which containers each waste figure counts (boolean masks over the rows)."""
    fill = containers["fill"].astype(float)
    rate = containers["rate_per_h"].astype(float).fillna(0)
    hours_to_full = np.where(rate > 0, (1 - fill) / rate.where(rate > 0, 1), np.inf)
    full = fill >= FULL
    return {
        "over_80": fill > 0.8,
        "over_95": fill > 0.95,
        "overflowing": full,
        "forecast_6h": (~full) & (hours_to_full <= horizon_h),
        "reporting": pd.Series(True, index=containers.index),
    }


def waste_figures(containers: pd.DataFrame, horizon_h: float = 6) -> dict:
    """Containers over 80 % and 95 %, full now, and forecast to be full within `horizon_h`."""
    return {k: int(m.sum()) for k, m in waste_members(containers, horizon_h).items()}


def traffic_members(segments: pd.DataFrame) -> dict[str, pd.Series]:
    """Which segments the traffic figures count: at a standstill, and all reporting."""
    return {
        "incidents": segments["ratio"].astype(float) >= STOPPED_RATIO,
        "reporting": pd.Series(True, index=segments.index),
    }


def traffic_figures(segments: pd.DataFrame, worst: int = 5) -> dict:
    """City congestion index (observed / free-flow travel time over all live segments),
    the `worst` streets by their worst segment, and segments at a standstill."""
    live = segments[np.isfinite(segments["travel_time_s"].astype(float))]
    total_free = live["freeflow_s"].sum()
    index = float(live["travel_time_s"].sum() / total_free) if total_free else None
    by_street = (
        segments.dropna(subset=["ratio"])
        .sort_values("ratio", ascending=False)
        .drop_duplicates("name")
        .head(worst)
    )
    return {
        "index": index,
        "worst": [(str(r.name), float(r.ratio)) for r in by_street.itertuples()],
        **{k: int(m.sum()) for k, m in traffic_members(segments).items()},
    }


def complaint_figures(
    open_requests: pd.DataFrame,
    due: pd.Series,
    now: datetime,
    opened_today: int,
    median_close_h: float | None,
) -> dict:
    return {
        "open": int(len(open_requests)),
        "opened_today": int(opened_today),
        "overdue": int((due < now).sum()),
        "median_close_h": None if median_close_h is None else float(median_close_h),
    }


@dataclass(frozen=True)
class Alert:
    kind: str  # waste | traffic | complaints | feeds | signal (analytics.signals)
    key: str  # stable id of what crossed the line
    at: datetime  # when it crossed
    title: str
    place: str
    lat: float | None = None
    lon: float | None = None


def waste_alerts(containers: pd.DataFrame) -> list[Alert]:
    """A container full now, since the first full reading after its last collection."""
    return [
        Alert(
            "waste",
            f"bin:{r.container_id}",
            r.full_since,
            f"Container {r.container_id} full",
            r.address or "",
            r.lat,
            r.lon,
        )
        for r in containers[containers["full_since"].notna()].itertuples()
    ]


def traffic_alerts(segments: pd.DataFrame, now: datetime, minutes: int) -> list[Alert]:
    """A street congested without a break for at least `minutes` (its worst segment)."""
    jammed = segments[segments["congested_since"].notna()]
    jammed = jammed[jammed["congested_since"] <= now - timedelta(minutes=minutes)]
    found = []
    for r in jammed.sort_values("ratio", ascending=False).drop_duplicates("name").itertuples():
        lasted = int((now - r.congested_since).total_seconds() // 60)
        found.append(
            Alert(
                "traffic",
                f"seg:{r.segment_id}",
                r.congested_since,
                f"Congested {lasted} min (× {r.ratio:.1f})",
                r.name,
                r.lat,
                r.lon,
            )
        )
    return found


def complaint_alerts(open_requests: pd.DataFrame, due: pd.Series, now: datetime) -> list[Alert]:
    """An open request past its target time; it names the type and street, never the text."""
    late = open_requests.assign(due=due)
    return [
        Alert(
            "complaints",
            f"req:{r.request_id}",
            r.due,
            f"{r.service_name} past target",
            r.street or "",
            r.lat,
            r.lon,
        )
        for r in late[late["due"] < now].itertuples()
    ]


def feed_alerts(
    stale_feeds: list[tuple[str, datetime]],
    degraded_feeds: list[tuple[str, datetime, int, int]] = (),
    old_data_feeds: list[tuple[str, datetime, float]] = (),
) -> list[Alert]:
    """A feed stale since when; a feed degraded: its last run (finished when) rejected
    most of the records it fetched (rejected, fetched); a feed whose runs succeed but
    whose newest reading is too old, since when, and how old it is (seconds)."""
    stale = [
        Alert("feeds", f"feed:{name}", since, f"Feed {name} stale", "data feed")
        for name, since in stale_feeds
    ]
    old = [
        Alert(
            "feeds",
            f"feed:{name}",
            since,
            f"Feed {name}: newest reading {short_age(age_s)} old",
            "data feed",
        )
        for name, since, age_s in old_data_feeds
    ]
    bad = [
        Alert(
            "feeds",
            f"feed:{name}:degraded",
            at,
            f"Feed {name} degraded: {rejected:,} of {fetched:,} records rejected",
            "data feed",
        )
        for name, at, rejected, fetched in degraded_feeds
    ]
    return stale + old + bad


def store_alert(failure, readable: bool = True) -> Alert:
    """The store could not write (`failure`: a `store.WriteFailure`, DuckDB's `error` at
    `at`, of `kind` 'disk full', with `free_bytes` left on the disk, 'quota' or 'other').
    It stands until a write succeeds again, so it is never older news than the failure;
    `readable` False: DuckDB invalidated the database and C3 could not reopen it yet."""
    if failure.kind == "disk full":
        why = "disk full"
        if failure.free_bytes is not None:
            mb = failure.free_bytes / 1e6
            why += f", {mb:,.1f} MB free" if mb < 10 else f", {mb:,.0f} MB free"
    elif failure.kind == "quota":
        why = "the disk quota is exceeded"
    else:
        why = failure.error.splitlines()[0] if failure.error else "unknown error"
        why = why if len(why) <= 160 else why[:157] + "..."
    if not readable:
        why += "; it cannot be read either until C3 reopens it"
    return Alert("feeds", "store:write", failure.at, f"The store cannot write: {why}",
                 "data store")  # fmt: skip


def misconfigured_alerts(names: list[str], since: datetime) -> list[Alert]:
    """A configured feed set aside as misconfigured (since C3 read its config): it brings
    no data until its config is fixed."""
    return [
        Alert("feeds", f"feed:{name}:misconfigured", since,
              f"Feed {name} misconfigured: not polled (see /feeds)", "data feed")
        for name in names
    ]  # fmt: skip


def newest_first(*groups: list[Alert], limit: int = 20) -> list[Alert]:
    merged = [a for group in groups for a in group]
    merged.sort(key=lambda a: a.at, reverse=True)
    return merged[:limit]
