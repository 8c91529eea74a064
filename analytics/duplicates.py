"""Which earlier requests a new one may repeat, with the evidence: the same or a related
service type, within the type's distance and time window, and how alike the words are
(rapidfuzz's token set ratio, 0-100). A suggestion is only a suggestion: the operator
links or leaves it, and nothing is ever deleted.

Inputs are frames with `source`, `request_id`, `service_code`, `lon`, `lat`,
`requested_at` and `description`; the window and the box are the store's to narrow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from config.service_levels import ServiceLevelSettings

EARTH_RADIUS_M = 6_371_008.8
# the ranking: nearness, time and words weigh alike; the same type counts a little more
SAME_TYPE_BONUS = 0.1


@dataclass(frozen=True)
class Rule:
    """When a request of one type may repeat another."""

    distance_m: float
    hours: float
    types: frozenset[str]  # its own code and the related ones


def rule_for(service_code: str | None, levels: ServiceLevelSettings) -> Rule:
    level = levels.types.get(service_code or "")
    related = set(level.related) if level else set()
    # relatedness goes both ways: a type that names this one as related is related to it
    related |= {code for code, other in levels.types.items() if service_code in other.related}
    return Rule(
        distance_m=(level and level.duplicate_distance_m) or levels.duplicate_distance_m,
        hours=(level and level.duplicate_hours) or levels.duplicate_hours,
        types=frozenset(related | {service_code or ""}),
    )


def metres_between(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distance from one point to many, metres (haversine)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon, lat, lons, lats))
    a = np.sin((lat2 - lat1) / 2) ** 2
    a = a + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def text_score(a: str | None, b: str | None) -> float | None:
    """How alike two descriptions are, 0-100; None when either has no words."""
    if not isinstance(a, str) or not isinstance(b, str) or not a.strip() or not b.strip():
        return None  # none, or a frame's NaN (never the word "nan")
    return float(fuzz.token_set_ratio(a.lower(), b.lower()))


def suggest(
    request: dict, candidates: pd.DataFrame, levels: ServiceLevelSettings, limit: int = 5
) -> list[dict]:
    """The candidates `request` may repeat, best first, each with its evidence: distance
    (m), hours apart, same type or related, text score, and a score of 0-1 to rank by."""
    rule = rule_for(request.get("service_code"), levels)
    others = candidates[
        ~((candidates["source"] == request["source"])
          & (candidates["request_id"] == request["request_id"]))
        & candidates["service_code"].isin(rule.types)
        & candidates["lon"].notna() & candidates["lat"].notna()
    ]  # fmt: skip
    if others.empty or request.get("lon") is None or request.get("lat") is None:
        return []
    lons, lats = others["lon"].to_numpy(float), others["lat"].to_numpy(float)
    distance = metres_between(request["lon"], request["lat"], lons, lats)
    apart_h = ((others["requested_at"] - pd.Timestamp(request["requested_at"]))
               .abs().dt.total_seconds().to_numpy() / 3600)  # fmt: skip
    near = (distance <= rule.distance_m) & (apart_h <= rule.hours)
    found = []
    for (_, row), metres, hours in zip(others[near].iterrows(), distance[near], apart_h[near],
                                       strict=True):  # fmt: skip
        same = row["service_code"] == request.get("service_code")
        words = text_score(request.get("description"), row.get("description"))
        closeness = (1 - metres / rule.distance_m) + (1 - hours / rule.hours)
        score = (closeness + (words if words is not None else 50) / 100) / 3
        found.append({
            "source": row["source"], "request_id": row["request_id"],
            "service_code": row["service_code"], "lon": float(row["lon"]),
            "lat": float(row["lat"]), "distance_m": round(float(metres), 1),
            "hours_apart": round(float(hours), 2), "same_type": bool(same),
            "text_score": words, "score": round(min(1.0, score + SAME_TYPE_BONUS * same), 3),
        })  # fmt: skip
    return sorted(found, key=lambda s: -s["score"])[:limit]


def evidence_line(suggestion: dict) -> str:
    """'38 m, 2.5 h apart, same type, words 87 % alike' (what the operator reads)."""
    kind = "same type" if suggestion["same_type"] else f"related type {suggestion['service_code']}"
    parts = [f"{suggestion['distance_m']:.0f} m", f"{suggestion['hours_apart']:.1f} h apart", kind]
    if suggestion["text_score"] is not None:
        parts.append(f"words {suggestion['text_score']:.0f} % alike")
    return ", ".join(parts)
