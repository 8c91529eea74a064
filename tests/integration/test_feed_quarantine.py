"""Wrong data never passes silently (issue #15): a run whose records are mostly rejected
leaves its feed degraded, on `/feeds` and in `c3 connectors list`; a record the
quarantine already holds is counted as unchanged by each poll that sends it again; and
`c3 connectors check` groups what it would quarantine by the kind of reason."""

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from plotly.utils import PlotlyJSONEncoder
from typer.testing import CliRunner

from callbacks.wall import feeds_panel
from cli import cli
from config import load_settings
from connectors.runner import build_connector, run_connector
from services.context import Services, attach_services
from services.feeds import health_rows
from sim.http import BackgroundServer
from store.cache import Cache
from tests.helpers import TZ, rows, store_toml
from tests.helpers.feeds import ScriptedFeed, assert_ledger_adds_up, waste_settings
from tests.helpers.feeds import container as dated_container

# The clock's hour: /feeds, the wall and `c3 connectors list` judge a feed now, by its runs
# and by the age of its newest reading (a waste feed's a day old is stale by data)
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def container(i, **change):
    """A WasteContainer observed a minute before this hour's runs."""
    return dated_container(i, **{"dateModified": (NOW - timedelta(minutes=1)).isoformat(),
                                 **change})  # fmt: skip


def use_config(monkeypatch, tmp_path, url, store):
    """A c3.toml naming this test's data_dir, its store and the waste feed "bins" at `url`."""
    config = tmp_path / "c3.toml"
    config.write_text(
        f'data_dir = "{tmp_path}"\ntimezone = "{TZ}"\n{store_toml(store)}'
        f'[[connectors]]\nname = "bins"\nkind = "ngsi-v2"\nurl = "{url}"\n'
        'entity_type = "WasteContainer"\nretries = 0\n'
    )
    monkeypatch.setenv("C3_CONFIG", str(config))


def health(store):
    """The `/feeds` row of the feed "bins", now."""
    with store.reading() as cur:
        (row,) = health_rows(load_settings(), {"bins": 60}, datetime.now(UTC), cur)
    return row


def test_a_run_that_quarantines_most_records_leaves_the_feed_degraded(
    store, tmp_path, monkeypatch
):
    entities = [container(i, location=None) if i < 8 else container(i) for i in range(10)]
    feed = ScriptedFeed(entities)
    with BackgroundServer(feed.app) as server:
        use_config(monkeypatch, tmp_path, server.url, store)
        connector = build_connector(waste_settings(server.url), TZ)
        first = run_connector(connector, store, now=NOW)
        assert (first.status, first.inserted, first.quarantined) == ("ok", 2, 8)
        assert health(store)["state"] == "degraded"
        # the same records again: still degraded, though nothing new is quarantined
        again = run_connector(connector, store, now=NOW.replace(minute=1))
        assert (again.quarantined, again.unchanged) == (0, 10)
        row = health(store)
        assert row["state"] == "degraded" and row["rejected"] == (8, 10)
        feed.entities = [container(i) for i in range(10)]  # the feed is mended
        run_connector(connector, store, now=NOW.replace(minute=2))
        assert health(store)["state"] == "live"
        feed.entities = entities
        run_connector(connector, store, now=NOW.replace(minute=3))
    assert_ledger_adds_up(store)
    store.close()  # `c3` opens the file itself
    listed = CliRunner().invoke(cli, ["connectors", "list"])
    assert listed.exit_code == 0, listed.output
    (line,) = [line for line in listed.output.splitlines() if line.startswith("bins")]
    assert " degraded " in line and "8 of 10 records rejected" in line, listed.output


def test_the_wall_shows_a_degraded_feed_and_raises_its_alert(store):
    feed = ScriptedFeed([container(i, location=None) if i < 9 else container(i) for i in range(10)])
    with BackgroundServer(feed.app) as server:
        run_connector(build_connector(waste_settings(server.url), TZ), store, now=NOW)
    server = Flask(__name__)
    attach_services(server, Services(settings=load_settings(), store=store,
                                     cache=Cache(None), map_bounds=(0, 0, 1, 1),
                                     feed_intervals={"bins": 60}))  # fmt: skip
    with server.test_request_context():
        children, _, alerts = getattr(feeds_panel, "__wrapped__", feeds_panel)("token")
    assert '"data-state": "degraded"' in json.dumps(children, cls=PlotlyJSONEncoder)
    assert [(a["key"], a["title"]) for a in alerts] == [
        ("feed:bins:degraded", "Feed bins degraded: 9 of 10 records rejected")
    ]


def test_a_record_already_in_quarantine_is_unchanged_when_sent_again(store):
    feed = ScriptedFeed([container(1), container(2), container(3, fillingLevel=7)])
    with BackgroundServer(feed.app) as server:
        connector = build_connector(waste_settings(server.url), TZ)
        first = run_connector(connector, store, now=NOW)
        idle = [run_connector(connector, store, now=NOW.replace(minute=m)) for m in (1, 2)]
    assert (first.inserted, first.quarantined) == (2, 1)
    for run in idle:  # an idle poll: nothing new, nothing newly quarantined
        assert (run.fetched, run.inserted, run.updated, run.unchanged, run.quarantined) == (
            3, 0, 0, 3, 0)  # fmt: skip
        assert run.held == 1
    row = health(store)
    assert row["last"]["quarantined"] == 0 and row["last"]["unchanged"] == 3
    assert row["quarantined"] == (1, 3)  # one record held, rejected three times
    assert row["state"] == "degraded"  # a third of each run is still rejected (over 20 %)
    assert rows(store, "SELECT seen_count FROM quarantine") == [(3,)]
    assert_ledger_adds_up(store)


def test_check_groups_what_it_would_quarantine_by_the_kind_of_reason(
    store, tmp_path, monkeypatch
):
    # one wrong mapping: every record names a time the feed cannot have, each its own
    entities = [container(i, dateModified=f"day {i} at noon") for i in range(300)]
    entities += [container(300 + i, location=None) for i in range(5)] + [container(999)]
    feed = ScriptedFeed(entities)
    with BackgroundServer(feed.app) as server:
        use_config(monkeypatch, tmp_path, server.url, store)
        store.close()
        checked = CliRunner().invoke(cli, ["connectors", "check", "bins"])
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    assert "would quarantine 305, for 2 kind(s) of reason:" in checked.output
    assert sum("×" in line for line in lines) == 2  # a line per kind, not per value
    assert any("300 × unparseable dateObserved: '…'" in line and "(300 different values)" in line
               for line in lines), checked.output  # fmt: skip
    assert any("5 × missing location" in line for line in lines), checked.output
    assert "e.g. unparseable dateObserved: 'day 0 at noon'" in checked.output
    assert len(lines) < 20, checked.output
