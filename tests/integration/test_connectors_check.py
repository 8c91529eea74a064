"""`c3 connectors check`'s dry run against a local broker: what would land, what would be
quarantined and why, and nothing written."""

from connectors.check import check_connector
from connectors.runner import build_connector
from sim.http import BackgroundServer
from tests.helpers import TZ, rows
from tests.helpers.feeds import NOW, ScriptedFeed, container, waste_settings


def test_a_dry_run_says_what_would_land_and_why_the_rest_would_not(store):
    entities = [container(i) for i in range(10)]
    entities[3] = container(3, fillingLevel=1.5)
    entities[6] = container(6, location=None)
    feed = ScriptedFeed(entities)
    with BackgroundServer(feed.app) as server:
        connector = build_connector(waste_settings(server.url, page_size=4), TZ)
        with store.reading() as cur:
            first = check_connector(connector, cur, NOW)  # one page by default
            every = check_connector(connector, cur, NOW, pages=5)
    assert first.fetched == 4 and feed.calls == 1 + 3  # one page, then all three
    assert len(first.rejects) == 1 and "outside 0-1" in first.rejects[0][0]
    assert every.fetched == 10 and every.error is None
    assert sum(every.reasons.values()) == 2
    assert any("outside 0-1" in r for r in every.reasons) and any(
        "missing location" in r for r in every.reasons
    )
    landed = sum(every.accepted.values())
    assert every.accepted["waste_readings"] == 8 and landed >= 8
    assert len(every.samples["waste_readings"]) == 3
    for table in ("ingest_runs", "waste_readings", "quarantine", "connector_state"):
        assert rows(store, f"SELECT count(*) FROM {table}") == [(0,)], table  # nothing written


def test_a_dry_run_of_a_broken_feed_says_why_the_run_would_fail(store):
    with BackgroundServer(ScriptedFeed([], [lambda: ("<html>Maintenance</html>", 200)]).app) as s:
        connector = build_connector(waste_settings(s.url, retries=0), TZ)
        with store.reading() as cur:
            result = check_connector(connector, cur, NOW)
    assert result.error is not None and "JSON" in result.error
