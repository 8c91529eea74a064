"""The feed line's badges, from the feeds' last runs: live, stale (with its age) or never."""

from datetime import UTC, datetime, timedelta

from components.feed_badges import feed_badges, misconfigured_badges
from components.wall_tiles import fitting_feed_badges
from config import ConfigProblem
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


def test_the_wall_shows_the_feeds_to_fix_first_and_counts_the_rest():
    NOW = datetime.now(UTC)
    fresh = NOW - timedelta(seconds=20)
    runs = [{"connector": f"feed{i}", "last_status": "ok", "last_success_at": fresh}
            for i in range(6)]  # fmt: skip
    runs[4]["last_success_at"] = NOW - timedelta(hours=2)  # stale
    intervals = {f"feed{i}": 60 for i in range(6)}
    aside = [ConfigProblem("c3.toml:3", "unknown key intervl_s", "bins")]
    badges = misconfigured_badges(aside) + feed_badges(
        runs, intervals, NOW, "Europe/Helsinki", 3, 0.2)  # fmt: skip
    lines = fitting_feed_badges(badges, room=4)
    assert [getattr(b, "data-feed", None) for b in lines] == ["bins", "feed4", None]
    assert lines[-1].children == "+ 5 more feeds, 5 of them live · see /feeds"
    assert fitting_feed_badges(badges[:4], room=4) == badges[:4]  # they fit: all of them
