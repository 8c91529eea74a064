"""Sign-in throttling by address behind a reverse proxy (issue 16): with
`trusted_proxies = 1` the address is the client's, as the proxy's X-Forwarded-For says,
so one client's failures do not lock out every user behind the same proxy; without
it, the header is not believed (a client could name any address)."""

from __future__ import annotations

import pytest

from app import behind_proxies, create_app
from config import load_settings
from services.accounts import add_account, new_account
from services.context import Services, attach_services
from store.cache import Cache
from tests.helpers import TZ


@pytest.fixture
def signin(dash_app, store, city, tmp_path):
    wrapped = []

    def make(proxies: int):
        settings = load_settings(timezone=TZ, data_dir=tmp_path, trusted_proxies=proxies)
        svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds)
        if "app" not in dash_app:  # made without a proxy: the test wraps it itself
            plain = settings.model_copy(update={"trusted_proxies": 0})
            dash_app["app"] = create_app(Services(settings=plain, store=store, cache=Cache(None),
                                                  map_bounds=city.bounds))  # fmt: skip
        attach_services(dash_app["app"].server, svc)
        if proxies:  # the session's one app was made already: wrap it as create_app does
            server = dash_app["app"].server
            wrapped.append(server.wsgi_app)
            behind_proxies(server, proxies)
        return dash_app["app"].server.test_client()

    add_account(store, new_account("ada", "admin", "a long passphrase"))
    yield make
    if wrapped:  # the session's one app: as it was
        dash_app["app"].server.wsgi_app = wrapped[0]


def attempt(client, password: str, client_address: str) -> int:
    client.get("/login")  # the form's token
    with client.session_transaction() as session:
        token = session["c3_login_csrf"]
    return client.post("/login", headers={"X-Forwarded-For": client_address},
                       data={"name": "ada", "password": password, "csrf": token}).status_code


def test_behind_a_trusted_proxy_the_throttle_counts_each_client(signin):
    client = signin(1)
    for _ in range(5):
        assert attempt(client, "not the password", "10.0.0.1") == 401
    assert attempt(client, "not the password", "10.0.0.1") == 429  # that client waits
    assert attempt(client, "a long passphrase", "10.0.0.2") == 302  # a colleague signs in


def test_without_it_the_header_is_not_believed(signin):
    client = signin(0)
    for i in range(5):  # a client naming a new address each time is still one address
        assert attempt(client, "not the password", f"10.0.1.{i}") == 401
    assert attempt(client, "a long passphrase", "10.0.2.1") == 429
