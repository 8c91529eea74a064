"""The `/feeds` health table: one row per connector with its state, last success and
error, the runs of the last 24 h as bars, the last run's ledger and warnings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash_svg as svg
from dash import html

from components import ids
from components.feed_badges import humanize_age
from config import ConfigProblem

STATE_WORDS = {
    "live": "live",
    "delayed": "delayed",
    "degraded": "degraded",
    "stale": "stale",
    "failing": "failing",
    "never": "no run yet",
}


def _when(at: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    if at is None:
        return "never"
    return f"{at.astimezone(zone):%a %H:%M:%S %Z} ({humanize_age((now - at).total_seconds())})"


def _newest(r: dict, now: datetime, zone: ZoneInfo) -> html.Div | None:
    """Under the last success: the newest observation the feed has delivered."""
    at = r.get("newest_observed_at")
    if at is None:
        return None
    return html.Div(f"newest observation {_when(at, now, zone)}",
                    className="c3-muted c3-feeds-newest")  # fmt: skip


BARS_W, BARS_H, BAR_W = 240, 32, 1.2


def run_bars(runs: list[tuple[float, float | None]], label: str) -> svg.Svg:
    """One bar per run at its time in the last 24 h, from zero to the records it fetched
    (the tallest fills the box); a failed run is a red stub, and a gap is no run at all."""
    top = max((v for _, v in runs if v is not None), default=0) or 1
    bars = []
    for at, v in runs:
        height = 4 if v is None else max(1.0, v / top * BARS_H)
        # a run that finished just now sits at the right edge, inside the box
        x = min(at * BARS_W, BARS_W - BAR_W)
        bars.append(svg.Rect(x=f"{x:.2f}", width=str(BAR_W), y=f"{BARS_H - height:.2f}",
                             height=f"{height:.2f}",
                             className="c3-bar-failed" if v is None else "c3-bar"))  # fmt: skip
    return svg.Svg(bars, viewBox=f"0 0 {BARS_W} {BARS_H}", preserveAspectRatio="none",
                   className="c3-run-bars", role="img", **{"aria-label": label})  # fmt: skip


def _warnings(last: dict | None) -> list[str]:
    """The last run's warnings, one per line (a column of no warnings reads as NaN)."""
    text = (last or {}).get("warnings")
    return text.splitlines() if isinstance(text, str) else []


def _updates(owed: dict | None, now: datetime, zone: ZoneInfo) -> list:
    """What the work orders' updates to this feed's source are waiting for, if it takes them."""
    if owed is None:
        return []
    if not owed["waiting"] and not owed["refused"]:
        return [html.Div("updates to the source: all taken", className="c3-muted c3-feeds-updates")]
    lines = []
    if owed["waiting"]:
        lines.append(html.Div(
            f"⚠ {owed['waiting']:,} update{'s' * (owed['waiting'] != 1)} to the source waiting "
            f"since {_when(owed['oldest'], now, zone)}"
            + (f", tried again: {owed['last_error']}" if owed["last_error"] else ""),
            className="c3-feeds-warning c3-feeds-updates"))  # fmt: skip
    if owed["refused"]:
        lines.append(html.Div(
            f"⚠ {owed['refused']:,} update{'s' * (owed['refused'] != 1)} refused by the source, "
            f"given up: {owed['last_refusal']}", className="c3-feeds-warning c3-feeds-updates"))
    return lines


def health_row(r: dict, now: datetime, zone: ZoneInfo) -> html.Tr:
    error = r["last_error"]
    last = r["last"]
    held_again = int(last.get("held") or 0) if last else 0  # rejected again, already held
    ledger = (
        f"last run: fetched {last['fetched']:,}, new {last['inserted']:,}, "
        f"updated {last['updated']:,}, unchanged {last['unchanged']:,}"
        + (f" ({held_again:,} already in quarantine)" if held_again else "")
        + f", quarantined {last['quarantined']:,}" if last else "no run in 24 h"
    )  # fmt: skip
    why = None  # a degraded feed says why under its state
    if r["state"] == "degraded":
        rejected, fetched = r["rejected"]
        why = html.Div(f"{rejected:,} of {fetched:,} records of the last run rejected",
                       className="c3-muted c3-feeds-why")  # fmt: skip
    elif r.get("why"):  # stale by its data: how old its newest observation is
        why = html.Div(r["why"], className="c3-muted c3-feeds-why")
    held, seen = r["quarantined"]
    return html.Tr(
        [
            html.Th([html.Div(r["name"]), html.Div(r["kind"], className="c3-muted")], scope="row"),
            html.Td(
                [
                    html.Span(
                        [
                            html.Span(className=f"c3-dot c3-state-{r['state']}"),
                            STATE_WORDS[r["state"]],
                        ],
                        className=f"c3-feed-{r['state']}",
                    ),
                    why,
                ],
                title=f"polled every {r['interval_s']} s",
            ),  # fmt: skip
            html.Td([_when(r["last_success_at"], now, zone), _newest(r, now, zone)]),
            html.Td(
                html.Span(
                    [f"{error[0].astimezone(zone):%a %H:%M} · ", error[1]],
                    className="c3-feeds-error",
                    title=error[1],
                )
                if error
                else html.Span("none", className="c3-muted")
            ),  # fmt: skip
            html.Td(
                [
                    run_bars(r["fetched"], f"records fetched per run by {r['name']}, 24 h"),
                    html.Div(
                        f"{r['runs']:,} runs, {r['failed']:,} failed · {ledger}",
                        className="c3-muted c3-feeds-ledger",
                    ),  # fmt: skip
                    *[
                        html.Div(f"⚠ {w}", className="c3-feeds-warning") for w in _warnings(last)
                    ],  # fmt: skip
                    *_updates(r["updates"], now, zone),
                ],
                className="c3-feeds-runs",
            ),
            html.Td(
                html.Button(
                    f"{held:,} record{'s' if held != 1 else ''}",
                    id=ids.feeds_quarantine_button(r["name"]),
                    className="c3-button",
                    title=f"rejected {seen:,} times in all; show them and why",
                )
                if held
                else html.Span("none", className="c3-muted")
            ),
        ],
        **{
            "data-feed": r["name"],
            "data-state": r["state"],
            "data-stale-by": r.get("stale_by") or "",
        },
    )


def misconfigured_row(problem: ConfigProblem) -> html.Tr:
    """A connector the config set aside: not polled, with why and where to fix it."""
    return html.Tr(
        [
            html.Th(html.Div(problem.connector), scope="row"),
            html.Td(
                html.Span([html.Span(className="c3-dot c3-state-misconfigured"), "misconfigured"],
                          className="c3-feed-misconfigured"),  # fmt: skip
                title="not polled until its config is fixed; the other feeds run",
            ),
            html.Td("never", className="c3-muted"),
            html.Td(
                [html.Span(problem.message, className="c3-feeds-error"),
                 html.Div(f"fix it at {problem.where}, then restart C3", className="c3-muted")],
                colSpan=3,
            ),  # fmt: skip
        ],
        className="c3-feeds-misconfigured",
        **{"data-feed": problem.connector, "data-state": "misconfigured"},
    )
