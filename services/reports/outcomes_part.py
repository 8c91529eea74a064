"""The reports' weekly outcomes (issue 19): per zone, the driving of the week's rounds in
their recommended windows against the fixed schedule, in minutes, km and CO2; the
containers that overflowed against the week before; time to resolve and on time against
the four weeks before. Each figure with how it was computed and the rows it counts."""

from __future__ import annotations

TITLE = "Outcomes of the week"
LISTED = 30  # row ids listed under a figure; more are counted


def outcomes_table(outcomes, names: dict[str, str]) -> dict:
    """What the template prints from a services.outcomes.Outcomes."""
    s, fixed = outcomes.savings, outcomes.fixed_start
    columns = ["recommended_min", "recommended_km", f"{fixed}_min", f"{fixed}_km"]
    zones = (s.rounds.groupby("zone_id", as_index=False)[columns].sum()
             .rename(columns={f"{fixed}_min": "fixed_min", f"{fixed}_km": "fixed_km"}))
    zones["zone"] = zones["zone_id"].map(names).fillna(zones["zone_id"])
    saved_km = s.km(fixed) - s.km()
    k, kb = outcomes.complaints, outcomes.complaints_before
    return {
        "fixed": fixed, "days": s.days, "zones": zones.sort_values("zone"),
        "minutes": s.minutes(), "fixed_minutes": s.minutes(fixed),
        "km": s.km(), "fixed_km": s.km(fixed), "saved_min": s.minutes(fixed) - s.minutes(),
        "saved_km": saved_km, "co2_kg": saved_km * outcomes.co2_kg_per_km,
        "co2_factor": outcomes.co2_kg_per_km,
        "min_words": _more_or_less(s.minutes(fixed) - s.minutes(), "truck minutes", 0),
        "km_words": _more_or_less(saved_km, "km", 1),
        "co2_words": _more_or_less(saved_km * outcomes.co2_kg_per_km, "kg of CO2", 1),
        "overflowed": _ids(outcomes.overflowed["container_id"]),
        "overflowed_before": _ids(outcomes.overflowed_before["container_id"]),
        "resolved": _figure(k["resolved"]), "resolved_before": _figure(kb["resolved"]),
        "median_h": k["median_h"]["value"], "median_h_before": kb["median_h"]["value"],
        "on_time": _figure(k["on_time"]), "on_time_before": _figure(kb["on_time"]),
    }  # fmt: skip


def _ids(ids) -> dict:
    ids = list(ids)
    return {"count": len(ids), "listed": ", ".join(map(str, ids[:LISTED])),
            "more": max(0, len(ids) - LISTED)}  # fmt: skip


def _figure(figure: dict) -> dict:
    return {"value": figure["value"], "of": figure.get("of"), **_ids(figure["rows"])}


def _more_or_less(saved: float, unit: str, digits: int) -> str:
    """'131 truck minutes saved', or '0.5 km more' where the windows cost more."""
    return f"{abs(saved):,.{digits}f} {unit} {'saved' if saved >= 0 else 'more'}".replace(
        ",", "\u2009")
