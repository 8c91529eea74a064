"""What bench/_load_users.py's users share: signing in, Dash's callback requests as its
renderer builds them, and the GETs, each timed by locust under a name. Imported by
_load_users.py only (it runs under locust, which patches the standard library for gevent)."""

from __future__ import annotations

import random
import re

import gevent
from locust import FastHttpUser
from locust.exception import StopUser

from bench._dash_requests import payload, prop

CALLBACK = "/_dash-update-component"
# Chromium also offers zstd, which locust's client cannot read: the server compresses
# with Brotli (level 4) here where it would with zstd (level 3) for a browser
ENCODINGS = "gzip, deflate, br"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

SIGN_IN_TRIES = 5

ready: set[int] = set()  # users that have signed in and opened their page
gave_up: set[int] = set()  # users that could not sign in


def headers() -> dict:
    return {"Accept-Encoding": ENCODINGS}  # a new dict: locust adds to it


def find(tree, component_id: str):
    """The props of the component `component_id` in a layout (Dash's JSON), or None."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("id") == component_id:
                return props
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


class C3User(FastHttpUser):
    abstract = True
    account: tuple[str, str]
    network_timeout = 60.0
    connection_timeout = 10.0

    def sign_in(self) -> None:
        """Sign in as a person would: again after a failure (a timeout while many sign
        in at once), up to SIGN_IN_TRIES times; a user that never gets in stops."""
        for _ in range(SIGN_IN_TRIES):
            if self._sign_in_once():
                return
            gevent.sleep(random.uniform(1, 5))
        gave_up.add(id(self))
        raise StopUser()

    def _sign_in_once(self) -> bool:
        page = self.client.get("/login", name="sign-in (warm-up)", headers=headers())
        found = CSRF.search(page.text or "")
        if not found:
            return False
        name, password = self.account
        form = {"name": name, "password": password, "csrf": found.group(1)}
        # then the page it redirects to (locust 2.37 cannot keep from following it)
        with self.client.post("/login", data=form, name="sign-in (warm-up)", headers=headers(),
                              catch_response=True) as answer:  # fmt: skip
            if answer.status_code != 200 or "/login" in str(answer.url):
                answer.failure(f"sign-in answered {answer.status_code}")
                return False
        return True

    def callback(self, name: str, body: dict) -> dict:
        """POST a callback; its response's {component: {prop: value}} ({} for 204)."""
        with self.client.post(CALLBACK, json=body, name=name, headers=headers(),
                              catch_response=True) as answer:  # fmt: skip
            if answer.status_code == 204:  # PreventUpdate: nothing changed
                answer.success()
                return {}
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}: {(answer.text or '')[:120]}")
                return {}
            try:
                return answer.json().get("response", {})
            except ValueError:
                answer.failure("not JSON")
                return {}

    def get(self, name: str, path: str) -> dict | None:
        """GET `path`; its JSON answer, if it is JSON."""
        with self.client.get(path, name=name, headers=headers(), catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
                return None
            if answer.headers.get("Content-Type", "").startswith("application/json"):
                return answer.json()
            return None

    def open_page(self, path: str, search: str = "") -> dict:
        body = payload(
            [{"id": "_pages_content", "property": "children"},
             {"id": "_pages_store", "property": "data"}],
            [prop("_pages_location", "pathname", path), prop("_pages_location", "search", search)],
            changed=["_pages_location.pathname", "_pages_location.search"],
        )  # fmt: skip
        return self.callback("open page (warm-up)", body)
