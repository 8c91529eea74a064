"""The security headers (api/headers.py) as functions of the settings, and on a Flask app:
a script policy of hashes only, /wall alone framed and only by the configured origins,
HSTS and Secure cookies only when C3 is reached over https; the settings refuse an origin
or address that could break out of its header."""

from types import SimpleNamespace

import pytest
from flask import Flask, session

from api.headers import (
    content_security_policy,
    install_security_headers,
    security_headers,
    tile_source,
)
from config import ConfigError, load_settings
from services.context import attach_services

HASHES = ["'sha256-AAAA'", "'sha256-BBBB'"]
INTRANET = "https://intranet.city.example"


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def test_scripts_are_c3_own_and_dash_inline_ones_by_hash():
    policy = directives(content_security_policy(load_settings(), HASHES, "/explore"))
    assert policy["script-src"] == ["'self'", *HASHES]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_only_the_wall_may_be_framed_and_only_by_the_configured_origins():
    settings = load_settings(wall_frame_origins=[INTRANET, "https://*.city.example:8443"])
    for path in ("/wall", "/wall/"):
        framers = directives(content_security_policy(settings, HASHES, path))["frame-ancestors"]
        assert framers == [INTRANET, "https://*.city.example:8443"]
        assert "X-Frame-Options" not in security_headers(settings, HASHES, path)
    for path in ("/", "/explore", "/wallpaper", "/_dash-layout", "/api/version"):
        policy = directives(content_security_policy(settings, HASHES, path))
        assert policy["frame-ancestors"] == ["'none'"]
        assert security_headers(settings, HASHES, path)["X-Frame-Options"] == "DENY"
    unset = directives(content_security_policy(load_settings(), HASHES, "/wall"))
    assert unset["frame-ancestors"] == ["'none'"]


def test_the_published_pulse_may_be_framed_by_any_site_or_by_the_listed_ones():
    def framers(settings, path="/pulse") -> list[str]:
        return directives(content_security_policy(settings, HASHES, path))["frame-ancestors"]

    anyone = load_settings(open_data={"pulse": True})
    assert framers(anyone) == ["*"]
    assert "X-Frame-Options" not in security_headers(anyone, HASHES, "/pulse")
    # "/pulse/" is not the pulse: Dash's catch-all answers it with the operators' app
    assert framers(anyone, "/pulse/") == ["'none'"]
    listed = load_settings(open_data={"pulse": True, "pulse_frame_origins": [INTRANET]},
                           wall_frame_origins=["https://hall.city.example"])  # fmt: skip
    assert framers(listed) == [INTRANET]
    assert framers(listed, "/wall") == ["https://hall.city.example"]  # the wall keeps its own
    for path in ("/", "/pulsed", "/explore", "/api/version"):
        assert framers(listed, path) == ["'none'"]
        assert security_headers(listed, HASHES, path)["X-Frame-Options"] == "DENY"
    unpublished = load_settings(open_data={"pulse_frame_origins": [INTRANET]})
    assert framers(unpublished) == ["'none'"]  # a 404 is nothing to embed
    assert security_headers(unpublished, HASHES, "/pulse")["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://tiles.city.example:8443/{z}/{x}/{y}.png", "https://tiles.city.example:8443"),
        ("http://tiles-{s}.example.org/{z}/{x}/{y}.png", "http://*.example.org"),
        ("https://{s}/{z}/{x}/{y}.png", "https:"),
        ("", None),
    ],
)
def test_a_tile_server_is_allowed_for_images(template, source):
    assert tile_source(template) == source


def test_a_tile_server_gets_images_and_the_origin_as_referrer():
    settings = load_settings(basemap_tile_url="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    headers = security_headers(settings, HASHES, "/")
    images = directives(headers["Content-Security-Policy"])["img-src"]
    assert images == ["'self'", "data:", "https://*.tile.openstreetmap.org"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert security_headers(load_settings(), HASHES, "/")["Referrer-Policy"] == "same-origin"


def test_hsts_only_when_c3_is_reached_over_https():
    plain = security_headers(load_settings(), HASHES, "/")
    assert "Strict-Transport-Security" not in plain
    assert plain["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in security_headers(
        load_settings(public_url="http://c3.city.example"), HASHES, "/"
    )
    https = security_headers(load_settings(public_url="https://c3.city.example/"), HASHES, "/")
    assert https["Strict-Transport-Security"] == "max-age=31536000"


def served(settings) -> Flask:
    """A Flask app with the headers installed, over `settings`; /login sets a session."""
    server = Flask(__name__)
    server.secret_key = "test"
    install_security_headers(server, lambda: HASHES, settings)
    attach_services(server, SimpleNamespace(settings=settings))

    @server.get("/login")
    def login():
        session["who"] = "ops"
        return "signed in"

    return server


def test_every_response_carries_the_headers_and_the_cookie_its_flags():
    client = served(load_settings()).test_client()
    for path, status in (("/login", 200), ("/nowhere", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert "'sha256-AAAA'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = served(load_settings(public_url="https://c3.city.example")).test_client()
    response = https.get("/login", base_url="https://c3.city.example")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "origin",
    ["intranet.city.example", "https://intranet.city.example/wall", "javascript:alert(1)",
     "https://a.example 'unsafe-inline'", "https://a.example;script-src *", "*"],
)  # fmt: skip
def test_a_frame_origin_that_is_not_one_is_refused(origin):
    with pytest.raises(ConfigError, match="wall_frame_origins"):
        load_settings(wall_frame_origins=[origin])


def test_frame_origins_and_public_url_are_kept_in_their_plain_form():
    settings = load_settings(wall_frame_origins=["https://intranet.city.example/", "self"],
                             public_url="https://c3.city.example/")  # fmt: skip
    assert settings.wall_frame_origins == [INTRANET, "'self'"]
    assert settings.public_url == "https://c3.city.example"
    for bad in ("c3.city.example", "ftp://c3.city.example", "https://c3.city.example/?a=1"):
        with pytest.raises(ConfigError, match="public_url"):
            load_settings(public_url=bad)
