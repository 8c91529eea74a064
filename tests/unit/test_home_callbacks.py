"""The `/` refresh callback, called directly against a small store."""

from datetime import UTC, datetime, timedelta

from dash import no_update
from flask import Flask

from callbacks.home import refresh_home
from components.feed_badges import feed_badges
from config import load_settings
from services.context import Services, attach_services
from store.cache import Cache
from store.ledger import RunRecord, bump_version, write_run


def badge_states(badges):
    return {
        b.to_plotly_json()["props"]["data-feed"]: b.to_plotly_json()["props"]["data-state"]
        for b in badges
    }


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
        runs, {"waste": 60, "traffic": 60, "complaints": 60}, NOW, "Europe/Helsinki", 3
    )
    assert badge_states(badges) == {"waste": "live", "traffic": "stale", "complaints": "never"}
    text = str(badges[1].to_plotly_json())
    assert "2.0 h ago" in text and ("EET" in text or "EEST" in text)
    assert "last run failed" in text
    assert badges[1].to_plotly_json()["props"]["title"] == "ConnectionError: refused"


def test_refresh_points_layers_at_the_current_versions_and_only_when_they_change(store):
    NOW = datetime.now(UTC)
    with store.transaction() as cur:
        bump_version(cur, "waste")
        bump_version(cur, "waste")
        write_run(
            cur, RunRecord("waste", "waste", started_at=NOW, finished_at=NOW, fetched=3, inserted=3)
        )
    server = Flask(__name__)
    settings = load_settings()
    attach_services(
        server,
        Services(
            settings=settings,
            store=store,
            cache=Cache(None),
            map_bounds=(0, 0, 1, 1),
            feed_intervals={"waste": 60},
        ),
    )
    with server.test_request_context():
        unwrapped = getattr(refresh_home, "__wrapped__", refresh_home)
        first = unwrapped(1, None, None, None, None)
        traffic, waste, complaints, zones, badges, clock = first
        assert waste.startswith("/api/layers/waste.geojson?v=2.")  # live: version.time-bucket
        assert traffic.startswith("/api/layers/traffic.geojson?v=0.")
        assert complaints == "/api/layers/complaints.geojson?v=0"
        assert badge_states(badges) == {"waste": "live"}
        again = unwrapped(2, traffic, waste, complaints, zones)
    assert all(url is no_update for url in again[:4])  # same versions: nothing refetched
