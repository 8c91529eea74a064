"""Open311 over time: closures arrive, outages lose nothing, odd records do not stall the feed."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, Response, jsonify

from config import ConnectorSettings
from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer
from sim.server import create_sim_app
from store.ledger import get_watermark
from tests.helpers import FIXED_NOW, TZ


@pytest.fixture
def moving_sim(demo_city):
    """The simulator with a clock the test moves."""
    clock = {"now": FIXED_NOW}
    app = create_sim_app(demo_city, "Helsinki", clock=lambda: clock["now"].timestamp())
    with BackgroundServer(app) as server:
        yield server, clock


def complaints(url, **overrides):
    settings = ConnectorSettings(
        name="complaints",
        kind="open311",
        url=f"{url}/open311/v2",
        retries=1,
        timeout_s=5,
        **overrides,
    )
    return build_connector(settings, TZ)


def statuses(store):
    with store.reading() as cur:
        return dict(cur.execute("SELECT request_id, status FROM service_requests").fetchall())


def truth(demo_city, now):
    frame = demo_city.requests_as_of(int(now.timestamp()), int(now.timestamp()) - 14 * 86400)
    return dict(zip(frame["service_request_id"], frame["status"], strict=True))


@pytest.mark.parametrize("updated_after", [True, False], ids=["updated_after", "plain-open311"])
def test_requests_closed_later_are_closed_in_the_store(store, moving_sim, demo_city, updated_after):
    server, clock = moving_sim
    connector = complaints(server.url, updated_after=updated_after)
    assert run_connector(connector, store, now=clock["now"]).status == "ok"
    open_before = {k for k, v in statuses(store).items() if v == "open"}
    clock["now"] = FIXED_NOW + timedelta(days=1)
    run = run_connector(connector, store, now=clock["now"])
    assert run.status == "ok" and run.updated > 0
    expected = truth(demo_city, clock["now"])
    stored = statuses(store)
    closed_since = {k for k in open_before if expected.get(k) == "closed"}
    assert closed_since, "the simulator closes some requests within a day"
    assert all(stored[k] == "closed" for k in closed_since)
    assert {k: stored[k] for k in expected} == expected  # nothing filed meanwhile is missing
    with store.reading() as cur:
        events = cur.execute(
            "SELECT count(*) FROM service_request_events WHERE status = 'closed' "
            "AND request_id IN (SELECT unnest(?))",
            [sorted(closed_since)],
        ).fetchone()[0]
    assert events == len(closed_since)


def test_an_outage_moves_nothing_and_the_next_run_recovers_everything(store, moving_sim, demo_city):
    server, clock = moving_sim
    assert (
        run_connector(complaints(server.url, updated_after=True), store, now=clock["now"]).status
        == "ok"
    )
    with store.reading() as cur:
        before = get_watermark(cur, "complaints")

    down = Flask("down")
    down.add_url_rule("/open311/v2/requests.json", view_func=lambda: Response("down", status=503))
    with BackgroundServer(down) as broken:
        clock["now"] = FIXED_NOW + timedelta(hours=6)
        failed = run_connector(complaints(broken.url, updated_after=True), store, now=clock["now"])
    assert failed.status == "failed" and "503" in failed.error
    with store.reading() as cur:
        assert get_watermark(cur, "complaints") == before

    clock["now"] = FIXED_NOW + timedelta(hours=12)
    assert (
        run_connector(complaints(server.url, updated_after=True), store, now=clock["now"]).status
        == "ok"
    )
    expected = truth(demo_city, clock["now"])
    stored = statuses(store)
    assert {k: stored.get(k) for k in expected} == expected


def test_a_future_dated_record_does_not_stall_the_feed(store):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    served = [[_request("1", now - timedelta(hours=1)), _request("2", now + timedelta(days=30))]]
    app = Flask("future")
    app.add_url_rule("/open311/v2/requests.json", view_func=lambda: jsonify(served[0]))
    with BackgroundServer(app) as server:
        connector = complaints(server.url, updated_after=True)
        assert run_connector(connector, store, now=now).status == "ok"
        with store.reading() as cur:
            assert get_watermark(cur, "complaints") == now  # capped at the run's end
        served[0] = [_request("3", now + timedelta(minutes=30))]
        run_connector(connector, store, now=now + timedelta(hours=1))
    assert set(statuses(store)) == {"1", "2", "3"}


def test_xml_feed_gives_the_same_rows_as_json(store, tmp_path, sim_fixed, city):
    from store import Store
    from store.city import load_city_model

    as_json = run_connector(complaints(sim_fixed.url), store, now=FIXED_NOW)
    other = Store(tmp_path / "xml.duckdb")
    load_city_model(other, city)
    as_xml = run_connector(complaints(sim_fixed.url, format="xml"), other, now=FIXED_NOW)
    assert as_json.status == as_xml.status == "ok"
    assert as_xml.inserted == as_json.inserted > 0
    query = "SELECT * EXCLUDE (zone_id) FROM service_requests ORDER BY request_id"
    with store.reading() as a, other.reading() as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
    other.close()


def _request(request_id, when):
    return {
        "service_request_id": request_id,
        "status": "open",
        "service_code": "RD-POT",
        "service_name": "Pothole",
        "requested_datetime": when.isoformat(),
        "updated_datetime": when.isoformat(),
        "lat": 60.17,
        "long": 24.94,
    }
