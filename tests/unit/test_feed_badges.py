"""The feed line's badges, from the feeds' last runs: live, stale (with its age) or never."""

from datetime import UTC, datetime, timedelta

from components.feed_badges import feed_badges
from tests.helpers import badge_states


def test_a_feed_without_recent_success_reads_stale_and_shows_its_age():
    NOW = datetime.now(UTC)
    runs = [
        {"connector": "waste", "last_status": "ok", "last_success_at": NOW - timedelta(seconds=20)},
        {
            "connector": "traffic",
            "last_status": "failed",
            "last_success_at": NOW - timedelta(hours=2),
            "last_error": "ConnectionError: refused",
        },
    ]
    badges = feed_badges(
        runs, {"waste": 60, "traffic": 60, "complaints": 60}, NOW, "Europe/Helsinki", 3, 0.2
    )
    assert badge_states(badges) == {"waste": "live", "traffic": "stale", "complaints": "never"}
    text = str(badges[1].to_plotly_json())
    assert "2.0 h ago" in text and ("EET" in text or "EEST" in text)
    assert "last run failed" in text
    assert badges[1].to_plotly_json()["props"]["title"] == "ConnectionError: refused"


def test_a_feed_whose_last_run_was_mostly_rejected_reads_degraded():
    NOW = datetime.now(UTC)
    recent = NOW - timedelta(seconds=20)
    runs = [
        {"connector": "bins", "last_status": "ok", "last_success_at": recent,
         "last_fetched": 255, "last_rejected": 250},
        {"connector": "roads", "last_status": "ok", "last_success_at": recent,
         "last_fetched": 255, "last_rejected": 5},
    ]  # fmt: skip
    badges = feed_badges(runs, {"bins": 60, "roads": 60}, NOW, "Europe/Helsinki", 3, 0.2)
    assert badge_states(badges) == {"bins": "degraded", "roads": "live"}
    title = badges[0].to_plotly_json()["props"]["title"]
    assert "250 of 255 records of the last run rejected" in title
