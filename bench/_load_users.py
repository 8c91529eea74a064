"""The simulated users of bench_load.py, run by locust in a process of their own (locust
patches the standard library for gevent): a wall and an /explore user, each signed in
with a local account and sending the requests a browser sends, built as Dash's renderer
builds them (payloads checked against ones captured from headless Chromium).

    python bench/_load_users.py --host http://127.0.0.1:8050 --users 50 --seconds 60 \
        --wall-account NAME:PASSWORD --explore-account NAME:PASSWORD

Spawns the users (half walls, half /explore), waits until every one has signed in and
opened its page, clears the figures, runs for --seconds, and prints one JSON object:
per request name its count, failures, p50/p95/max (ms), and the warm-up's own counts.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import events, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._dash_requests import payload, prop  # noqa: E402
from bench._load_client import C3User, find, gave_up, ready  # noqa: E402

# the wall's poll (assets/wall.js): a GET of /api/wall/tokens every `WALL_POLL_S` (the
# wall's refresh_ms: 1000 as walls run); its answers are the connection's heartbeat too
# (a separate one asks /api/version only when no poll answered for 5 s: never, here)
WALL_POLL_S = 1.0
# /explore: its poll at the default refresh_ms (10 s), a GET of /api/version whose token
# (versions and minute) wakes the slider, sources and table when it moved (assets/explore.js);
# an action (slider or filter) every 2–8 s, an active user
EXPLORE_POLL_S = 10.0
EXPLORE_ACTION_S = (2.0, 8.0)

# components.ids.WALL_DOMAINS
WALL_DOMAINS = ("waste", "traffic", "complaints", "feeds", "outcomes")
FILTERS = ("zone", "waste_type", "road_class", "service", "status")  # store.explore_filters
COMPLAINT_FILTERS = ("zone", "service", "status")  # LAYER_FILTERS["complaints"]


class WallUser(C3User):
    """/wall as a browser shows it: the poll every second; a domain whose token changed
    gets its tile (and its layer, if the URL moved), then the alert strip."""

    account = ("", "")  # --wall-account

    def on_start(self) -> None:
        self.sign_in()
        page = self.open_page("/wall")
        layout = page.get("_pages_content", {}).get("children")
        self.scenes = (find(layout, "wall-scenes") or {}).get("data") or {"kiosk": True}
        self.tokens: dict[str, str | None] = dict.fromkeys(WALL_DOMAINS)
        self.alerts: dict[str, list] = {d: [] for d in WALL_DOMAINS}
        self.layers: dict[str, str] = {}
        self.due = time.monotonic()
        self.poll(warm=True)
        ready.add(id(self))

    def wait_time(self) -> float:
        return max(0.0, self.due - time.monotonic())

    @task
    def tick(self) -> None:
        self.due = time.monotonic() + WALL_POLL_S  # the Interval fires whatever the answers
        self.poll()

    def poll(self, warm: bool = False) -> None:
        fresh = self.get("wall: poll" + (" (warm-up)" if warm else ""), "/api/wall/tokens") or {}
        changed = [d for d in WALL_DOMAINS if d in fresh and fresh[d] != self.tokens[d]]
        for domain in changed:
            self.tokens[domain] = fresh[domain]
            self.tile(domain, warm)
        if changed:
            self.alert_strip(changed, warm)

    def tile(self, domain: str, warm: bool) -> None:
        layers = {"waste": ["waste"], "traffic": ["traffic"], "complaints": ["complaints", "zones"],
                  "feeds": [], "outcomes": []}[domain]  # fmt: skip
        outputs = [{"id": f"wall-tile-{domain}", "property": "children"},
                   {"id": f"wall-tile-{domain}", "property": "className"}]  # fmt: skip
        outputs += [{"id": {"aio_id": "wall", "component": "MapShell", "layer": layer,
                            "part": "layer"}, "property": "url"} for layer in layers]  # fmt: skip
        outputs += [{"id": f"wall-alerts-{domain}", "property": "data"}]
        body = payload(outputs, [prop(f"wall-token-{domain}", "data", self.tokens[domain])],
                       changed=[f"wall-token-{domain}.data"])  # fmt: skip
        suffix = " (warm-up)" if warm else ""
        answer = self.callback(f"wall: tile {domain}{suffix}", body)
        self.alerts[domain] = (answer.get(f"wall-alerts-{domain}") or {}).get("data") or []
        for key, props in answer.items():
            url = props.get("url") if isinstance(props, dict) else None
            if not url or not key.startswith("{"):
                continue
            layer = json.loads(key).get("layer")
            if self.layers.get(layer) != url:  # the map loads a layer whose URL moved
                self.layers[layer] = url
                self.get(f"wall: layer {layer}{suffix}", url)

    def alert_strip(self, changed: list[str], warm: bool) -> None:
        body = payload(
            {"id": "wall-alerts", "property": "children"},
            [prop(f"wall-alerts-{d}", "data", self.alerts[d]) for d in WALL_DOMAINS],
            [prop("wall-scenes", "data", self.scenes)],
            changed=[f"wall-alerts-{d}.data" for d in changed],
        )
        self.callback("wall: alert strip" + (" (warm-up)" if warm else ""), body)


class ExploreUser(C3User):
    """/explore as a department head uses it: moves the time slider or changes a filter
    every few seconds; the page's poll every 10 s (its callbacks when the data moved).
    Each action sends what the browser sends: the table's contents (and its first rows
    when they change), the moment's values (/api/frame) for the slider, and the
    complaints layer when its URL moves."""

    account = ("", "")  # --explore-account

    def on_start(self) -> None:
        self.sign_in()
        page = self.open_page("/explore", "?range=7d")
        layout = page.get("_pages_content", {}).get("children")
        self.initial = (find(layout, "explore-initial") or {}).get("data") or dict.fromkeys(
            FILTERS, []
        )
        self.filters = {f: list(self.initial.get(f) or []) for f in FILTERS}
        self.options: dict[str, list] = {}
        self.sources: dict | None = None
        self.slider = {"value": 1, "max": 1, "min": 0, "step": 3600}
        self.query = None
        self.tick = None  # explore-tick: what the page's poll last saw
        self.complaints_url = None
        self.map_view = first_view(layout)
        # the page's first callbacks, as the renderer sends them
        self.poll(first=True)
        self.filter_options()
        self.table_contents("explore: table contents (warm-up)", [], warm=True)
        self.next_poll = time.monotonic() + EXPLORE_POLL_S
        self.next_action = time.monotonic() + random.uniform(*EXPLORE_ACTION_S)
        ready.add(id(self))

    def wait_time(self) -> float:
        return max(0.0, min(self.next_poll, self.next_action) - time.monotonic())

    @task
    def step(self) -> None:
        now = time.monotonic()
        if now >= self.next_poll:
            self.next_poll += EXPLORE_POLL_S
            versions = self.get("explore: poll /api/version", "/api/version")
            token = None if versions is None else (
                json.dumps(versions, sort_keys=True) + f"@{int(time.time() // 60)}")
            if token is not None and token != self.tick:
                self.tick = token
                self.poll()
        if now >= self.next_action:
            self.next_action = now + random.uniform(*EXPLORE_ACTION_S)
            self.move_slider() if random.random() < 0.5 else self.change_filter()

    # -- the page's poll ------------------------------------------------------------
    def poll(self, first: bool = False) -> None:
        tick = [prop("explore-tick", "data", self.tick)]
        changed = [] if first else ["explore-tick.data"]
        warm = " (warm-up)" if first else ""
        slider_outputs = [{"id": "explore-slider", "property": p}
                          for p in ("min", "max", "step", "marks", "value")]  # fmt: skip
        slider_outputs.append({"id": "explore-dates", "property": "disabled"})
        answer = self.callback(f"explore: poll time slider{warm}", payload(
            slider_outputs,
            [prop("explore-range", "value", "7d"), prop("explore-dates", "start_date"),
             prop("explore-dates", "end_date"), *tick],
            [prop("explore-slider", "value", self.slider["value"]),
             prop("explore-slider", "max", self.slider["max"]),
             prop("explore-initial", "data", self.initial)],
            changed,
        ))  # fmt: skip
        for name, value in (answer.get("explore-slider") or {}).items():
            if name != "marks":
                self.slider[name] = value
        answer = self.callback(f"explore: poll sources{warm}", payload(
            {"id": "explore-sources", "property": "data"}, tick,
            [prop("explore-sources", "data", self.sources)], changed,
        ))  # fmt: skip
        self.sources = (answer.get("explore-sources") or {}).get("data") or self.sources
        if not first:
            self.table_contents("explore: poll table", changed)
        self.complaints_layer(warm)

    def filter_options(self) -> None:
        outputs = [{"id": f"explore-filter-{f}", "property": "options"} for f in FILTERS]
        outputs += [{"id": f"explore-filter-{f}", "property": "value"} for f in FILTERS]
        answer = self.callback("explore: filter options (warm-up)", payload(
            outputs, [prop("explore-initial", "data", self.initial)]))  # fmt: skip
        for f in FILTERS:
            options = (answer.get(f"explore-filter-{f}") or {}).get("options") or []
            self.options[f] = [o["value"] if isinstance(o, dict) else o for o in options]

    # -- a user's actions -------------------------------------------------------------
    def move_slider(self) -> None:
        low, high, step = self.slider["min"] or 0, self.slider["max"], self.slider["step"] or 3600
        if not high or high <= low:
            return
        at = random.randrange(int(low), int(high), int(step))
        self.slider["value"] = at
        self.get("explore: slider /api/frame", f"/api/frame?at={at}")
        self.table_contents("explore: table contents", ["explore-slider.value"])
        self.complaints_layer("")

    def change_filter(self) -> None:
        name = random.choice([f for f in FILTERS if self.options.get(f)] or ["status"])
        choices = self.options.get(name) or []
        picked = random.sample(choices, k=min(len(choices), random.choice((0, 1, 1, 2))))
        self.filters[name] = picked
        self.table_contents("explore: table contents", [f"explore-filter-{name}.value"])
        if name in COMPLAINT_FILTERS:
            self.complaints_layer("")

    def table_contents(self, name: str, changed: list[str], warm: bool = False) -> None:
        outputs = [{"id": "explore-table", "property": "columnDefs"},
                   {"id": "explore-table-query", "property": "data"},
                   {"id": "explore-table-count", "property": "children"},
                   {"id": "explore-subset-bar", "property": "children"},
                   {"id": "explore-subset-bar-box", "property": "hidden"}]  # fmt: skip
        inputs = [prop("explore-table-layer", "value", "waste")]
        inputs += [prop(f"explore-filter-{f}", "value", self.filters[f]) for f in FILTERS]
        inputs += [prop("explore-slider", "value", self.slider["value"]),
                   prop("explore-subset", "data"),
                   prop("explore-tick", "data", self.tick)]  # fmt: skip
        state = [prop("explore-range", "value", "7d"), prop("explore-dates", "start_date"),
                 prop("explore-dates", "end_date"),
                 prop("explore-slider", "max", self.slider["max"]),
                 prop("explore-table-query", "data", self.query)]  # fmt: skip
        answer = self.callback(name, payload(outputs, inputs, state, changed))
        query = (answer.get("explore-table-query") or {}).get("data")
        if query is not None:  # a new query: the grid purges its blocks and asks again
            self.query = query
            self.table_rows(" (warm-up)" if warm else "")

    def table_rows(self, warm: str) -> None:
        request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}, "api": {}}
        self.callback(f"explore: table rows{warm}", payload(
            [{"id": "explore-table", "property": "getRowsResponse"},
             {"id": "explore-export", "property": "href"}],
            [prop("explore-table", "getRowsRequest", request)],
            [prop("explore-table-query", "data", self.query)],
            ["explore-table.getRowsRequest"],
        ))  # fmt: skip

    def complaints_layer(self, warm: str) -> None:
        """assets/explore.js: the complaints' URL is their source plus the view's moment
        and their filters; the map loads it when it moved."""
        source = (self.sources or {}).get("complaints")
        if not source:
            return
        view = [("range", "7d")]
        live = self.slider["value"] is None or self.slider["value"] >= (self.slider["max"] or 0)
        if not live:
            view.append(("at", str(self.slider["value"])))
        view += [(f, ",".join(map(str, self.filters[f])))
                 for f in COMPLAINT_FILTERS if self.filters[f]]  # fmt: skip
        url = source + "&" + urlencode(view) + self.map_view  # as URLSearchParams: "+" and %2C
        if url != self.complaints_url:
            self.complaints_url = url
            self.get(f"explore: complaints layer{warm}", url)


def first_view(layout) -> str:
    """The map's first view as assets/clusters.js asks it for a clustered layer: the
    zoom that shows the map's bounds on a 1920-pixel screen, and those bounds."""
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("bounds"), list):  # the map's viewport (components.map_shell)
                (south, west), (north, east) = node["bounds"]
                zoom = int(math.log2(1920 / 256 * 360 / max(east - west, 1e-6)))
                return f"&zoom={zoom}&bbox={west:.6f},{south:.6f},{east:.6f},{north:.6f}"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise ValueError("no map with bounds on /explore")


def figures(stats) -> dict:
    rows = {}
    for (name, method), entry in sorted(stats.entries.items()):
        if not entry.num_requests:
            continue
        rows[name] = {
            "method": method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "max_ms": entry.max_response_time,
        }
    total = stats.total
    errors = [{"name": e.name, "error": str(e.error), "count": e.occurrences}
              for e in stats.errors.values()]  # fmt: skip
    return {"endpoints": rows, "requests": total.num_requests, "failures": total.num_failures,
            "errors": errors}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--wall-account", required=True, help="name:password (a wall role)")
    parser.add_argument("--explore-account", required=True, help="name:password (operator)")
    parser.add_argument("--warm-up-limit", type=float, default=180,
                        help="seconds to wait for every user to sign in and open its page")
    args = parser.parse_args()
    if not args.host.startswith(("http://127.", "http://localhost")):
        sys.exit("bench_load drives loopback servers only")

    WallUser.account = tuple(args.wall_account.split(":", 1))
    ExploreUser.account = tuple(args.explore_account.split(":", 1))
    env = Environment(user_classes=[WallUser, ExploreUser], events=events, host=args.host)
    runner = env.create_local_runner()
    clock = time.monotonic()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    while len(ready) + len(gave_up) < args.users and time.monotonic() - clock < args.warm_up_limit:
        gevent.sleep(0.2)
    warm = figures(env.stats) | {"seconds": time.monotonic() - clock, "ready": len(ready),
                                 "gave_up": len(gave_up)}  # fmt: skip
    env.stats.reset_all()
    print("measuring", flush=True)  # bench_load.py samples the CPU used from here
    started = time.monotonic()
    gevent.sleep(args.seconds)
    measured = figures(env.stats) | {"seconds": time.monotonic() - started}
    print("measured", flush=True)
    classes = dict(runner.user_classes_count)
    measured["exceptions"] = [{"count": e["count"], "error": e["msg"][:200]}
                              for e in runner.exceptions.values()]  # fmt: skip
    runner.quit()
    print(json.dumps({"warm_up": warm, "measured": measured, "users": args.users,
                      "classes": classes}))  # fmt: skip


if __name__ == "__main__":
    main()
