"""Telling the source: every status change of a work order is queued with the change,
POSTed to the Open311 server (the demo's simulator, over HTTP) as the update extension,
and read back by the Open311 connector on its next poll; a linked duplicate is closed
with a note; a source that is down gets the update later, in order; a webhook's body
is signed."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from flask import Flask, request

from config import ConnectorSettings, Settings
from services.access import Principal
from services.feeds import feed_summary, health_rows
from services.source_updates import send_due
from services.triage import assign, link_duplicate
from services.work_orders import move
from sim.http import BackgroundServer, free_port
from sim.server import create_sim_app
from tests.helpers import FIXED_NOW, rows
from tests.helpers.feeds import run_open311

OPERATOR = Principal("olga", "operator")
CREW = Principal("crew-north", "crew")
INSPECTOR = Principal("ines", "inspector")
CREWS = [{"crew_id": "north", "name": "North", "members": ["crew-north"]}]


def feed(url: str, **more) -> ConnectorSettings:
    return ConnectorSettings(name="complaints", kind="open311", url=f"{url}/open311/v2",
                             updated_after=True, post_updates="open311", **more)  # fmt: skip


class Svc:
    """What services.triage reads of the running C3: the store and the settings."""

    def __init__(self, store, settings):
        self.store, self.settings, self.dispatch = store, settings, None


def open_requests(store, n: int) -> list[str]:
    return [r[0] for r in rows(store, "SELECT request_id FROM service_requests WHERE status = "
                                      f"'open' ORDER BY requested_at DESC LIMIT {n}")]  # fmt: skip


@pytest.fixture
def sim_fixed(demo_city):
    """The simulator with its clock stopped at FIXED_NOW, its own for each test (the
    updates it receives are the test's)."""
    app = create_sim_app(demo_city, "Helsinki", clock=lambda: FIXED_NOW.timestamp())
    with BackgroundServer(app) as server:
        server.app = app
        yield server


def sim_received(sim) -> list[tuple[str, str]]:
    updates = sim.app.extensions["c3_sim_updates"].received
    return [(u["service_request_id"], u["status"]) for u in updates]


def test_a_fixed_and_validated_job_reaches_the_source_and_comes_back(store, sim_fixed):
    assert run_open311(sim_fixed.url, store, FIXED_NOW).status == "ok"
    settings = Settings(connectors=[feed(sim_fixed.url)], crews=CREWS)
    svc = Svc(store, settings)
    first, second = open_requests(store, 2)
    t = FIXED_NOW - timedelta(minutes=40)
    order_id = assign(svc, OPERATOR, f"complaints/{first}", "north", now=t)
    link_duplicate(svc, OPERATOR, f"complaints/{second}", f"complaints/{first}",
                   now=t + timedelta(minutes=1))  # fmt: skip
    for minutes, who, action, extra in [(10, CREW, "start", {}),
                                        (20, CREW, "done", {"photo": "ab" * 32}),
                                        (30, INSPECTOR, "validate", {})]:  # fmt: skip
        move(store, settings, who, order_id, action, now=t + timedelta(minutes=minutes), **extra)
    assert send_due(store, settings, now=FIXED_NOW) == {"sent": 6, "failed": 0, "refused": 0}
    assert sim_received(sim_fixed) == [
        (first, "INVESTIGATING"), (first, "ACTION_SCHEDULED"), (second, "CLOSED"),
        (first, "IN_PROGRESS"), (first, "IN_PROGRESS"), (first, "FIXED")]  # fmt: skip
    again = send_due(store, settings, now=FIXED_NOW)  # each sent once
    assert again == {"sent": 0, "failed": 0, "refused": 0}

    run = run_open311(sim_fixed.url, store, FIXED_NOW, updated_after=True)
    assert run.status == "ok" and run.updated == 2, run.error
    back = dict((r[0], r[1:]) for r in rows(store, "SELECT request_id, status, status_notes "
                                                  "FROM service_requests"))  # fmt: skip
    assert back[first] == ("closed", "Fixed, and the fix checked by an inspector.")
    assert back[second][0] == "closed" and f"same problem as request {first}" in back[second][1]


def test_each_update_names_the_residents_status_page_when_c3_has_a_public_address(
    store, sim_fixed
):
    assert run_open311(sim_fixed.url, store, FIXED_NOW).status == "ok"
    settings = Settings(connectors=[feed(sim_fixed.url)], crews=CREWS,
                        public_url="https://c3.city.example")  # fmt: skip
    (first,) = open_requests(store, 1)
    assign(Svc(store, settings), OPERATOR, f"complaints/{first}", "north", now=FIXED_NOW)
    assert send_due(store, settings, now=FIXED_NOW)["sent"] == 2
    said = [u["description"] for u in sim_fixed.app.extensions["c3_sim_updates"].received]
    assert said == [f"{words} Follow it at https://c3.city.example/status/{first}"
                    for words in ("Received and checked; a crew will be scheduled.",
                                  "A crew is scheduled to fix it.")]  # fmt: skip


def test_a_source_that_is_down_gets_its_updates_later_in_order(store, sim_fixed):
    assert run_open311(sim_fixed.url, store, FIXED_NOW).status == "ok"
    down = Settings(connectors=[feed(f"http://127.0.0.1:{free_port()}")], crews=CREWS)
    svc = Svc(store, down)
    (first,) = open_requests(store, 1)
    order_id = assign(svc, OPERATOR, f"complaints/{first}", "north",
                      now=FIXED_NOW - timedelta(minutes=5))  # fmt: skip
    move(store, down, CREW, order_id, "start", now=FIXED_NOW - timedelta(minutes=4))
    # the first update fails; the later ones of the same request wait behind it
    assert send_due(store, down, now=FIXED_NOW) == {"sent": 0, "failed": 1, "refused": 0}
    queued = rows(store, "SELECT status, attempts, next_attempt_at, last_error FROM "
                         "source_updates ORDER BY updated_at")  # fmt: skip
    assert [(q[0], q[1]) for q in queued] == [("INVESTIGATING", 1), ("ACTION_SCHEDULED", 0),
                                              ("IN_PROGRESS", 0)]  # fmt: skip
    assert queued[0][2] == FIXED_NOW + timedelta(minutes=1) and "ConnectionError" in queued[0][3]
    up = Settings(connectors=[feed(sim_fixed.url)], crews=CREWS)
    early = send_due(store, up, now=FIXED_NOW + timedelta(seconds=30))
    assert early == {"sent": 0, "failed": 0, "refused": 0}
    due = send_due(store, up, now=FIXED_NOW + timedelta(minutes=1))
    assert due == {"sent": 3, "failed": 0, "refused": 0}
    assert [s for _, s in sim_received(sim_fixed)] == [
        "INVESTIGATING", "ACTION_SCHEDULED", "IN_PROGRESS"]  # fmt: skip


def test_a_webhook_gets_each_change_signed(store, sim_fixed, monkeypatch):
    assert run_open311(sim_fixed.url, store, FIXED_NOW).status == "ok"
    got = []
    hook = Flask("hook")

    @hook.post("/c3")
    def receive():
        got.append((request.get_data(), request.headers["X-C3-Signature"]))
        return "", 204

    monkeypatch.setenv("C3_TEST_HOOK_SECRET", "s3cret")
    with BackgroundServer(hook) as server:
        settings = Settings(connectors=[feed(sim_fixed.url).model_copy(update={
            "post_updates": "webhook", "webhook_url": f"{server.url}/c3",
            "webhook_secret_env": "C3_TEST_HOOK_SECRET"})], crews=CREWS)  # fmt: skip
        (first,) = open_requests(store, 1)
        assign(Svc(store, settings), OPERATOR, f"complaints/{first}", "north", now=FIXED_NOW)
        assert send_due(store, settings, now=FIXED_NOW) == {"sent": 2, "failed": 0, "refused": 0}
    body, signature = got[0]
    assert signature == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    sent = json.loads(body)
    assert (sent["service_request_id"], sent["status"]) == (first, "INVESTIGATING")
    assert sent["description"] == "Received and checked; a crew will be scheduled."
    assert not any(b"north" in b or b"olga" in b for b, _ in got)  # no crew, no staff name


def test_an_update_the_source_refuses_is_given_up_and_the_next_ones_go_on(store, sim_fixed,
                                                                          monkeypatch):
    """A 422 at the third attempt will be a 422 however often it is sent: given up with
    the source's reason (on /feeds), and the request's later updates are not held
    behind it. The webhook's
    address carries its token: no error names it."""
    assert run_open311(sim_fixed.url, store, FIXED_NOW).status == "ok"
    hook = Flask("hook")

    @hook.post("/hooks/<token>")
    def receive(token):
        if json.loads(request.get_data())["status"] == "INVESTIGATING":
            return "status INVESTIGATING is not one of ours", 422
        return "", 204

    monkeypatch.setenv("C3_TEST_HOOK_SECRET", "s3cret")
    with BackgroundServer(hook) as server:
        def hooked(url):
            return Settings(connectors=[feed(sim_fixed.url).model_copy(update={
                "post_updates": "webhook", "webhook_url": url,
                "webhook_secret_env": "C3_TEST_HOOK_SECRET"})], crews=CREWS)  # fmt: skip

        down = hooked(f"http://127.0.0.1:{free_port()}/hooks/tok-98765")
        (first,) = open_requests(store, 1)
        assign(Svc(store, down), OPERATOR, f"complaints/{first}", "north", now=FIXED_NOW)
        assert send_due(store, down, now=FIXED_NOW) == {"sent": 0, "failed": 1, "refused": 0}
        error = rows(store, "SELECT last_error FROM source_updates WHERE attempts = 1")[0][0]
        assert error.endswith(": ConnectionError") and "tok-98765" not in error
        up = hooked(f"{server.url}/hooks/tok-98765")
        refused = send_due(store, up, now=FIXED_NOW + timedelta(minutes=1))  # attempt 2
        assert refused == {"sent": 0, "failed": 1, "refused": 0}  # maybe a wrong address
        later = FIXED_NOW + timedelta(minutes=3)
        assert send_due(store, up, now=later) == {"sent": 1, "failed": 0, "refused": 1}
        assert send_due(store, up, now=later + timedelta(hours=2)) == {
            "sent": 0, "failed": 0, "refused": 0}  # fmt: skip
    kept = rows(store, "SELECT status, given_up_at, sent_at IS NOT NULL, last_error "
                       "FROM source_updates ORDER BY updated_at, status DESC")  # fmt: skip
    assert [(k[0], k[1], k[2]) for k in kept] == [("INVESTIGATING", later, False),
                                                  ("ACTION_SCHEDULED", None, True)]  # fmt: skip
    assert kept[0][3] == ("webhook " + server.url + " answered 422: status INVESTIGATING is "
                          "not one of ours")  # fmt: skip
    with store.reading() as cur:  # what /feeds and /api/feeds show of the feed
        (row,) = health_rows(up, {"complaints": 60}, later, cur)
    shown = feed_summary(row)["updates_to_source"]
    assert (shown["waiting"], shown["refused"]) == (0, 1)
    assert shown["last_refusal"] == kept[0][3]
