"""`/field`: the crews' and inspectors' page, made for a phone (issue #18). Plain HTML
from the server and a small script (`static/field.js`), not a Dash page: it must load
fast on a weak connection, work the camera, and keep what a crew typed and photographed
through a lost connection, retrying until the server has it.

Routes: the page; each job's map (SVG); a move with its note and photo (multipart);
the photos themselves, by content hash."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, request, send_file

from analytics.work_orders import STATE_LABELS, MoveRefused
from services import field, photos
from services.access import current_principal
from services.context import current_services
from services.work_orders import NotAllowed, order_detail

blueprint = Blueprint("c3_field", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/field/static")  # fmt: skip
WORDS_MAX = 2000  # a note longer than this is cut (a phone's keyboard, not an essay)


@blueprint.get("/field")
def page() -> str:
    svc, who = current_services(), current_principal()
    now = datetime.now(UTC)
    tz = ZoneInfo(svc.settings.timezone)
    return render_template(
        "field.html", city=svc.settings.city_name, who=who, groups=field.jobs(svc, who, now),
        labels=STATE_LABELS, local=lambda at: at.astimezone(tz).strftime("%a %H:%M") if at
        else "", now=now, demo=who.via == "demo",
    )  # fmt: skip


@blueprint.get("/field/map/<int:order_id>.svg")
def job_map(order_id: int) -> Response:
    svc, who = current_services(), current_principal()
    try:
        order = order_detail(svc.store, svc.settings, who, order_id)
    except (NotAllowed, MoveRefused):
        abort(404)
    svg = field.map_svg(svc, order, datetime.now(UTC))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@blueprint.post("/api/field/orders/<int:order_id>/<action>")
def act(order_id: int, action: str) -> tuple[dict, int]:
    """A move from the phone: form fields `note`, `photo` (for done), `crew_id` (assign)."""
    svc, who = current_services(), current_principal()
    if (request.content_length or 0) > photos.MAX_BYTES + 1_000_000:  # before it is read
        return {"error": f"the upload is over {photos.MAX_BYTES / 1e6:.0f} MB"}, 413
    upload = request.files.get("photo")
    data = upload.read(photos.MAX_BYTES + 1) if upload else None
    note = (request.form.get("note") or "").strip()[:WORDS_MAX]
    try:
        done = field.act(svc, who, order_id, action, note, data, datetime.now(UTC),
                         crew_id=request.form.get("crew_id") or None)
    except NotAllowed as exc:
        return {"error": str(exc)}, 403
    except (MoveRefused, photos.PhotoRefused) as exc:
        return {"error": str(exc)}, 409 if isinstance(exc, MoveRefused) else 400
    return {**done, "label": STATE_LABELS[done["state"]]}, 200


@blueprint.get("/photos/<digest>.jpg")
def photo(digest: str) -> Response:
    thumb = digest.endswith(".thumb")
    try:
        path = photos.photo_path(current_services().settings.photo_folder,
                                 digest.removesuffix(".thumb"), thumb=thumb)  # fmt: skip
    except photos.PhotoRefused:
        abort(404)
    if not path.exists():
        abort(404)
    # a photo's URL is its content: it never changes; only this browser keeps it
    answer = send_file(path, mimetype="image/jpeg", max_age=365 * 24 * 3600)
    answer.cache_control.public = False
    answer.cache_control.private = True
    return answer
