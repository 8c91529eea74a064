"""`curl -sI` on every route of a running C3 (`c3 demo`, under gunicorn): each response,
page, Dash endpoint, /api, asset or error, carries the security headers; the script
policy allows Dash's inline scripts by their hashes, never 'unsafe-inline' or
'unsafe-eval'; /wall alone may be framed, by the configured origin; no HSTS over plain
http; the server is gunicorn, without its version, not Werkzeug. SIGTERM stops it with
exit status 0 (issue 16, item 5)."""

import base64
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sim.http import free_port

ROOT = Path(__file__).resolve().parents[2]
INTRANET = "https://intranet.city.example"

# Every rule of the app's URL map, as this process would build it (a subprocess: the
# test process keeps Dash's callback registry for the browser tests' app).
RULES = """
import json
from app import create_app
from config import load_settings
from services.context import Services
from store import Store
from store.cache import Cache

svc = Services(settings=load_settings(), store=Store(":memory:"), cache=Cache(None),
               map_bounds=(24.9, 60.1, 25.0, 60.2))
rules = create_app(svc).server.url_map.iter_rules()
print(json.dumps(sorted([r.rule, sorted(r.methods - {"HEAD", "OPTIONS"})] for r in rules)))
"""

# Paths for the rules with variables that answer with something (a page, a layer, a file,
# and a miss of each); any other variable is filled with "x", which must still be answered
# with the headers, whatever its status.
EXAMPLES = {
    "/<path:path>": ["/wall", "/explore", "/collection", "/reports", "/feeds", "/no-such-page"],
    "/assets/<path:filename>": ["/assets/c3.css", "/assets/map.js", "/assets/missing.css"],
    "/api/layers/<name>.<fmt>": ["/api/layers/waste.geojson", "/api/layers/traffic.pbf",
                                 "/api/layers/nothing.geojson"],
}  # fmt: skip
SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)


@pytest.fixture(scope="module")
def rules():
    env = dict(os.environ, C3_CONFIG=os.devnull)
    out = subprocess.run([sys.executable, "-c", RULES], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    return json.loads(out.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """`c3 demo` with a frame origin for the wall; its address, then its exit status."""
    data, web = tmp_path_factory.mktemp("c3"), free_port()
    env = dict(os.environ, C3_DATA_DIR=str(data), C3_HTTP_PORT=str(web),
               C3_SIM_PORT=str(free_port()), C3_SIM_BACKFILL_DAYS="1", C3_CONFIG=os.devnull,
               C3_WALL_FRAME_ORIGINS=json.dumps([INTRANET]))  # fmt: skip
    demo = subprocess.Popen(
        [sys.executable, "-m", "cli", "demo"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url, deadline = f"http://127.0.0.1:{web}", time.monotonic() + 120
    try:
        while True:
            try:
                requests.head(f"{url}/api/version", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or demo.poll() is not None:
                    raise AssertionError(demo.communicate(timeout=30)[0]) from None
                time.sleep(0.5)
        yield url
    finally:
        demo.send_signal(signal.SIGTERM)
        output, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0, output
    assert "C3 is running: http://localhost:" in output, output


def urls_of(rule: str, index: str) -> list[str]:
    if rule == "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>":
        return re.findall(r'src="(/_dash-component-suites/[^"]+)"', index)[:2]
    return EXAMPLES.get(rule) or [re.sub(r"<[^>]+>", "x", rule)]


def policy(response) -> dict[str, list[str]]:
    text = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in text.split("; ")}


def assert_secure(response, path: str) -> None:
    where = f"{response.request.method} {path} ({response.status_code})"
    csp = policy(response)
    assert csp["script-src"][0] == "'self'", where
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(csp["script-src"]), where
    assert csp["object-src"] == ["'none'"] and csp["default-src"] == ["'self'"], where
    framers = [INTRANET] if path == "/wall" else ["'none'"]
    assert csp["frame-ancestors"] == framers, where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "same-origin", where
    assert "Strict-Transport-Security" not in response.headers, where  # plain http
    assert response.headers["Server"] == "gunicorn", where  # no version, not Werkzeug


def test_every_route_answers_with_the_security_headers(running, rules):
    http = requests.Session()
    index = http.get(f"{running}/", timeout=30).text
    statuses = {}
    for rule, methods in rules:
        for path in urls_of(rule, index):
            for method in methods:  # GET as curl -sI asks it; POST, DELETE without a body
                response = http.request("HEAD" if method == "GET" else method,
                                        f"{running}{path}", timeout=60,
                                        allow_redirects=False)  # fmt: skip
                assert_secure(response, path)
                statuses[f"{method} {path}"] = response.status_code
    assert len(statuses) > len(rules)
    assert statuses["GET /wall"] == statuses["GET /api/layers/waste.geojson"] == 200
    assert statuses["POST /_dash-update-component"] >= 400  # no body: an error, with headers
    assert statuses["GET /api/layers/nothing.geojson"] == 404


def test_every_inline_script_of_a_page_is_allowed_by_its_hash(running):
    for path in ("/", "/wall", "/explore"):
        page = requests.get(f"{running}{path}", timeout=30)
        allowed = set(policy(page)["script-src"])
        inline = [m["body"] for m in SCRIPT.finditer(page.text)
                  if "src=" not in m["attrs"] and "application/json" not in m["attrs"]
                  and not page.text[:m.start()].endswith("<!--[if IE]>")]  # fmt: skip
        assert len(inline) >= 2, path  # the renderer's bootstrap and the clientside callbacks
        for body in inline:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, (path, body[:200])
