"""Feed states as an operator reads them."""

from datetime import UTC, datetime, timedelta

from analytics.freshness import feed_state

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def ago(seconds):
    return NOW - timedelta(seconds=seconds)


def test_states_follow_the_age_of_the_last_success():
    assert feed_state(NOW, ago(30), "ok", 60, 3) == "live"
    assert feed_state(NOW, ago(120), "ok", 60, 3) == "delayed"
    assert feed_state(NOW, ago(200), "ok", 60, 3) == "stale"


def test_a_failed_last_run_makes_the_feed_stale_at_once():
    assert feed_state(NOW, ago(30), "failed", 60, 3) == "stale"
    assert feed_state(NOW, None, "failed", 60, 3) == "stale"
    assert feed_state(NOW, None, None, 60, 3) == "never"
