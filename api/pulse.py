"""`/pulse`: the public city pulse (issue 20), a page anyone may read without signing in
and any site may embed (`?embed=1`, without the page's header and footer): today's
traffic, full containers and complaint status by area, as `services.pulse` computes
them. Plain HTML from the server, whole without a script, styled by `static/pulse.css`,
with a tiny SVG sparkline drawn here; `static/pulse.js` swaps in fresh figures every
5 minutes, with a button to pause it (not a meta refresh: it would reload the page under
its reader, which WCAG 2.2.1 and axe-core refuse). Served only when a city turns it on
(`[open_data] pulse = true`); else 404. Its frame policy is in `headers.py`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request

from services import pulse
from services.context import current_services

blueprint = Blueprint("c3_pulse", __name__, template_folder="templates")
REFRESH_S = 300  # pulse.js fetches fresh figures this often
CACHE_S = 60  # C3, a browser or a proxy keeps one answer this long: it names no one
OFF = "The city pulse is not published here.\n"
SPARK_W, SPARK_H, SPARK_PAD = 240, 48, 4  # the sparkline's box and inner margin, px

OPENAPI_PATHS: dict = {
    "/pulse": {
        "get": {
            "summary": "The public city pulse: today's traffic, full containers and "
            "complaint status by area (HTML)",
            "description": "A page for residents, without personal data: counts and ratios "
            "by area, in the city's time zone, refreshed every 5 minutes. Served only when "
            "the city publishes it (`[open_data] pulse = true`); any site may show it in a "
            "frame unless the city lists the ones that may (`pulse_frame_origins`).",
            "operationId": "cityPulse",
            "tags": ["pulse"],
            "parameters": [
                {
                    "name": "embed",
                    "in": "query",
                    "required": False,
                    "description": "1: the page without its header and footer, for a frame "
                    "(a one-line credit with the licence stays)",
                    "schema": {"type": "string", "enum": ["0", "1"]},
                }
            ],
            "responses": {
                "200": {
                    "description": "The pulse as an HTML page",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
                "404": {
                    "description": "The city does not publish the pulse",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
            },
        }
    }
}


def sparkline(hourly: list[tuple[datetime, float | None]], hours: int = 24) -> dict:
    """The SVG polylines (one per unbroken run of hours with a value) of a day's values,
    the day's `hours` across the width, the lowest value at the bottom; and the words
    that say what it shows, for a screen reader."""
    known = [(i, v) for i, (_, v) in enumerate(hourly) if v is not None]
    if not known:
        return {"lines": [], "label": ""}
    low, high = min(v for _, v in known), max(v for _, v in known)
    span = (high - low) or 1.0

    def point(i: int, v: float) -> str:
        x = SPARK_PAD + i * (SPARK_W - 2 * SPARK_PAD) / max(hours - 1, 1)
        y = SPARK_H - SPARK_PAD - (v - low) / span * (SPARK_H - 2 * SPARK_PAD)
        return f"{x:.1f},{y:.1f}"

    lines, run, last = [], [], None
    for i, v in known:
        if last is not None and i != last + 1:
            lines.append(run)
            run = []
        run.append(point(i, v))
        last = i
    lines.append(run)
    peak_at = hourly[max(known, key=lambda pair: pair[1])[0]][0]
    label = (f"Congestion index hour by hour since midnight: lowest {low:.2f}, highest "
             f"{high:.2f} (at {peak_at:%H:00}), now {known[-1][1]:.2f}.")  # fmt: skip
    dots = [" ".join(r) if len(r) > 1 else f"{r[0]} {r[0]}" for r in lines]
    return {"lines": dots, "label": label, "now": point(*known[-1]).split(","),
            "range": f"{low:.2f}× to {high:.2f}×"}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


@blueprint.get("/pulse")
def page() -> Response:
    """The page; made at most once a minute per variant (the city's site may embed it on
    every one of its pages), in the cache every web worker shares."""
    svc = current_services()
    if not svc.settings.open_data.pulse:
        return Response(OFF, status=404, mimetype="text/plain")
    now, embed = datetime.now(UTC), request.args.get("embed") == "1"
    html = svc.cache.get_or_compute(f"pulse:{'embed' if embed else 'page'}",
                                    int(now.timestamp() // CACHE_S),
                                    lambda: render(svc, now, embed).encode())  # fmt: skip
    answer = Response(html, mimetype="text/html")
    answer.cache_control.public = True
    answer.cache_control.max_age = CACHE_S
    return answer


def render(svc, now: datetime, embed: bool) -> str:
    settings, od = svc.settings, svc.settings.open_data
    figures = pulse.city_pulse(svc, now)
    return render_template(
        "pulse.html", city=settings.city_name, embed=embed, pulse=figures,
        spark=sparkline(figures["traffic"]["hourly"]), refresh_s=REFRESH_S,
        licence=od.licence, licence_url=od.licence_url,
        attribution=od.attribution or settings.city_name, percent=percent, ratio=ratio,
    )  # fmt: skip
