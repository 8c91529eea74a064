"""Feed states as an operator reads them."""

from datetime import UTC, datetime, timedelta

from analytics.freshness import feed_state, operator_state

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


def test_the_operators_view_says_failing_where_the_wall_says_stale():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    recent = now - timedelta(seconds=30)
    assert operator_state(now, recent, "failed", 60, 3) == "failing"
    assert feed_state(now, recent, "failed", 60, 3) == "stale"
    assert operator_state(now, None, "failed", 60, 3) == "failing"
    assert operator_state(now, recent, "ok", 60, 3) == "live"
    assert operator_state(now, now - timedelta(minutes=2), "ok", 60, 3) == "delayed"
    assert operator_state(now, now - timedelta(minutes=4), "ok", 60, 3) == "stale"
    assert operator_state(now, None, None, 60, 3) == "never"
