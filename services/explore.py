"""What `/explore`'s detail panel and zone figures show, as plain data (dicts, lists,
DataFrames in the city's time): a container's or a segment's last week, a complaint's
record, status changes and the agency's notes, a zone's figures and the features behind
each figure (a clicked figure's subset, kept in the cache for the table's export)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa

from analytics import kpis, service_levels
from config import Settings
from services.service_kpis import figures_at
from store import explore, wall
from store.explore import PERSONAL_COLUMNS

HISTORY_DAYS = 7

FIGURE_LABELS = {
    ("waste", "over_95"): "≥ 95 % full",
    ("waste", "over_80"): "≥ 80 % full",
    ("waste", "overflowing"): "Overflowing now",
    ("waste", "forecast_6h"): "Full within 6 h",
    ("waste", "reporting"): "Containers reporting",
    ("traffic", "incidents"): "At a standstill",
    ("traffic", "reporting"): "Segments reporting",
    ("complaints", "open"): "Open",
    ("complaints", "opened_today"): "New since midnight",
    ("complaints", "overdue"): "Overdue",
    ("complaints", "median_close_h"): "Median time to resolve, 7 days",
    ("complaints", "on_time"): "Resolved on time, 7 days",
}
# a zone's service KPI -> its figure in services.service_kpis (the requests it is made of)
SERVICE_FIGURES = {"median_close_h": "median_h", "on_time": "on_time"}


def filter_choices(store) -> dict[str, list]:
    """The values each of `/explore`'s filters can take, as the data has them (zones as
    [zone_id, name] pairs, by name)."""
    with store.reading() as cur:
        return explore.filter_choices(cur)


def _local(table: pa.Table, column: str, tz: str) -> pd.DataFrame:
    """`table` as a DataFrame with `column` in the city's time."""
    frame = table.to_pandas()
    frame[column] = frame[column].dt.tz_convert(tz)
    return frame


def zone_of(cur, layer: str, key: str, source: str | None = None) -> str | None:
    """The zone of a clicked feature of `layer` (a zone's own id for the zones layer)."""
    return key if layer == "zones" else explore.feature_zone(cur, layer, key, source or None)


def container_history(cur, key: str, now: datetime, tz: str) -> dict:
    """A container's record, and its fill readings and collections of the last week."""
    record = explore.feature_record(cur, "waste", key)
    history = explore.container_history(cur, key, now - timedelta(days=HISTORY_DAYS), now)
    return {
        "key": key,
        "record": record,
        "readings": _local(history["readings"], "observed_at", tz),
        "collections": _local(history["collections"], "collected_at", tz),
    }


def segment_history(cur, key: str, now: datetime, tz: str) -> dict:
    """A road segment's record, its speeds of the last week and its weekday profile."""
    record = explore.feature_record(cur, "traffic", key)
    history = explore.segment_history(cur, key, now - timedelta(days=HISTORY_DAYS), now, tz)
    return {
        "key": key,
        "record": record,
        "readings": _local(history["readings"], "observed_at", tz),
        "profile": history["profile"].to_pandas(),
    }


def complaint_details(cur, source: str, key: str, tz: str, personal: bool) -> dict:
    """A request's record (without the complainant's address and words unless `personal`),
    its status changes and the agency's notes, as text in the city's time; `record` is
    None when the request is no longer in the store."""
    record = explore.feature_record(cur, "complaints", key, source or None)
    if record is None:
        return {"key": key, "record": None, "events": [], "notes": [], "personal": personal}
    timeline = explore.complaint_timeline(cur, record["source"], key).to_pandas()
    events = [
        f"{row.changed_at.tz_convert(tz):%a %d %b %H:%M} — {row.status}"
        for row in timeline.itertuples()
    ]
    notes = agency_notes(record.get("extras"), tz)
    if not personal:  # citizens' own words stay in the store
        record = {k: v for k, v in record.items() if k not in PERSONAL_COLUMNS}
    return {"key": key, "record": record, "events": events, "notes": notes, "personal": personal}


def agency_notes(extras: str | None, tz: str) -> list[str]:
    """The Open311 `notes` a server sends with extensions=true (kept in extras), oldest
    first, as text; a note whose time cannot be read is listed without one."""
    try:
        notes = json.loads(extras or "{}").get("notes")
    except (ValueError, AttributeError):
        return []
    if isinstance(notes, dict):  # XML with a single <note>
        notes = [notes]
    items = []
    for note in notes if isinstance(notes, list) else []:
        if not isinstance(note, dict) or not note.get("summary"):
            continue
        try:
            when = datetime.fromisoformat(str(note.get("datetime")).replace("Z", "+00:00"))
            when = when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))
            label = f"{when.astimezone(ZoneInfo(tz)):%a %d %b %H:%M} — "
        except ValueError:
            when, label = datetime.max.replace(tzinfo=UTC), ""
        items.append((when, f"{label}{note['summary']}"))
    return [text for _, text in sorted(items, key=lambda pair: pair[0])]


def zone_state(cur, zone_id: str, now: datetime, settings: Settings) -> dict:
    """The current rows of one zone that the wall's figures are computed from."""
    containers = wall.container_states(cur, now).to_pandas()
    segments = wall.segment_states(cur, now, settings.alert_congested_minutes).to_pandas()
    requests = wall.open_complaints(cur).to_pandas()
    return {
        "waste": containers[containers["zone_id"] == zone_id],
        "traffic": segments[segments["zone_id"] == zone_id],
        "complaints": requests[requests["zone_id"] == zone_id],
    }


def _midnight(now: datetime, tz: str) -> datetime:
    return now.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0, microsecond=0)


def zone_figures(cur, zone_id: str, now: datetime, settings: Settings) -> dict:
    """The wall's figures for one zone."""
    state = zone_state(cur, zone_id, now, settings)
    requests = state["complaints"]
    counts = wall.complaint_counts(cur, now, _midnight(now, settings.timezone), zone_id)
    due = service_levels.due_times(requests, settings.service_levels, settings.timezone)
    service = figures_at(cur, settings, now, timedelta(days=7), [zone_id])
    complaints = kpis.complaint_figures(requests, due, now, counts["opened_today"],
                                        service["median_h"]["value"])  # fmt: skip
    return {
        "waste": kpis.waste_figures(state["waste"]),
        "traffic": kpis.traffic_figures(state["traffic"]),
        "complaints": {**complaints, "on_time": service["on_time"]["value"]},
    }


def zone_name(cur, zone_id: str) -> str:
    """A zone's name (its id when the store does not know it)."""
    summary = explore.zone_summary(cur, zone_id)
    return summary["name"] if summary else zone_id


def zone_overview(cur, zone_id: str, now: datetime, settings: Settings) -> dict:
    """A zone's name and its figures now."""
    name = zone_name(cur, zone_id)
    return {"zone_id": zone_id, "name": name, "figures": zone_figures(cur, zone_id, now, settings)}


def zone_bounds(cur, zone_id: str) -> list[float] | None:
    """A zone's extent [west, south, east, north], or None when the store does not know it."""
    summary = explore.zone_summary(cur, zone_id)
    return None if summary is None else summary["bounds"]


def figure_ids(cur, zone_id: str, layer: str, metric: str, now: datetime, settings) -> list:
    """The features one zone figure counts."""
    if layer == "complaints" and metric == "opened_today":
        return explore.requests_filed_since(cur, zone_id, _midnight(now, settings.timezone), now)
    if layer == "complaints" and metric in SERVICE_FIGURES:
        service = figures_at(cur, settings, now, timedelta(days=7), [zone_id])
        return [key.split("/", 1)[1] for key in service[SERVICE_FIGURES[metric]]["rows"]]
    rows = zone_state(cur, zone_id, now, settings)[layer]
    if layer == "waste":
        mask = kpis.waste_members(rows)[metric]
        return rows.loc[mask, "container_id"].tolist()
    if layer == "traffic":
        mask = kpis.traffic_members(rows)[metric]
        return rows.loc[mask, "segment_id"].tolist()
    if metric == "overdue":
        due = service_levels.due_times(rows, settings.service_levels, settings.timezone)
        return rows.loc[due < now, "request_id"].tolist()
    return rows["request_id"].tolist()  # open


def figure_subset(svc, zone_id: str, layer: str, metric: str, now: datetime) -> dict:
    """The features a zone figure counts, labelled, for the table: the export link names
    the subset by a token (the ids stay on the server, in the cache)."""
    with svc.store.reading() as cur:
        found = figure_ids(cur, zone_id, layer, metric, now, svc.settings)
        name = zone_name(cur, zone_id)
    label = f"{FIGURE_LABELS[(layer, metric)]} in {name} ({len(found):,})"
    token = hashlib.sha256(json.dumps([layer, found]).encode()).hexdigest()[:20]
    svc.cache.get_or_compute(f"subset:{token}", 0, lambda: json.dumps(found).encode())
    return {"layer": layer, "ids": found, "label": label, "token": token}
