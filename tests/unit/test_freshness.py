"""Feed states as an operator reads them."""

from datetime import UTC, datetime, timedelta

from analytics.freshness import (
    Freshness,
    assess,
    data_limit_s,
    data_note,
    degraded,
    feed_state,
    local_day,
    operator_state,
    short_age,
)

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


# -- by the data: the newest observation a feed has delivered (issue 15) -------------------
def fed(newest, domain="traffic", success=30, status="ok"):
    """A feed_status row: the last run `success` s ago, its newest observation `newest`."""
    return {"last_success_at": None if success is None else ago(success), "last_status": status,
            "domain": domain, "newest_observed_at": newest}  # fmt: skip


def test_runs_that_succeed_with_days_old_readings_leave_the_feed_stale_by_data():
    fresh = assess(NOW, fed(NOW - timedelta(days=6)), 60, 3, 0.2)
    assert (fresh.state, fresh.stale_by) == ("stale", "data")
    assert assess(NOW, fed(NOW - timedelta(days=6)), 60, 3, 0.2, operator=True).state == "stale"
    # NOW is Tue 24 Nov 12:00 UTC; six days before is Wed 18 Nov, 14:00 in Helsinki
    assert data_note(fresh, NOW, "Europe/Helsinki") == (
        "newest observation 6 d old (Wed 18 Nov 14:00); runs succeed"
    )
    # fresh readings: the runs say
    assert assess(NOW, fed(ago(60)), 60, 3, 0.2) == Freshness("live", None, ago(60), 7200)
    assert assess(NOW, fed(ago(60), success=120), 60, 3, 0.2).state == "delayed"


def test_the_limit_of_a_readings_feed_is_its_domains_and_never_below_its_run_limit():
    assert data_limit_s("traffic", 60, 3) == 2 * 3600
    assert data_limit_s("waste", 60, 3) == 24 * 3600
    assert data_limit_s("traffic", 86400, 3) == 3 * 86400  # a daily export's readings
    assert data_limit_s("complaints", 60, 3) is None and data_limit_s(None, 60, 3) is None
    assert assess(NOW, fed(ago(3 * 3600)), 60, 3, 0.2).stale_by == "data"
    assert assess(NOW, fed(ago(3 * 3600), "waste"), 60, 3, 0.2).state == "live"
    assert assess(NOW, fed(ago(25 * 3600), "waste"), 60, 3, 0.2).stale_by == "data"
    assert assess(NOW, fed(ago(2 * 86400)), 86400, 3, 0.2).state == "live"


def test_complaints_are_judged_by_their_runs_not_by_the_age_of_the_newest_request():
    quiet = assess(NOW, fed(NOW - timedelta(days=6), "complaints"), 60, 3, 0.2)
    assert (quiet.state, quiet.stale_by) == ("live", None)
    assert quiet.newest_observed_at == NOW - timedelta(days=6)  # still shown


def test_a_feed_whose_runs_fail_or_stopped_is_stale_by_its_runs_whatever_its_data():
    old = NOW - timedelta(days=6)
    assert assess(NOW, fed(old, status="failed"), 60, 3, 0.2).stale_by == "run"
    failing = assess(NOW, fed(ago(10), status="failed"), 60, 3, 0.2, operator=True)
    assert (failing.state, failing.stale_by) == ("failing", "run")
    assert assess(NOW, fed(ago(10), success=600), 60, 3, 0.2).stale_by == "run"
    assert assess(NOW, {}, 60, 3, 0.2) == Freshness("never", None, None)
    assert assess(NOW, fed(None), 60, 3, 0.2).state == "live"  # nothing delivered yet
    degraded_old = {**fed(old), "last_fetched": 10, "last_rejected": 9}
    assert assess(NOW, degraded_old, 60, 3, 0.2).state == "stale"  # no new data says more


def test_a_day_is_told_in_city_time_with_the_year_only_when_it_is_another():
    assert local_day(NOW, "Europe/Helsinki", NOW) == "Tue 24 Nov 14:00"
    last_year = datetime(2025, 12, 30, 22, 30, tzinfo=UTC)
    assert local_day(last_year, "Europe/Helsinki", NOW) == "Wed 31 Dec 2025 00:30"
    assert local_day(NOW, "Europe/Helsinki", NOW, clock=False) == "Tue 24 Nov"
    assert [short_age(s) for s in (30, 40 * 60, 5 * 3600, 6 * 86400 + 60)] == [
        "0 min", "40 min", "5 h", "6 d"]  # fmt: skip
