"""Feed states as an operator reads them."""

from datetime import UTC, datetime, timedelta

from analytics.freshness import degraded, feed_state, operator_state

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


def test_a_run_that_rejected_most_of_its_records_is_degraded_not_live():
    assert degraded(fetched=10, rejected=3, share=0.2)  # 30 % rejected
    assert not degraded(fetched=10, rejected=2, share=0.2)  # 20 %: not over the line
    assert not degraded(fetched=0, rejected=0, share=0.2)  # an empty poll is not degraded
    assert not degraded(fetched=None, rejected=None, share=0.2)  # no run yet
    assert not degraded(fetched=10, rejected=10, share=1.0)  # 1.0 turns the state off
    assert feed_state(NOW, ago(30), "ok", 60, 3, is_degraded=True) == "degraded"
    assert feed_state(NOW, ago(120), "ok", 60, 3, is_degraded=True) == "degraded"
    assert operator_state(NOW, ago(30), "ok", 60, 3, is_degraded=True) == "degraded"
    # staleness and failure say more: no data arrives at all
    assert feed_state(NOW, ago(200), "ok", 60, 3, is_degraded=True) == "stale"
    assert operator_state(NOW, ago(30), "failed", 60, 3, is_degraded=True) == "failing"
