"""The `/` refresh callback, called directly against a small store."""

from datetime import UTC, datetime

from dash import no_update
from flask import Flask

from callbacks.home import refresh_home
from config import load_settings
from services.context import Services, attach_services
from store.cache import Cache
from store.ledger import RunRecord, bump_version, write_run
from tests.helpers import badge_states


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
