"""Where to look first (issue 19): containers and road segments ranked by the chance that
residents report a problem there in the next days, with their reasons and their zones'
expected problems; and the backtest that says how much better than chance the ranking
was at the last origin whose days have passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from analytics import inspection as model
from config import Settings
from store import inspection as reads
from store import signals as report_reads
from store.reports import zone_names

ORIGINS = 4  # now and the three horizons before it: the fit's and the backtest's
PROFILE_DAYS = 7  # a segment's last 24 h against the week before (the demo keeps 14 days)


@dataclass(frozen=True)
class Ranking:
    """`places`: each kind's top places (kind, feature_id, place, zone, risk 0-1,
    reasons); `zones`: per zone and kind, the problems expected (the sum of the places'
    risks), most first; `backtest`: at the last origin whose horizon has passed, per
    kind, the problems the top k found against k places at random
    (analytics.inspection.uplift), or None without the history."""

    at: datetime
    horizon_days: float
    places: pd.DataFrame
    zones: pd.DataFrame
    backtest: dict | None
    fitted: bool = True  # False: too little history to fit, places in order of reports


def where_to_look(store, settings: Settings, now: datetime,
                  zones: list[str] | None = None) -> Ranking | None:  # fmt: skip
    """The ranking at `now` of the places in `zones` (every zone: None or []), the model
    fitted on every place; None where there is nothing to inspect."""
    f, s = settings.forecasts, settings.signals
    horizon = timedelta(days=f.inspect_days)
    origins = [now - i * horizon for i in range(ORIGINS)]
    start = origins[-1] - model.RECENT - model.OLDER
    with store.reading() as cur:
        containers, segments = reads.containers(cur), report_reads.segments(cur)
        first = reads.first_reading(cur)
        waste = report_reads.reports(cur, f.inspect_waste_codes, start, now)
        road = report_reads.reports(cur, f.inspect_road_codes, start, now)
        # a past origin needs a whole week of readings before it (now ranks with what is)
        origins = origins[:1] + [o for o in origins[1:] if first and o - model.RECENT >= first]
        fill = {o: reads.full_share(cur, o - model.RECENT, o, s.full_level) for o in origins}
        ids = list(segments["segment_id"])
        speed = {o: report_reads.speed_against_profile(cur, ids, o, settings.timezone,
                                                       PROFILE_DAYS) for o in origins}  # fmt: skip
        names = zone_names(cur)
    if containers.empty and segments.empty:
        return None
    events = model.assign(waste, road, containers, segments, s.near_bin_m, s.near_road_m)
    tables = {o: model.at_origin(_places(containers, segments, fill[o], speed[o]), events, o,
                                 horizon) for o in origins}  # fmt: skip
    live = model.fit(pd.concat([tables[o] for o in origins[1:]])) if len(origins) > 1 else {}
    shown = {o: t[t["zone_id"].isin(zones)] if zones else t for o, t in tables.items()}
    ranking = model.ranked(shown[now], model.risk(live, shown[now]))
    return Ranking(now, f.inspect_days, _top(ranking, containers, segments, names, f.inspect_top),
                   _zones(ranking, names), _backtest(tables, shown, origins, f.inspect_top),
                   fitted=bool(live))  # fmt: skip


def _places(containers: pd.DataFrame, segments: pd.DataFrame, fill: pd.DataFrame,
            speed: pd.DataFrame) -> pd.DataFrame:  # fmt: skip
    """Every place with its `extra`: a container's share of readings at full, how much
    slower than usual a segment was over the last 24 h (0 when not slower)."""
    share = containers["container_id"].map(fill.set_index("container_id")["full_share"])
    ratio = segments["segment_id"].map(speed.set_index("segment_id")["ratio"])
    return pd.concat([
        pd.DataFrame({"kind": "container", "feature_id": containers["container_id"],
                      "zone_id": containers["zone_id"], "extra": share.fillna(0.0)}),
        pd.DataFrame({"kind": "segment", "feature_id": segments["segment_id"],
                      "zone_id": segments["zone_id"],
                      "extra": (1 - ratio).clip(lower=0).fillna(0.0)}),
    ], ignore_index=True)  # fmt: skip


def _top(ranking, containers, segments, names: dict, k: int) -> pd.DataFrame:
    top = ranking.groupby("kind", sort=False).head(k)
    place = pd.Series(np.where(  # each kind's own names: ids of two feeds may clash
        top["kind"] == "container",
        top["feature_id"].map(containers.set_index("container_id")["address"]),
        top["feature_id"].map(segments.set_index("segment_id")["name"])), index=top.index)
    return pd.DataFrame({
        "kind": top["kind"], "feature_id": top["feature_id"],
        "place": place.fillna(top["feature_id"]),
        "zone": top["zone_id"].map(names).fillna("outside the zones"),
        "risk": top["risk"], "reasons": [model.reasons(r) for r in top.itertuples()],
    })  # fmt: skip


def _zones(ranking: pd.DataFrame, names: dict) -> pd.DataFrame:
    """Per zone and kind: the problems expected (the sum of the chances) and the places."""
    zones = (ranking.groupby(["zone_id", "kind"], dropna=False)
             .agg(expected=("risk", "sum"), places=("risk", "size")).reset_index()
             .sort_values("expected", ascending=False, ignore_index=True))  # fmt: skip
    return zones.assign(zone=zones["zone_id"].map(names).fillna("outside the zones"))


def _backtest(tables: dict, shown: dict, origins: list[datetime], k: int) -> dict | None:
    """Fitted on every place at the origins before the last passed one, tested on the
    places shown at it."""
    if len(origins) < 3:
        return None
    tested = shown[origins[1]]
    model_then = model.fit(pd.concat([tables[o] for o in origins[2:]]))
    result = model.uplift(model.ranked(tested, model.risk(model_then, tested)), k)
    return result | {"origin": origins[1]}
