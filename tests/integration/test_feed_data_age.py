"""Freshness from the data, not only the run (issue 15): a broker that answers every poll
but serves readings days old is stale "by data" on `/feeds`, in `/api/feeds` and
`c3 connectors list` (their JSON), and on the wall, which says how old; fresh readings
make it live again; a complaints feed is judged by its runs only."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from plotly.utils import PlotlyJSONEncoder

from callbacks.wall import feeds_panel
from components.feeds_table import health_row
from config import ConfigProblem, load_settings
from connectors.runner import build_connector, run_connector
from services.context import Services, attach_services
from services.feeds import feed_summary, health_rows, misconfigured_summary
from sim.http import BackgroundServer
from store.cache import Cache
from tests.helpers import TZ
from tests.helpers.feeds import (
    NOW,
    Open311Feed,
    ScriptedFeed,
    assert_ledger_adds_up,
    complaint,
    container,
    run_open311,
    waste_settings,
)

OLD = NOW - timedelta(days=6)  # Wed 18 Nov 10:00 UTC, 12:00 in Helsinki


def health(store, name, now):
    """The `/feeds` row of the feed `name` at `now`, polled every minute."""
    with store.reading() as cur:
        (row,) = health_rows(load_settings(timezone=TZ), {name: 60}, now, cur)
    return row


def as_json(component) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder)


def test_a_broker_serving_days_old_readings_is_stale_by_data_while_its_runs_succeed(store):
    feed = ScriptedFeed([container(i, dateModified=OLD.isoformat()) for i in range(5)])
    with BackgroundServer(feed.app) as server:
        connector = build_connector(waste_settings(server.url), TZ)
        runs = [run_connector(connector, store, now=NOW + timedelta(minutes=m)) for m in (0, 1)]
        assert [(r.status, r.inserted, r.unchanged) for r in runs] == [("ok", 5, 0), ("ok", 0, 5)]
        at = NOW + timedelta(minutes=1, seconds=30)
        row = health(store, "bins", at)
        assert (row["state"], row["stale_by"], row["newest_observed_at"]) == ("stale", "data", OLD)
        summary = feed_summary(row)  # what /api/feeds and `c3 connectors list` print
        assert {k: summary[k] for k in ("state", "stale_by", "newest_observation_at")} == {
            "state": "stale", "stale_by": "data", "newest_observation_at": OLD.isoformat()
        }  # fmt: skip
        reason = "newest observation 6 d old (Wed 18 Nov 12:00); runs succeed"
        assert summary["stale_reason"] == reason and summary["last_error"] is None
        shown = as_json(health_row(row, at, ZoneInfo(TZ)))  # the row of /feeds
        assert '"data-state": "stale"' in shown and '"data-stale-by": "data"' in shown
        assert reason in shown and "newest observation Wed 12:00:00 EET (6 days ago)" in shown
        # the broker is mended: fresh readings make the feed live again
        mended = NOW + timedelta(minutes=2)
        feed.entities = [container(i, dateModified=mended.isoformat()) for i in range(5)]
        assert run_connector(connector, store, now=mended).inserted == 5  # new readings
    row = health(store, "bins", mended + timedelta(seconds=30))
    assert (row["state"], row["stale_by"], row["newest_observed_at"]) == ("live", None, mended)
    assert feed_summary(row)["stale_reason"] is None
    assert_ledger_adds_up(store)


def test_a_feed_whose_runs_fail_is_stale_by_its_runs(store):
    feed = ScriptedFeed([container(1)], script=[lambda: ("broker down", 503)])
    with BackgroundServer(feed.app) as server:
        settings = waste_settings(server.url, retries=0)
        assert run_connector(build_connector(settings, TZ), store, now=NOW).status == "failed"
    summary = feed_summary(health(store, "bins", NOW + timedelta(seconds=30)))
    assert (summary["state"], summary["stale_by"]) == ("failing", "run")
    assert summary["newest_observation_at"] is None and summary["stale_reason"] is None
    # a misconfigured connector's JSON has the same keys (nothing known), and why
    aside = misconfigured_summary(ConfigProblem("c3.toml:4", "unknown key intervl_s", "x"))
    assert set(aside) == set(summary) | {"reason", "where"}
    assert (aside["state"], aside["last_success_at"], aside["runs_24h"]) == ("misconfigured",
                                                                             None, 0)  # fmt: skip


def test_a_complaints_feed_with_no_new_request_for_days_is_still_live(store):
    quiet = Open311Feed([complaint("1", OLD), complaint("2", OLD - timedelta(hours=1))])
    with BackgroundServer(quiet.app) as server:
        run = run_open311(server.url, store, NOW, updated_after=True)
    assert (run.status, run.inserted) == ("ok", 2)
    row = health(store, "complaints", NOW + timedelta(seconds=30))
    assert (row["state"], row["stale_by"], row["newest_observed_at"]) == ("live", None, OLD)


def test_the_wall_counts_a_feed_with_days_old_readings_stale_and_says_how_old(store):
    now = datetime.now(UTC)  # the wall reads the clock
    old = now - timedelta(days=6, minutes=5)
    feed = ScriptedFeed([container(i, dateModified=old.isoformat()) for i in range(3)])
    with BackgroundServer(feed.app) as server:
        assert run_connector(build_connector(waste_settings(server.url), TZ), store,
                             now=now).status == "ok"  # fmt: skip
    server = Flask(__name__)
    attach_services(server, Services(settings=load_settings(timezone=TZ), store=store,
                                     cache=Cache(None), map_bounds=(0, 0, 1, 1),
                                     feed_intervals={"bins": 60}))  # fmt: skip
    with server.test_request_context():
        children, _, alerts = getattr(feeds_panel, "__wrapped__", feeds_panel)("token")
    shown = as_json(children)
    assert '"data-state": "stale"' in shown and '"data-stale-by": "data"' in shown
    assert "newest observation 6 days ago" in shown
    assert [(a["key"], a["title"]) for a in alerts] == [
        ("feed:bins", "Feed bins: newest reading 6 d old")
    ]
    assert '"children": "1", "className": "c3-fig-value", "data-figure": "feeds.stale"' in shown
