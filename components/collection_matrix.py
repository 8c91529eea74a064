"""The plan on `/collection`: its status line, the zone × start-time matrix of round
durations (and which window a click on it picks), and each zone's best window with why."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components import ids

HOVER = (
    "<b>%{y}</b><br>start %{x|%a %H:%M}<br>round %{customdata[2]} min "
    "(× %{z:.2f} the zone's best)<br>overflowing: %{customdata[3]}<br>"
    "rank %{customdata[4]}<extra></extra>"
)


def local_time(when, tz: str, fmt: str = "%a %H:%M") -> str:
    """A moment in the city's local time."""
    return pd.Timestamp(when).tz_convert(ZoneInfo(tz)).strftime(fmt)


def plan_status(plan: dict, frame: pd.DataFrame, tz: str) -> list:
    """When and from what the plan was computed, its size, and the settings it used."""
    config = json.loads(plan["settings"])
    quiet = "; ".join(
        f"{q['name']} {q['start']}–{q['end']}"
        + (f" ({', '.join(q['zone_kinds'] + q['zone_ids'])})" if q["zone_kinds"] or q["zone_ids"]
           else " (every zone)")
        for q in config["quiet_hours"]
    ) or "none"  # fmt: skip
    zones = frame["zone_id"].nunique()
    starts = frame["start_at"].nunique()
    up_to = plan["data_up_to"]
    return [
        html.Strong(
            f"Computed {local_time(plan['computed_at'], tz, '%a %d %b %H:%M')} from data up to "
            + (local_time(up_to, tz, "%H:%M") if pd.notna(up_to) else "—")
            + f" ({tz})"
        ),
        html.Span(
            f" · {zones} zone{'s' if zones != 1 else ''} × {starts} start times over the next "
            f"{plan['horizon_h']} h, "
            f"ranked in {plan['seconds']:.1f} s · recomputed when new traffic or waste data arrive"
        ),
        html.Div(
            f"Cost = round minutes + {config['overflow_penalty_min']:g} min per container that "
            f"overflows before the truck reaches it · {config['vehicles']} trucks of "
            f"{config['vehicle_capacity_l'] / 1000:g} m³ per zone · {config['service_s']:g} s per "
            f"container · quiet hours: {quiet}",
            className="c3-hint",
        ),
    ]


def _cells(part: pd.DataFrame) -> list:
    """What each point of the matrix carries: zone_id, ISO start, minutes, overflowing, rank."""
    return list(zip(part["zone_id"], part["iso"], part["minutes"].round(0),
                    part["overflowing"], part["rank"], strict=True))  # fmt: skip


def _heatmaps(frame: pd.DataFrame, tz: str) -> list[go.Heatmap]:
    """The allowed windows coloured by duration against the zone's best, and the quiet
    hours' windows in grey: zones (rows) × start times (columns)."""
    zones = sorted(frame["zone_name"].unique())
    starts = sorted(frame["start_at"].unique())  # UTC: unique even when clocks go back
    x = [pd.Timestamp(t).tz_convert(tz).tz_localize(None) for t in starts]

    def grid(values: pd.Series) -> list:
        table = frame.assign(v=values).pivot(index="zone_name", columns="start_at", values="v")
        return table.reindex(index=zones, columns=starts).values.tolist()

    customdata = grid(pd.Series(_cells(frame), index=frame.index))
    top = max(1.3, float(frame["ratio"].quantile(0.98)))
    return [
        go.Heatmap(
            z=grid(frame["ratio"].where(frame["allowed"])), x=x, y=zones,
            customdata=customdata, hovertemplate=HOVER, colorscale="YlOrRd",
            zmin=1, zmax=top, xgap=1, ygap=2, name="allowed",
            colorbar={"title": {"text": "round vs<br>zone's best"}, "thickness": 14,
                      "tickformat": ".2f", "ticksuffix": "×"},
        ),
        go.Heatmap(
            z=grid(frame["ratio"].where(~frame["allowed"])), x=x, y=zones,
            customdata=customdata,
            hovertemplate=HOVER.replace("<extra>", "<br>quiet hours: no collection<extra>"),
            colorscale=[[0, "#d5d8de"], [1, "#d5d8de"]], showscale=False, xgap=1, ygap=2,
            name="quiet hours",
        ),
    ]  # fmt: skip


def _add_markers(figure: go.Figure, frame: pd.DataFrame) -> None:
    """A dot where containers overflow (larger = more), a ★ on each zone's best. Neither
    takes the pointer: a ★ is wider than a 15-minute column, and a click beside it must
    pick the cell clicked (whose hover already gives its rank and overflow)."""
    over = frame[frame["overflowing"] > 0]
    figure.add_scatter(
        x=over["local"], y=over["zone_name"], mode="markers", name="overflow",
        marker={"size": (3 + over["overflowing"].clip(upper=8)).tolist(),
                "color": "rgba(29, 36, 51, 0.55)", "symbol": "circle"},
        hoverinfo="skip",
    )  # fmt: skip
    best = frame[frame["rank"] == 1]
    figure.add_scatter(
        x=best["local"], y=best["zone_name"], mode="markers", name="best",
        marker={"symbol": "star", "size": 17, "color": "#ffffff",
                "line": {"color": "#1d2433", "width": 1.5}},
        hoverinfo="skip",
    )  # fmt: skip


def matrix_figure(frame: pd.DataFrame, tz: str) -> go.Figure:
    """Zones (rows) × start times (columns), coloured by each round's duration against
    the zone's best (zones differ tenfold in size, so absolute minutes would hide every
    small zone's rush hours); grey where quiet hours forbid a round; a dot where
    containers overflow (larger = more); ★ each zone's best."""
    best_minutes = frame[frame["allowed"]].groupby("zone_id")["minutes"].min()
    frame = frame.assign(
        local=frame["start_at"].dt.tz_convert(tz).dt.tz_localize(None),
        ratio=frame["minutes"] / frame["zone_id"].map(best_minutes).fillna(frame["minutes"]),
        iso=frame["start_at"].map(lambda t: t.isoformat()),
    )
    figure = go.Figure(_heatmaps(frame, tz))
    _add_markers(figure, frame)
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        height=max(260, 34 * frame["zone_name"].nunique() + 90),
        showlegend=False,
        plot_bgcolor="#ffffff",
        xaxis={"title": f"round start ({tz}) · grey: the round starts or runs into quiet hours · "
               "● containers overflowing (larger = more) · ★ best",
               "tickformat": "%a %H:%M", "showgrid": False},
        yaxis={"autorange": "reversed", "automargin": True, "showgrid": False},
        font={"size": 13},
        clickmode="event",
        # Plotly ranks a heat map cell behind any marker within hoverdistance (20 px by
        # default): a click on a cell next to a ★ or ● picked that marker's window. A
        # marker now wins only under the pointer.
        hoverdistance=2,
    )  # fmt: skip
    return figure


def clicked_window(frame: pd.DataFrame, point: dict, tz: str) -> tuple[str, pd.Timestamp] | None:
    """The (zone_id, UTC start) of a clicked matrix point (zone name, local start: what
    Dash passes of a heat map's point); None when the plan has no such window."""
    local = pd.Timestamp(point["x"]).tz_localize(
        tz, ambiguous=True, nonexistent="shift_forward"
    )  # the first of a repeated hour when clocks go back
    start = local.tz_convert("UTC")
    found = frame[(frame["zone_name"] == point["y"]) & (frame["start_at"] == start)]
    return None if found.empty else (found["zone_id"].iloc[0], start)


def best_list(frame: pd.DataFrame, tz: str) -> html.Table:
    """Each zone's best window, its round, overflow, containers due and why, with a
    button showing its routes."""
    best = frame[frame["rank"] == 1].sort_values("zone_name")
    rows = [
        html.Tr(
            [
                html.Td(r.zone_name),
                html.Td(
                    local_time(r.start_at, tz)
                    if r.allowed
                    else [
                        local_time(r.start_at, tz),
                        html.Br(),
                        html.Span("no window outside the quiet hours", className="c3-empty"),
                    ]
                ),  # fmt: skip
                html.Td(f"{r.minutes:.0f} min"),
                html.Td(str(r.overflowing)),
                html.Td(str(r.stops)),
                html.Td(r.reason, className="c3-reason"),
                html.Td(
                    html.Button(
                        "Routes",
                        id=ids.collection_best_button(r.zone_id, r.start_at.isoformat()),
                        className="c3-button",
                        title=f"Show the routes of {r.zone_name} at {local_time(r.start_at, tz)}",
                    )
                ),
            ]
        )
        for r in best.itertuples()
    ]
    head = ["Zone", "Best start", "Round", "Overflowing", "Containers due", "Why", ""]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="c3-table",
    )
