"""Service KPIs, one definition for every screen and report (issue #18): median and mean
hours to resolve, the share resolved on time against the service level, the backlog
by age, the share of fixes an inspector rejected, and the hours to a first response;
for the whole city, by department, type or zone, and week by week. Every figure keeps
the keys of the rows it counts ("source/request_id"), so a screen can list them.

Rows are `store.service_kpis.resolution_rows` with `due_at` added
(`analytics.service_levels.due_times`). A request resolved after the window's end counts
as open in it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

BACKLOG_AGES = ((0, 24, "under 1 day"), (24, 72, "1-3 days"), (72, 168, "3-7 days"),
                (168, None, "over 7 days"))  # fmt: skip


def _keys(rows: pd.DataFrame) -> list[str]:
    return (rows["source"] + "/" + rows["request_id"]).tolist()


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600


def figures(rows: pd.DataFrame, start: datetime, end: datetime) -> dict:
    """The KPIs of `rows` over the window [start, end]: each {value, rows}."""
    resolved_at = pd.to_datetime(rows["resolved_at"], utc=True)
    done = rows[resolved_at.notna() & (resolved_at >= start) & (resolved_at <= end)]
    open_ = rows[resolved_at.isna() | (resolved_at > end)]
    took = _hours(pd.to_datetime(done["resolved_at"], utc=True), done["requested_at"])
    on_time = done[pd.to_datetime(done["resolved_at"], utc=True) <= done["due_at"]]
    orders = done[done["order_id"].notna()].drop_duplicates("order_id")
    reopened = orders[orders["reopened"] > 0]
    responded = pd.to_datetime(rows["first_response_at"], utc=True)
    answered = rows[responded.notna() & (responded >= start) & (responded <= end)]
    # a duplicate filed after its order's first response was answered at once: 0 h
    first = _hours(pd.to_datetime(answered["first_response_at"], utc=True),
                   answered["requested_at"]).clip(lower=0)  # fmt: skip
    age = _hours(pd.Series(end, index=open_.index), open_["requested_at"])
    return {
        "resolved": {"value": len(done), "rows": _keys(done)},
        "median_h": {"value": _stat(took.median()), "rows": _keys(done)},
        "mean_h": {"value": _stat(took.mean()), "rows": _keys(done)},
        "on_time": {"value": len(on_time) / len(done) if len(done) else None,
                    "rows": _keys(on_time), "of": len(done)},
        "reopened": {"value": len(reopened) / len(orders) if len(orders) else None,
                     "rows": _keys(reopened), "of": len(orders)},
        "first_response_h": {"value": _stat(first.median()), "rows": _keys(answered)},
        "backlog": {"value": len(open_), "rows": _keys(open_), "by_age": [
            {"age": label, "value": int(((age >= lo) & (age < hi if hi else True)).sum()),
             "rows": _keys(open_[(age >= lo) & (age < hi if hi else True)])}
            for lo, hi, label in BACKLOG_AGES]},
    }  # fmt: skip


def _stat(value) -> float | None:
    return None if pd.isna(value) else float(value)


def grouped(rows: pd.DataFrame, column: str, start: datetime, end: datetime) -> dict:
    """The KPIs per value of `column` (department, service_code, zone_id)."""
    return {key: figures(group, start, end)
            for key, group in rows.groupby(rows[column].fillna("(none)"))}  # fmt: skip


def weekly(rows: pd.DataFrame, end: datetime, weeks: int) -> list[dict]:
    """The KPIs of each of the `weeks` weeks up to `end`, oldest first."""
    found = []
    for back in range(weeks, 0, -1):
        week_end = end - timedelta(weeks=back - 1)
        week_start = week_end - timedelta(weeks=1)
        filed = rows[rows["requested_at"] <= week_end]
        found.append({"week_start": week_start, "week_end": week_end,
                      **figures(filed, week_start, week_end)})  # fmt: skip
    return found
