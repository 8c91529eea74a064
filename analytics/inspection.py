"""Where to look first (issue 19, after Boston's risk-based inspections): the chance that
residents report a problem at each container or road segment in the next days, from
what was reported there before and (containers) how often it read full, so inspectors
go to the likeliest places first, each with its reasons.

A place's problem is a report near it (`assign`: each report to its nearest container or
segment). For an origin `o` each place has: `recent`, its reports in the 7 days before
`o`; `older`, in the 28 days before those; `extra`, the share of its last week's readings
at full (containers) or how much slower than its profile it was over the last 24 h
(segments: the traffic sensors say where a road is going bad); and `label`, whether it
got a report in [o, o + horizon). A logistic GLM per kind (statsmodels, Binomial) on
[1, log1p(recent), log1p(older), extra] is fitted on origins whose horizon has passed.
Each kind is ranked on its own (bins and roads have their own inspectors); `uplift`
counts the problems its top k found against k of its places at random (the expected
count: k times the kind's share of places with a problem)."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import shapely
import statsmodels.api as sm

from analytics.signals import nearest_features

RECENT, OLDER = timedelta(days=7), timedelta(days=28)
KINDS = ("container", "segment")


def assign(waste: pd.DataFrame, road: pd.DataFrame, containers: pd.DataFrame,
           segments: pd.DataFrame, near_bin_m: float,
           near_road_m: float) -> pd.DataFrame:  # fmt: skip
    """Rows of (kind, feature_id, requested_at): each waste report at the container
    nearest it within `near_bin_m`, each road report on the segment within `near_road_m`."""
    bins = nearest_features(waste, containers["container_id"].to_numpy(),
                            shapely.points(containers[["lon", "lat"]].to_numpy(float)),
                            near_bin_m, "feature_id")  # fmt: skip
    roads = nearest_features(road, segments["segment_id"].to_numpy(),
                             shapely.from_wkb(segments["wkb"].to_numpy()), near_road_m,
                             "feature_id")  # fmt: skip
    return pd.concat([bins.assign(kind="container"), roads.assign(kind="segment")],
                     ignore_index=True)[["kind", "feature_id", "requested_at"]]  # fmt: skip


def at_origin(places: pd.DataFrame, events: pd.DataFrame, origin: datetime,
              horizon: timedelta) -> pd.DataFrame:  # fmt: skip
    """`places` (kind, feature_id, extra) with `recent`, `older` and `label` at `origin`."""
    at = pd.to_datetime(events["requested_at"], utc=True)
    origin = pd.Timestamp(origin)

    def counted(start, end) -> pd.Series:
        inside = events[(at >= start) & (at < end)]
        return inside.groupby(["kind", "feature_id"]).size()

    keys = pd.MultiIndex.from_frame(places[["kind", "feature_id"]])
    return places.assign(
        recent=counted(origin - RECENT, origin).reindex(keys, fill_value=0).to_numpy(),
        older=counted(origin - RECENT - OLDER, origin - RECENT).reindex(keys, fill_value=0)
        .to_numpy(),
        label=(counted(origin, origin + horizon).reindex(keys, fill_value=0) > 0).to_numpy(),
    )  # fmt: skip


def _design(table: pd.DataFrame) -> np.ndarray:
    return np.column_stack([np.ones(len(table)), np.log1p(table["recent"]),
                            np.log1p(table["older"]), table["extra"].fillna(0)])  # fmt: skip


def fit(train: pd.DataFrame) -> dict[str, np.ndarray | float]:
    """Per kind, the GLM's coefficients; where it cannot be fitted (no problem at all, or
    every place alike), the kind's share of places with a problem."""
    out: dict[str, np.ndarray | float] = {}
    for kind in KINDS:
        part = train[train["kind"] == kind]
        y = part["label"].to_numpy(float)
        if len(part) == 0 or y.sum() == 0 or y.sum() == len(y):
            out[kind] = float(y.mean()) if len(y) else 0.0
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # separation warnings: the fit still ranks
                out[kind] = sm.GLM(y, _design(part), family=sm.families.Binomial()).fit().params
        except (ValueError, np.linalg.LinAlgError):
            out[kind] = float(y.mean())
    return out


def risk(model: dict, table: pd.DataFrame) -> np.ndarray:
    """Each place's chance (0-1) of a problem within the horizon."""
    out = np.zeros(len(table))
    for kind, params in model.items():
        rows = (table["kind"] == kind).to_numpy()
        if isinstance(params, float):
            out[rows] = params
        else:
            out[rows] = 1 / (1 + np.exp(-_design(table[rows]) @ params))
    return out


def ranked(table: pd.DataFrame, chance: np.ndarray) -> pd.DataFrame:
    """`table` with `risk`, each kind's likeliest first (more recent reports first among
    equals), the kinds in KINDS order."""
    return (table.assign(risk=chance, order=table["kind"].map(KINDS.index))
            .sort_values(["order", "risk", "recent", "feature_id"],
                         ascending=[True, False, False, True], ignore_index=True)
            .drop(columns="order"))  # fmt: skip


def uplift(ranking: pd.DataFrame, k: int) -> dict[str, dict]:
    """Per kind, the problems found by inspecting its top `k` places against `k` of them
    at random (expected)."""
    return {kind: _uplift(ranking[ranking["kind"] == kind], k) for kind in KINDS}


def _uplift(ranking: pd.DataFrame, k: int) -> dict:
    k = min(k, len(ranking))
    share = float(ranking["label"].mean()) if len(ranking) else 0.0
    found = int(ranking["label"].head(k).sum())
    random = k * share
    return {"k": k, "found": found, "random": random, "places": len(ranking),
            "problems": int(ranking["label"].sum()),
            "ratio": found / random if random else None}


def reasons(row) -> str:
    """Why a place ranks where it does, in words with figures."""
    words = [f"{row.recent} report{'s' if row.recent != 1 else ''} in the last 7 days",
             f"{row.older} in the 4 weeks before"]  # fmt: skip
    if row.kind == "container":
        words.append(f"read full {100 * (row.extra or 0):.0f} % of the last week")
    elif row.extra >= 0.005:
        words.append(f"{100 * row.extra:.0f} % slower than usual over the last 24 h")
    return "; ".join(words)
