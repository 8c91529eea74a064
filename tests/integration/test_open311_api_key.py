"""An Open311 server that wants an API key: the key comes from the environment, goes with
every query, and never shows in the run record, /feeds or the logs."""

from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

from flask import Flask, Response, jsonify, request

from config import ConnectorSettings
from connectors.runner import build_connector, run_connector
from sim.http import BackgroundServer, free_port
from tests.helpers import TZ

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
KEY = "k3y+0f/the=c1ty-5ecret"  # base64-like: percent-encoded in the URL
FORMS = (KEY, quote_plus(KEY), quote(KEY, safe=""))


def keyed_server(seen: list):
    app = Flask("keyed")

    @app.get("/open311/v2/requests.json")
    def requests_json():
        seen.append(request.args.get("api_key"))
        if request.args.get("api_key") != KEY:
            return Response("forbidden", status=403)
        return jsonify([{"service_request_id": "1", "status": "open", "service_code": "POT",
                         "requested_datetime": "2026-11-24T09:00:00+02:00",
                         "lat": 60.17, "long": 24.94}])  # fmt: skip

    return app


def settings(url: str) -> ConnectorSettings:
    return ConnectorSettings(name="city311", kind="open311", url=f"{url}/open311/v2",
                             api_key_env="CITY311_KEY", retries=1, timeout_s=2)  # fmt: skip


def test_the_key_from_the_environment_goes_with_every_query(store, monkeypatch):
    monkeypatch.setenv("CITY311_KEY", KEY)
    seen = []
    with BackgroundServer(keyed_server(seen)) as server:
        run = run_connector(build_connector(settings(server.url), TZ), store, now=NOW)
    assert run.status == "ok" and run.inserted == 1, run.error
    assert seen and set(seen) == {KEY}


def test_a_refused_key_is_masked_in_the_run_and_the_logs(store, monkeypatch, caplog):
    monkeypatch.setenv("CITY311_KEY", KEY)
    seen = []
    app = keyed_server(seen)
    app.view_functions["requests_json"] = lambda: Response("busy", status=503)
    with BackgroundServer(app) as server:
        run = run_connector(build_connector(settings(server.url), TZ), store, now=NOW)
    assert run.status == "failed"
    assert "api_key=***" in run.error and not any(f in run.error for f in FORMS)
    with store.reading() as cur:
        stored = cur.execute("SELECT error FROM ingest_runs").fetchone()[0]
    assert not any(f in stored or f in caplog.text for f in FORMS)


def test_retry_warnings_of_an_unreachable_server_mask_the_key(store, monkeypatch, caplog):
    monkeypatch.setenv("CITY311_KEY", KEY)
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: urllib3 warns per retry
    run = run_connector(build_connector(settings(closed), TZ), store, now=NOW)
    assert run.status == "failed" and not any(f in run.error for f in FORMS)
    assert "Retrying" in caplog.text and "api_key=***" in caplog.text
    assert not any(f in caplog.text for f in FORMS)
