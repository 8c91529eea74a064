"""Feed badges: one per configured connector, its state and when it last updated."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dash import html

from analytics.freshness import assess, data_note, degraded
from config import ConfigProblem


def humanize_age(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} s ago"
    if seconds < 90 * 60:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h ago"
    return f"{int(seconds // 86400)} days ago"


def feed_badges(
    runs: list[dict],
    intervals: dict[str, int],
    now: datetime,
    tz: str,
    stale_after: float,
    degraded_share: float,
) -> list[html.Span]:
    """One badge per configured feed: state dot, name, last update in city time and age;
    a feed whose last run rejected more than `degraded_share` of its records is degraded,
    one whose runs succeed but whose newest observation is too old is stale (by data)."""
    by_name = {r["connector"]: r for r in runs}
    zone = ZoneInfo(tz)
    badges = []
    for name, interval in intervals.items():
        run = by_name.get(name, {})
        last_ok = run.get("last_success_at")
        bad = degraded(run.get("last_fetched"), run.get("last_rejected"), degraded_share)
        fresh = assess(now, run, interval, stale_after, degraded_share)
        state, note = fresh.state, data_note(fresh, now, tz)
        note = f", {note}" if note else ""
        failed = run.get("last_status") == "failed"
        why = (f", {run['last_rejected']:,} of {run['last_fetched']:,} records of the last run "
               "rejected" if bad else "")  # fmt: skip
        if last_ok is None:
            when = "no data yet"
        else:
            local = last_ok.astimezone(zone)
            when = f"updated {local:%H:%M:%S %Z} ({humanize_age((now - last_ok).total_seconds())})"
        if note:  # runs succeed, but what they bring is old
            when += f" · newest observation {humanize_age(fresh.data_age_s(now))}"
        badges.append(
            html.Span(
                [
                    html.Span(className=f"c3-dot c3-state-{state}"),
                    html.B(name),
                    f" {state} · {when}",
                    html.Span(" · last run failed", className="c3-feed-failed") if failed else None,
                ],
                className=f"c3-feed c3-feed-{state}",
                title=run.get("last_error") if failed else f"{name}: {state}{why}{note}",
                **{
                    "data-feed": name,
                    "data-state": state,
                    "data-failed": str(failed).lower(),
                    "data-stale-by": fresh.stale_by or "",
                },
            )
        )
    return badges


def misconfigured_badges(problems: list[ConfigProblem]) -> list[html.Span]:
    """One badge per feed the config set aside: it brings nothing until it is fixed."""
    return [
        html.Span(
            [html.Span(className="c3-dot c3-state-misconfigured"), html.B(p.connector),
             " misconfigured · not polled"],
            className="c3-feed c3-feed-misconfigured",
            title=f"{p.connector}: {p.message} ({p.where})",
            **{"data-feed": p.connector, "data-state": "misconfigured"},
        )
        for p in problems
    ]  # fmt: skip
