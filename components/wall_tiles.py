"""How the wall shows figures: tiles with units and sparklines, and the alerts strip."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dash_svg as svg
import pandas as pd
from dash import html

from analytics import kpis
from components import ids
from config import DEFAULT_THRESHOLDS, Settings

SPARK_W, SPARK_H = 240, 48


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u2009")  # thin space between thousands


def sparkline(values: list, label: str) -> html.Div:
    """A 24-hour line, scaled to its own range, with its caption."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    points = ""
    if known:
        low, high = min(v for _, v in known), max(v for _, v in known)
        span = (high - low) or 1
        step = SPARK_W / max(len(values) - 1, 1)
        points = " ".join(
            f"{i * step:.1f},{SPARK_H - 4 - (v - low) / span * (SPARK_H - 8):.1f}" for i, v in known
        )
    return html.Div(
        [
            svg.Svg(
                svg.Polyline(points=points, fill="none", strokeWidth=3, className="c3-spark-line"),
                viewBox=f"0 0 {SPARK_W} {SPARK_H}",
                preserveAspectRatio="none",
                className="c3-spark",
                role="img",
                **{"aria-label": f"{label}, last 24 hours"},
            ),
            html.Div(f"{label} · last 24 h", className="c3-spark-label"),
        ]
    )


def figure(key: str, value: str, unit: str, label: str, level: str = "none") -> html.Div:
    return html.Div(
        [
            html.Span(value, className="c3-fig-value", **{"data-figure": key}),
            html.Span(unit, className="c3-fig-unit"),
            html.Span(label, className="c3-fig-label"),
        ],
        className=f"c3-fig c3-level-{level}",
    )


def tile(title: str, headline: html.Div, rows: list, spark: html.Div | None) -> list:
    """The children of a tile section."""
    return [
        html.H2(title, className="c3-tile-title"),
        headline,
        html.Div(rows, className="c3-tile-rows"),
        spark,
    ]


def alert_items(alerts: list[dict], tz: str, kiosk: bool) -> list[html.Li]:
    zone = ZoneInfo(tz)
    day_ago = datetime.now(zone) - timedelta(days=1)
    items = []
    for a in alerts:
        when = datetime.fromisoformat(a["at"]).astimezone(zone)
        content = [
            html.Span(f"{when:%H:%M}" if when > day_ago else f"since {when:%a %H:%M}",
                      className="c3-alert-time"),  # fmt: skip
            html.Span(a["kind"], className=f"c3-alert-kind c3-kind-{a['kind']}"),
            html.Span(a["title"], className="c3-alert-title"),
            html.Span(a["place"], className="c3-alert-place"),
        ]
        if not kiosk and a.get("lat") is not None:
            content = [
                html.Button(
                    content,
                    id=ids.wall_alert_button(a["key"]),
                    className="c3-alert-button",
                    title=f"Show {a['place']} on the map",
                )
            ]
        items.append(
            html.Li(content, className=f"c3-alert c3-alert-{a['kind']}", **{"data-key": a["key"]})
        )
    return items


def tile_level(settings: Settings, key: str, value) -> str:
    limit = settings.wall_thresholds.get(key, DEFAULT_THRESHOLDS[key])
    return kpis.level(value, limit.amber, limit.red)


def worst_level(*levels: str) -> str:
    order = ["none", "ok", "amber", "red"]
    return max(levels, key=order.index)


def alert_data(alerts: list[kpis.Alert]) -> list[dict]:
    return [dict(dataclasses.asdict(a), at=pd.Timestamp(a.at).isoformat()) for a in alerts]


def streets_table(worst: list[tuple[str, float]], outlook, tz: str) -> list[html.Div]:
    """The traffic tile's slowest streets: each one's travel time over free flow now and,
    beside it, the forecast for the coming hour (services.forecasts.CongestionOutlook),
    with the error the same forecast made over the last days and the same-hour-last-week
    baseline's, so the room knows how far to trust it."""
    ahead = outlook.forecast if outlook is not None else {}
    if outlook is None:
        when, note, how = "later", "no forecast: too little recent history (10 days and more)", ""
    else:
        start = outlook.at.astimezone(ZoneInfo(tz))
        when = f"{start:%H}–{start + timedelta(hours=1):%H} h"
        note = (f"{when} forecast ± {fmt(outlook.error, 2)} (same hour last week "
                f"± {fmt(outlook.naive_error, 2)})")
        how = (f"Mean absolute error of the travel-time ratio forecast {outlook.ahead_h} h "
               f"ahead, over the {outlook.pairs} forecasts of the last {outlook.days} days")
    head = html.Tr([html.Th("Slowest streets"), html.Th("now"), html.Th(when)])
    rows = [
        html.Tr([
            html.Td(name),
            html.Td(f"× {ratio:.2f}", **{"data-figure": f"traffic.worst.{i}"}),
            html.Td("—" if name not in ahead else f"× {ahead[name][0]:.2f}",
                    className=_rising(ratio, ahead.get(name)),
                    **{"data-figure": f"traffic.forecast.{i}"}),
        ])  # fmt: skip
        for i, (name, ratio) in enumerate(worst)
    ]
    return [
        html.Div(html.Table([html.Thead(head), html.Tbody(rows)], className="c3-streets"),
                 className="c3-fig-list"),
        html.Div(note, title=how, className="c3-forecast-note",
                 **{"data-figure": "traffic.forecast"}),
    ]  # fmt: skip


def _rising(now: float, ahead: tuple[float, float] | None) -> str:
    """Marks a forecast a tenth or more above now: the street is getting slower."""
    return "c3-rising" if ahead is not None and ahead[0] >= 1.1 * now else ""


WALL_FEED_LINES = 4  # the feeds tile's lines at the wall's type size


def fitting_feed_badges(badges: list[html.Span], room: int = WALL_FEED_LINES) -> list:
    """The wall's feed lines: every badge when they fit; else the feeds that need
    attention first, and one line that counts the rest (a city may have twenty feeds)."""
    if len(badges) <= room:
        return badges
    shown = [b for b in badges if getattr(b, "data-state", "") != "live"][: room - 1]
    live = sum(getattr(b, "data-state", "") == "live" for b in badges)
    rest = len(badges) - len(shown)
    return shown + [html.Span(f"+ {rest} more feeds, {live} of them live · see /feeds",
                              className="c3-feed c3-feed-more")]  # fmt: skip


OUTCOMES_TITLE = "Outcomes of the week"


def outcomes_tile(week: dict | None, tz: str) -> list:
    """The outcomes scene's tile: the last week's driving saved by the recommended windows
    against the fixed schedule, its CO2, overflowed containers and complaint resolution
    against the weeks before (store.outcomes.latest_week); each figure says its basis."""
    if week is None:
        return tile(OUTCOMES_TITLE, figure("outcomes.saved_min", "—", "", "not computed yet"),
                    [html.Div("The worker computes the last 7 days' outcomes shortly after it "
                              "starts and after each midnight; a weekly report counts its own "
                              "week the same way, with the rows.", className="c3-outcomes-note")],
                    None)  # fmt: skip
    end = week["week_end"].astimezone(ZoneInfo(tz))
    first = end - timedelta(days=week["days"])
    fixed = week["fixed_start"]
    saved_min = week["fixed_min"] - week["recommended_min"]
    saved_km = week["fixed_km"] - week["recommended_km"]
    co2 = saved_km * week["co2_kg_per_km"]
    if week["rounds"]:
        headline = figure("outcomes.saved_min", fmt(abs(saved_min)), "truck min",
                          f"{_saved(saved_min)} by the recommended windows vs collecting at "
                          f"{fixed}")
        rows = [
            figure("outcomes.saved_km", fmt(abs(saved_km), 1), "km",
                   f"{_saved(saved_km)} driving"),
            figure("outcomes.co2", fmt(abs(co2)), "kg CO2",
                   f"{_saved(co2)} at {fmt(week['co2_kg_per_km'], 2)} kg/km"),
        ]  # fmt: skip
    else:  # nothing to compare: no zone had a round to plan those days
        headline = figure("outcomes.saved_min", "—", "truck min",
                          "no collection round could be planned in these days")
        rows = []
    rows += [
        figure("outcomes.overflowed", fmt(week["overflowed"]), "containers",
               f"overflowed · {fmt(week['overflowed_before'])} the week before",
               "amber" if week["overflowed"] > week["overflowed_before"] else "ok"),
        figure("outcomes.median_h", fmt(week["median_h"], 1), "h",
               f"median to resolve · {fmt(week['median_h_before'], 1)} h the 4 weeks before"),
        figure("outcomes.on_time", _percent(week["on_time"]), "on time",
               f"of {fmt(week['resolved'])} resolved · {_percent(week['on_time_before'])} before"),
    ]
    how = html.Div(
        f"{first:%a %-d %b} – {end - timedelta(days=1):%a %-d %b}: {week['rounds']} zone rounds, "
        f"each day planned at 05:00 as the planner plans; counted as the weekly report counts",
        className="c3-outcomes-note", **{"data-figure": "outcomes.week"})
    return tile(OUTCOMES_TITLE, headline, rows, how)


def _saved(value: float) -> str:
    return "saved" if value >= 0 else "more"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"
