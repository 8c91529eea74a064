"""The demo city with seeded faults, for the cross-domain signals' and the forecasts'
tests (issue 19): two weeks of its readings in a real DuckDB file, six weeks of its
complaints read by the Open311 connector over HTTP, all at FIXED_NOW."""

from __future__ import annotations

from datetime import timedelta

from config import ReportKind, load_settings
from services.reports.content import build_snapshot
from sim.demo_history import backfill_demo
from sim.http import BackgroundServer
from sim.model import DemoCity
from sim.server import create_sim_app
from store import Store
from store.city import load_city_model
from tests.helpers import FIXED_NOW, SEED, TZ, days_back_to_fixed_now
from tests.helpers.feeds import run_open311

NOW = FIXED_NOW
FAULTS_SINCE = NOW - timedelta(days=4)
COMPLAINT_DAYS = 44  # six weeks and more: the complaint forecast's backtest


def built(city, tmp_path, faults) -> Store:
    """A store of the demo city with `faults` (None: a city without any) up to NOW."""
    demo = DemoCity(city, SEED, 120, TZ, faults=faults)
    store = Store(tmp_path / "c3.duckdb")
    load_city_model(store, city)
    backfill_demo(store, demo, days=16, step_minutes=15, now=NOW)
    app = create_sim_app(demo, "Helsinki", clock=lambda: NOW.timestamp())
    with BackgroundServer(app) as server:
        run = run_open311(server.url, store, NOW,
                          backfill_days=days_back_to_fixed_now(COMPLAINT_DAYS))  # fmt: skip
        assert run.status == "ok", run.error
    return store


def rises(store, outlook) -> dict[tuple[str, str], float]:
    """Each zone and type's complaint forecast for the next 7 days (a ComplaintOutlook)
    less its count in the 7 days before the faults began, by (zone_id, service_code)."""
    with store.reading() as cur:
        before = dict(cur.execute(
            """SELECT (coalesce(zone_id, ''), service_code), count(*) FROM service_requests
               WHERE requested_at >= $a - INTERVAL 7 DAY AND requested_at < $a GROUP BY ALL""",
            {"a": FAULTS_SINCE}).fetchall())  # fmt: skip
    return {(r.zone_id, r.service_code): r.next_7d - before.get((r.zone_id, r.service_code), 0)
            for r in outlook.rows.itertuples()}  # fmt: skip


def report_snapshot(store, department: str | None = None):
    """A report of the city (or of one department) at NOW, over the day before."""
    kind = ReportKind(name=department or "city", title="Report", cron="0 7 * * *",
                      department=department)  # fmt: skip
    return build_snapshot(store, load_settings(timezone=TZ), kind, NOW, NOW - timedelta(days=1))


def section(html: str, section_id: str) -> str:
    """A report section's HTML, from its tag to the next section's, whitespace collapsed."""
    start = html.index(f'<section id="{section_id}">')
    end = html.find("<section", start + 1)
    return " ".join(html[start:end if end > 0 else None].split())
