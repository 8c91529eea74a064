"""What `/field` shows on a phone (issue #18): a crew's jobs in order, an inspector's
done jobs awaiting validation (with the source's photo and the crew's), each with its
place and the road there drawn as a small SVG map of the streets around it (a phone
gets a few kilobytes, no map library and no tiles); and the moves made from it, each a
work-order move with its note and photo."""

from __future__ import annotations

import math
from datetime import datetime
from html import escape

from services import photos
from services import work_orders as orders
from services.access import Principal
from store import work_orders as rows

SVG_SIZE = (360, 220)
MARGIN_M = 120  # streets shown around the job and the road to it


def jobs(svc, who: Principal, now: datetime) -> dict[str, list[dict]]:
    """{"mine": a crew's assigned and started jobs, soonest due first; "to_validate":
    done jobs (inspectors, operators); "in_field": the others' jobs (operators)}."""
    crew = orders.crew_of(svc.settings, who)
    with svc.store.reading() as cur:
        found = {
            "mine": rows.orders(cur, ["assigned", "in_progress"], crew) if crew else [],
            "to_validate": rows.orders(cur, ["done"])
            if orders.may(svc.settings, who, "validate") else [],
            "in_field": rows.orders(cur, ["assigned", "in_progress"])
            if who.role in ("operator", "admin") else [],
        }  # fmt: skip
    return {group: [_job(svc, who, o) for o in listed] for group, listed in found.items()}


def crews_for(settings, order: dict) -> list[dict]:
    """The crews an operator may hand a job to: those with the skill for its type, or
    when none has it every crew, each said to lack it; its own crew left out."""
    crews = [c for c in settings.field_crews if c.crew_id != order.get("crew_id")]
    skilled = [c for c in crews if c.fixes(order["service_code"])]
    if skilled:
        return [{"crew_id": c.crew_id, "name": c.name} for c in skilled]
    return [{"crew_id": c.crew_id, "name": f"{c.name} (not listed for this type)"}
            for c in crews]  # fmt: skip


def _job(svc, who: Principal, order: dict) -> dict:
    detail = orders.order_detail(svc.store, svc.settings, who, order["order_id"])
    done = [e for e in detail["events"] if e["action"] == "done" and e["photo"]]
    first = detail["requests"][0] if detail["requests"] else {}
    return {
        **order,
        "service_name": first.get("service_name") or order["service_code"],
        "street": order["address"] or first.get("street"),
        "requests": len(detail["requests"]),
        "before_photo": _web_address(first.get("media_url")),
        "after_photo": done[-1]["photo"] if done else None,
        "crew_note": done[-1]["note"] if done else None,
        "events": detail["events"],
        "other_crews": crews_for(svc.settings, order) if orders.may(svc.settings, who, "assign")
        else [],
    }


def _web_address(url) -> str | None:
    """A feed's photo link, if it is a web address (never `javascript:` and the like)."""
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def act(svc, who: Principal, order_id: int, action: str, note: str | None,
        photo: bytes | None, now: datetime, crew_id: str | None = None) -> dict:  # fmt: skip
    """A move from the phone: `done` needs the photo of the fix, `reject` a reason,
    `assign` (an operator handing the job to another crew) the crew. A move already made
    (a retried upload whose answer was lost) is answered as made."""
    if action not in ("start", "done", "validate", "reject", "cancel", "assign"):
        raise orders.MoveRefused(f"{action!r} is not a move made in the field")
    with svc.store.reading() as cur:
        current = rows.order(cur, order_id)
        last = rows.events(cur, order_id)[-1:] if current else []
    if last and (last[0]["action"], last[0]["who"]) == (action, who.name) and (
            action != "assign" or last[0]["crew_id"] == crew_id):  # fmt: skip
        return {"state": current["state"], "repeated": True}
    if current is None:
        raise orders.MoveRefused(f"no work order {order_id}")
    if not orders.may(svc.settings, who, action, current):
        raise orders.NotAllowed(f"{who.role} {who.name!r} may not {action} work order "
                                f"{order_id}")  # fmt: skip
    digest = None  # stored only for a move its sender may make
    if photo:
        digest = photos.store_photo(photo, svc.settings.photo_folder)
    if action == "done" and digest is None:
        raise orders.MoveRefused("a job is done with a photo of the fix")
    after = orders.move(svc.store, svc.settings, who, order_id, action, note=note or None,
                        photo=digest, crew_id=crew_id, now=now)  # fmt: skip
    return {"state": after["state"], "repeated": False, "photo": digest}


def map_svg(svc, order: dict, now: datetime) -> str:
    """The streets around a job, the road to it from its crew (when assigned), the job
    and the crew, as an SVG."""
    if order.get("lon") is None or order.get("lat") is None:
        title = f"Job {order['order_id']} has no place on the map"
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_SIZE[0]} 40" '
                f'role="img" aria-label="{title}"><title>{title}</title>'
                f'<text x="8" y="24" font-size="14">{title}</text></svg>')  # fmt: skip
    route = None
    dispatch = getattr(svc, "dispatch", None)
    if dispatch is not None and order.get("crew_id") and order.get("lon") is not None:
        route = dispatch.route(order["crew_id"], (order["lon"], order["lat"]), now)
    points = [[order["lon"], order["lat"]]] + (route["line"] if route else [])
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    pad_lat = MARGIN_M / 111_000
    pad_lon = pad_lat / max(0.1, math.cos(math.radians(order["lat"])))
    box = (min(lons) - pad_lon, min(lats) - pad_lat, max(lons) + pad_lon, max(lats) + pad_lat)
    streets = [] if dispatch is None else dispatch.segments.cx[box[0]:box[2], box[1]:box[3]]
    project = _projection(box)
    parts = [_path(project, list(g.coords), "c3-svg-street")
             for g in getattr(streets, "geometry", [])]  # fmt: skip
    if route:
        parts.append(_path(project, route["line"], "c3-svg-route"))
        x, y = project(route["line"][0])
        parts.append(f'<circle class="c3-svg-crew" cx="{x:.1f}" cy="{y:.1f}" r="6"/>')
    x, y = project((order["lon"], order["lat"]))
    parts.append(f'<circle class="c3-svg-job" cx="{x:.1f}" cy="{y:.1f}" r="8"/>')
    title = f"Map of job {order['order_id']}" + (
        f": {route['minutes']:.0f} min by road from the crew" if route else "")  # fmt: skip
    width, height = SVG_SIZE
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<style>.c3-svg-street{{fill:none;stroke:#c9ced6;stroke-width:2}}'
            f'.c3-svg-route{{fill:none;stroke:#1c4e80;stroke-width:4;stroke-linejoin:round}}'
            f'.c3-svg-job{{fill:#f59f00;stroke:#fff;stroke-width:2}}'
            f'.c3-svg-crew{{fill:#2f9e44;stroke:#fff;stroke-width:2}}</style>'
            f'<rect width="100%" height="100%" fill="#f4f5f7"/>{"".join(parts)}</svg>')  # fmt: skip


def _projection(box):
    """lon/lat -> SVG pixels, the box fitted with equal metres per pixel both ways."""
    west, south, east, north = box
    width, height = SVG_SIZE
    cx, cy = (west + east) / 2, (south + north) / 2
    per_lon = math.cos(math.radians(cy))  # a degree of longitude against one of latitude
    scale = min(width / ((east - west) * per_lon), height / (north - south))

    def project(p) -> tuple[float, float]:
        return (width / 2 + (p[0] - cx) * per_lon * scale, height / 2 - (p[1] - cy) * scale)

    return project


def _path(project, coords, css: str) -> str:
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(project, coords))
    return f'<polyline class="{css}" points="{points}"/>'
