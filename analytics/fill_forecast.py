"""When each container reaches its threshold and 100 %: its fill rate from the readings
since its last collection (a least-squares slope), extrapolated (issue #5, analysis 2)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

HORIZON_H = 90 * 24  # beyond this a forecast says nothing: the container is "not filling"


def fill_forecasts(
    readings: pd.DataFrame,
    collections: pd.DataFrame,
    now: datetime,
    threshold: float = 0.8,
) -> pd.DataFrame:
    """Per container (index): `fill` (latest), `rate_per_h`, `threshold_at` and `full_at`
    (UTC; now if already there, NaT if not filling). `readings` has container_id,
    observed_at, fill_level; `collections` has container_id, collected_at."""
    last = (
        collections[collections["collected_at"] <= now]
        .groupby("container_id")["collected_at"]
        .max()
    )
    r = readings[(readings["observed_at"] <= now) & readings["fill_level"].notna()].copy()
    if r.empty:  # a moment before the first reading: nothing to forecast
        return pd.DataFrame(
            {"fill": [], "rate_per_h": [], "threshold_at": pd.to_datetime([], utc=True),
             "full_at": pd.to_datetime([], utc=True)},
            index=pd.Index([], name="container_id", dtype=object),
        )  # fmt: skip
    # (pandas cannot map through an empty Series of times: no collection yet is NaT)
    r["emptied"] = (
        r["container_id"].map(last)
        if len(last)
        else pd.Series(pd.NaT, index=r.index, dtype=r["observed_at"].dtype)
    )
    r = r[r["emptied"].isna() | (r["observed_at"] > r["emptied"])]
    r["h"] = (r["observed_at"] - pd.Timestamp(now)).dt.total_seconds() / 3600
    g = r.groupby("container_id")
    n = g.size()
    mean_h, mean_f = g["h"].mean(), g["fill_level"].mean()
    r["dh"] = r["h"] - r["container_id"].map(mean_h)
    r["df"] = r["fill_level"] - r["container_id"].map(mean_f)
    cov = (r["dh"] * r["df"]).groupby(r["container_id"]).sum()
    var = (r["dh"] ** 2).groupby(r["container_id"]).sum()
    rate = (cov / var.where(var > 0)).where(n >= 2).fillna(0.0).clip(lower=0.0)
    fill = r.sort_values("observed_at").groupby("container_id")["fill_level"].last()
    out = pd.DataFrame({"fill": fill, "rate_per_h": rate})

    def reach(level: float) -> pd.Series:
        with np.errstate(divide="ignore"):
            hours = np.where(out["fill"] >= level, 0.0, (level - out["fill"]) / out["rate_per_h"])
        hours = np.where(hours <= HORIZON_H, hours, np.nan)  # not filling, or too slowly to tell
        return pd.Timestamp(now) + pd.to_timedelta(hours, unit="h")

    out["threshold_at"] = reach(threshold)
    out["full_at"] = reach(1.0)
    return out
