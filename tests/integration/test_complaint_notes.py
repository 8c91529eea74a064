"""A complaint's detail panel lists the notes an Open311 server sent with extensions=true."""

import json
from datetime import UTC, datetime

from components.explore_panels import complaint_panel
from store.schema import to_arrow
from store.upsert import upsert

TZ = "Europe/Helsinki"


def panel_text(node) -> str:
    """All the text of a Dash component tree."""
    if isinstance(node, str):
        return node
    if isinstance(node, list | tuple):
        return " ".join(panel_text(n) for n in node)
    children = getattr(node, "children", None)
    return "" if children is None else panel_text(children)


def request(store, request_id, extras):
    row = {"source": "311", "request_id": request_id, "status": "open",
           "service_name": "Pothole", "requested_at": datetime(2026, 11, 24, 8, tzinfo=UTC),
           "lon": 24.94, "lat": 60.17, "extras": extras}  # fmt: skip
    with store.transaction() as cur:
        upsert(cur, "service_requests", to_arrow("service_requests", [row]))


def test_agency_notes_are_listed_oldest_first_in_city_time(store):
    notes = [
        {"datetime": "2026-11-24T12:30:00+00:00", "summary": "Filled", "type": "closed"},
        {"datetime": "2026-11-24T09:00:00Z", "summary": "Crew sent", "type": "note"},
    ]
    request(store, "n1", json.dumps({"notes": notes, "priority": "high"}))
    with store.reading() as cur:
        text = panel_text(complaint_panel(cur, "311", "n1", TZ, personal=False))
    assert "Notes from the agency" in text
    assert text.index("Tue 24 Nov 11:00 — Crew sent") < text.index("Tue 24 Nov 14:30 — Filled")


def test_no_notes_no_heading(store):
    request(store, "n2", None)
    with store.reading() as cur:
        text = panel_text(complaint_panel(cur, "311", "n2", TZ, personal=False))
    assert "Notes from the agency" not in text and "Status changes" in text
