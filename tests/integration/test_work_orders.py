"""Work orders on both stores (the DuckDB file and a lake): opened on a request, a
duplicate suggested and linked, moved through the loop with every move an event, moves
the state or the role does not allow refused with a reason, and what a crew may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.work_orders import MoveRefused
from config import Settings
from services.access import Principal
from services.dispatch import Dispatcher
from services.explore import figure_ids, zone_figures
from services.triage import Desk, auto_assign, follow_up
from services.triage import assign as triage_assign
from services.work_orders import (
    NotAllowed,
    duplicate_suggestions,
    link,
    move,
    open_order,
    order_detail,
)
from store.work_orders import triage_queue
from tests.helpers import rows

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SETTINGS = Settings(
    service_levels={"types": {"WST-OVF": {"target_hours": 10}}},
    crews=[{"crew_id": "north", "name": "North", "members": ["crew-north"]},
           {"crew_id": "south", "name": "South", "members": ["crew-south"]}],
)
OPERATOR = Principal("olga", "operator", personal_data=True)
CREW = Principal("crew-north", "crew")
OTHER_CREW = Principal("crew-south", "crew")
INSPECTOR = Principal("ines", "inspector")
DEPT_ELSEWHERE = Principal("dora", "department", departments=("complaints",), zones=("far",))


def add_request(store, request_id, minutes=0, north_m=0.0, code="WST-OVF",
                text="Bin overflowing at the corner of Kaivokatu"):  # fmt: skip
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO service_requests (source, request_id, status, service_code, "
            "service_name, description, agency_responsible, requested_at, updated_at, "
            "address, lon, lat, zone_id) VALUES ('o311', ?, 'open', ?, 'Overflowing', ?, "
            "'Waste Management', ?, ?, 'Kaivokatu 8, Helsinki', 24.94, ?, 'z1')",
            [request_id, code, text, T0 + timedelta(minutes=minutes),
             T0 + timedelta(minutes=minutes), 60.17 + north_m / 111_195],
        )  # fmt: skip


def test_a_complaint_goes_round_the_loop_with_every_move_recorded(empty_store):
    store = empty_store
    add_request(store, "r1")
    add_request(store, "r2", minutes=40, north_m=20, text="overflowing bin, Kaivokatu corner")
    add_request(store, "r3", minutes=30, north_m=300)  # too far to repeat r1
    order_id = open_order(store, SETTINGS, OPERATOR, [("o311", "r1")], now=T0)

    suggested = duplicate_suggestions(store, SETTINGS, ("o311", "r2"))
    assert [(s["request_id"], s["order_id"]) for s in suggested] == [("r1", order_id)]
    assert suggested[0]["evidence"].startswith("20 m, 0.7 h apart, same type, words")
    link(store, SETTINGS, OPERATOR, order_id, ("o311", "r2"), suggested[0]["evidence"], now=T0)

    for who, action, extra in [
        (OPERATOR, "triage", {}), (OPERATOR, "assign", {"crew_id": "north"}),
        (CREW, "start", {}), (CREW, "done", {"photo": "abc", "note": "emptied"}),
        (INSPECTOR, "reject", {"note": "bags still beside it"}),
        (CREW, "start", {}), (CREW, "done", {"photo": "def"}), (INSPECTOR, "validate", {}),
    ]:  # fmt: skip
        move(store, SETTINGS, who, order_id, action, now=T0 + timedelta(hours=1), **extra)

    detail = order_detail(store, SETTINGS, OPERATOR, order_id)
    assert detail["state"] == "validated" and detail["reopened"] == 1
    assert detail["due_at"] == T0 + timedelta(hours=10)  # WST-OVF's level from r1's time
    assert detail["first_response_at"] == T0 + timedelta(hours=1)
    assert [r["request_id"] for r in detail["requests"]] == ["r1", "r2"]
    assert [(e["who"], e["action"], e["from_state"], e["to_state"]) for e in detail["events"]] == [
        ("olga", "open", None, "new"), ("olga", "link", "new", "new"),
        ("olga", "triage", "new", "triaged"), ("olga", "assign", "triaged", "assigned"),
        ("crew-north", "start", "assigned", "in_progress"),
        ("crew-north", "done", "in_progress", "done"), ("ines", "reject", "done", "assigned"),
        ("crew-north", "start", "assigned", "in_progress"),
        ("crew-north", "done", "in_progress", "done"), ("ines", "validate", "done", "validated"),
    ]  # fmt: skip
    assert detail["events"][6]["note"] == "bags still beside it"
    # the source requests are untouched: each keeps its own row and status
    assert rows(store, "SELECT request_id, status FROM service_requests ORDER BY 1") == [
        ("r1", "open"), ("r2", "open"), ("r3", "open")]  # fmt: skip
    # /explore's zone figures list the requests they are made of: both fixed within the
    # 10 h target (the order's validation resolves them), r3 still open
    later = T0 + timedelta(hours=2)
    with store.reading() as cur:
        figures = zone_figures(cur, "z1", later, SETTINGS)["complaints"]
        median = figure_ids(cur, "z1", "complaints", "median_close_h", later, SETTINGS)
        on_time = figure_ids(cur, "z1", "complaints", "on_time", later, SETTINGS)
    assert (figures["median_close_h"], figures["on_time"]) == (pytest.approx(0.67, abs=0.01), 1)
    assert sorted(median) == sorted(on_time) == ["r1", "r2"]


def test_moves_the_state_or_the_role_does_not_allow_are_refused(empty_store):
    store = empty_store
    add_request(store, "r1")
    add_request(store, "r2", minutes=5)
    order_id = open_order(store, SETTINGS, OPERATOR, [("o311", "r1")], now=T0)
    with pytest.raises(MoveRefused, match="cannot validate an order that is new"):
        move(store, SETTINGS, INSPECTOR, order_id, "validate")
    with pytest.raises(NotAllowed, match="crew 'crew-north' may not assign"):
        move(store, SETTINGS, CREW, order_id, "assign", crew_id="north")
    with pytest.raises(MoveRefused, match="already covered by a work order"):
        open_order(store, SETTINGS, OPERATOR, [("o311", "r1")])
    with pytest.raises(NotAllowed, match="outside 'dora'"):
        open_order(store, SETTINGS, DEPT_ELSEWHERE, [("o311", "r2")])
    move(store, SETTINGS, OPERATOR, order_id, "assign", crew_id="north")
    with pytest.raises(NotAllowed):  # another crew's job
        move(store, SETTINGS, OTHER_CREW, order_id, "start")
    with pytest.raises(MoveRefused, match="needs its reason"):
        move(store, SETTINGS, INSPECTOR, order_id, "reject", note=" ")
    # nothing refused left a trace
    assert rows(store, f"SELECT count(*) FROM work_order_events WHERE order_id = {order_id}") \
        == [(2,)]  # fmt: skip


def test_a_crew_sees_its_jobs_without_the_complainants_words(empty_store):
    store = empty_store
    add_request(store, "r1")
    order_id = open_order(store, SETTINGS, OPERATOR, [("o311", "r1")], now=T0)
    move(store, SETTINGS, OPERATOR, order_id, "assign", crew_id="north")
    seen = order_detail(store, SETTINGS, CREW, order_id)["requests"][0]
    assert seen["description"] is None and seen["address"] is None
    assert seen["street"] == "Kaivokatu"
    assert order_detail(store, SETTINGS, OPERATOR, order_id)["requests"][0]["description"]
    with pytest.raises(NotAllowed):
        order_detail(store, SETTINGS, OTHER_CREW, order_id)


def test_auto_assign_gives_new_requests_of_its_types_to_the_nearest_crew(store, city):
    settings = Settings(
        dispatch={"auto_assign": ["WST-OVF"]},
        crews=[{"crew_id": "north", "name": "North", "skills": ["WST-OVF"]},
               {"crew_id": "roads", "name": "Roads", "skills": ["RD-POT"]}],
    )  # fmt: skip
    desk = Desk(store, settings, Dispatcher(store, city, settings))
    add_request(store, "r1")
    add_request(store, "r2", code="RD-POT")
    add_request(store, "r3", north_m=300)
    made = auto_assign(desk, now=T0 + timedelta(hours=1))
    assigned = rows(store, "SELECT r.request_id, o.state, o.crew_id FROM work_orders o "
                           "JOIN work_order_requests r USING (order_id) ORDER BY 1")  # fmt: skip
    assert len(made) == 2 and assigned == [("r1", "assigned", "north"), ("r3", "assigned", "north")]
    assert {r[0] for r in rows(store, "SELECT who FROM work_order_events")} == {"auto-assign"}
    add_request(store, "r4", minutes=30, north_m=15)  # r1 again: an operator links it
    assert auto_assign(desk, now=T0 + timedelta(hours=2)) == []


def test_a_cancelled_order_gives_its_requests_back_to_the_queue(empty_store):
    store = empty_store
    add_request(store, "r1")
    add_request(store, "r2", minutes=10, north_m=10)
    order_id = open_order(store, SETTINGS, OPERATOR, [("o311", "r1"), ("o311", "r2")], now=T0)
    move(store, SETTINGS, OPERATOR, order_id, "assign", crew_id="north", now=T0)
    with pytest.raises(MoveRefused, match="cancelling needs its reason"):
        move(store, SETTINGS, OPERATOR, order_id, "cancel", note="")
    with pytest.raises(NotAllowed):
        move(store, SETTINGS, CREW, order_id, "cancel", note="not mine")
    move(store, SETTINGS, OPERATOR, order_id, "cancel", note="opened by mistake",
         now=T0 + timedelta(minutes=5))  # fmt: skip
    detail = order_detail(store, SETTINGS, OPERATOR, order_id)
    assert detail["state"] == "cancelled" and detail["requests"] == []
    assert detail["events"][-1]["note"] == "opened by mistake (released: r1, r2)"
    with store.reading() as cur:
        queued = triage_queue(cur, {}, T0 + timedelta(hours=1))
    assert sorted(queued["request_id"]) == ["r1", "r2"]
    again = open_order(store, SETTINGS, OPERATOR, [("o311", "r1")], now=T0 + timedelta(hours=1))
    assert again != order_id
    with pytest.raises(MoveRefused, match="cannot cancel an order that is cancelled"):
        move(store, SETTINGS, OPERATOR, order_id, "cancel", note="twice")


def source_says(store, request_id, status, at):
    """What the Open311 connector stores when the source changes a request's status."""
    with store.transaction() as cur:
        cur.execute("UPDATE service_requests SET status = ?, updated_at = ? "
                    "WHERE request_id = ?", [status, at, request_id])  # fmt: skip
        if status != "open":
            cur.execute("INSERT INTO service_request_events VALUES ('o311', ?, ?, ?)",
                        [request_id, status, at])  # fmt: skip


def test_a_fix_reopened_at_the_source_comes_back_to_the_queue(empty_store):
    store, desk = empty_store, Desk(empty_store, SETTINGS, None)
    add_request(store, "r1")
    add_request(store, "r2", north_m=400)  # validated too, but its source never closes it
    fixed, order_ids = T0 + timedelta(hours=3), []
    for request_id in ("r1", "r2"):
        order_id = open_order(store, SETTINGS, OPERATOR, [("o311", request_id)], now=T0)
        order_ids.append(order_id)
        for who, action, extra in [(OPERATOR, "assign", {"crew_id": "north"}),
                                   (CREW, "start", {}), (CREW, "done", {"photo": "abc"}),
                                   (INSPECTOR, "validate", {})]:  # fmt: skip
            move(store, SETTINGS, who, order_id, action, now=fixed, **extra)
    source_says(store, "r1", "closed", fixed + timedelta(minutes=1))  # it took C3's FIXED
    assert follow_up(desk, now=fixed + timedelta(hours=1))["reopened"] == []

    source_says(store, "r1", "open", fixed + timedelta(hours=5))  # "it is not fixed"
    source_says(store, "r2", "open", fixed + timedelta(hours=5))  # a note, still open
    reopened = follow_up(desk, now=fixed + timedelta(hours=6))
    assert reopened == {"reopened": order_ids[:1], "from_signals": [], "assigned": []}
    detail = order_detail(store, SETTINGS, OPERATOR, order_ids[0])
    assert (detail["state"], detail["crew_id"], detail["closed_at"], detail["reopened"]) == (
        "new", None, None, 1)  # fmt: skip
    last = detail["events"][-1]
    assert (last["who"], last["action"], last["from_state"], last["to_state"]) == (
        "source-feed", "reopen", "validated", "new")  # fmt: skip
    assert last["note"] == "o311/r1 open again at the source since 2026-12-01 17:00 UTC"
    with store.reading() as cur:
        assert list(triage_queue(cur, {}, fixed + timedelta(hours=6))["request_id"]) == ["r1"]
    assert follow_up(desk, now=fixed + timedelta(hours=7))["reopened"] == []  # once


def test_a_reopening_without_an_update_time_and_a_duplicates_reopening(empty_store):
    """A file feed's closing has its close date and no update time: the reopening is
    still seen, and said without a time. A linked duplicate reopened at the source does
    not reopen the order (the queue shows an order by its first request)."""
    store, desk = empty_store, Desk(empty_store, SETTINGS, None)
    add_request(store, "r1")
    add_request(store, "r2", minutes=5, north_m=10)
    fixed = T0 + timedelta(hours=3)
    order_id = open_order(store, SETTINGS, OPERATOR, [("o311", "r1")], now=T0)
    link(store, SETTINGS, OPERATOR, order_id, ("o311", "r2"), "10 m apart", now=T0)
    for who, action, extra in [(OPERATOR, "assign", {"crew_id": "north"}),
                               (CREW, "start", {}), (CREW, "done", {"photo": "abc"}),
                               (INSPECTOR, "validate", {})]:  # fmt: skip
        move(store, SETTINGS, who, order_id, action, now=fixed, **extra)
    source_says(store, "r2", "closed", fixed + timedelta(minutes=1))
    source_says(store, "r2", "open", fixed + timedelta(hours=2))
    assert follow_up(desk, now=fixed + timedelta(hours=3))["reopened"] == []

    source_says(store, "r1", "closed", fixed + timedelta(minutes=1))
    source_says(store, "r1", "open", None)
    assert follow_up(desk, now=fixed + timedelta(hours=3))["reopened"] == [order_id]
    last = order_detail(store, SETTINGS, OPERATOR, order_id)["events"][-1]
    assert last["note"] == "o311/r1 open again at the source since 2026-12-01 12:01 UTC"


def test_a_stale_assign_never_takes_a_started_job_from_its_crew(empty_store):
    store, desk = empty_store, Desk(empty_store, SETTINGS, None)
    add_request(store, "r1")
    order_id = triage_assign(desk, OPERATOR, "o311/r1", "north", now=T0)
    move(store, SETTINGS, CREW, order_id, "start", now=T0)
    with pytest.raises(MoveRefused, match="the job is started: hand it to another crew"):
        triage_assign(desk, OPERATOR, "o311/r1", "south", now=T0)
    assert rows(store, "SELECT state, crew_id FROM work_orders") == [("in_progress", "north")]
    move(store, SETTINGS, OPERATOR, order_id, "assign", crew_id="south", now=T0)  # /field's
    assert rows(store, "SELECT state, crew_id FROM work_orders") == [("assigned", "south")]


def test_an_order_without_a_crew_stays_in_the_queue(empty_store):
    """Triaged but not yet assigned, or an assignment refused: the order waits in the
    queue, never nowhere."""
    store, desk = empty_store, Desk(empty_store, SETTINGS, None)
    add_request(store, "r1")
    add_request(store, "r2", north_m=400)
    triaged = open_order(store, SETTINGS, OPERATOR, [("o311", "r1")], now=T0)
    move(store, SETTINGS, OPERATOR, triaged, "triage", now=T0)
    with pytest.raises(MoveRefused, match="no crew 'nobody'"):
        triage_assign(desk, OPERATOR, "o311/r2", "nobody", now=T0)
    with store.reading() as cur:
        queued = triage_queue(cur, {}, T0 + timedelta(hours=1))
    assert list(queued["request_id"]) == ["r1", "r2"]
    triage_assign(desk, OPERATOR, "o311/r2", "north", now=T0)
    assert rows(store, "SELECT action, to_state FROM work_order_events JOIN work_order_requests "
                       "USING (order_id) WHERE request_id = 'r2' ORDER BY 2") == [
        ("assign", "assigned"), ("open", "new"), ("triage", "triaged")]  # fmt: skip
