"""Snapshot reports from a DuckDB seeded by the simulator (issue #6): the report's figures
are those direct queries give, the PDF has the expected pages on the configured paper,
no complainant's text reaches it, and a domain without data is marked missing while the
rest of the report stands."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pandas as pd
import pypdfium2 as pdfium
import pytest

from config import ReportKind, load_settings
from connectors.runner import build_connector, run_connector
from geo.basemap import basemap_file
from services.collection import CollectionPlanner
from services.reports.producer import Reporter
from sim.demo_history import backfill_demo
from store import Store, reports
from store.city import load_city_model
from tests.helpers import FIXED_NOW, TZ, demo_feeds

DAILY = ReportKind(name="city-daily", title="City daily report", cron="0 9 * * *")  # FIXED_NOW
WASTE = ReportKind(name="waste-weekly", title="Waste weekly report", cron="0 9 * * tue",
                   department="waste", paper="Letter")  # fmt: skip
A4_PT, LETTER_PT = (595, 842), (612, 792)
EARLIER = FIXED_NOW - timedelta(hours=6, minutes=30)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, city, demo_city, sim_fixed):
    """Three days of simulated history up to FIXED_NOW and one poll of every feed then."""
    root = tmp_path_factory.mktemp("reports")
    store = Store(root / "c3.duckdb")
    load_city_model(store, city)
    backfill_demo(store, demo_city, days=3, step_minutes=30, now=FIXED_NOW)
    feeds = demo_feeds(sim_fixed.url)
    for feed in feeds:
        assert run_connector(build_connector(feed, TZ), store, now=FIXED_NOW).status == "ok"
    with store.transaction() as cur:  # the polls ran at FIXED_NOW on the simulator's clock
        cur.execute("UPDATE ingest_runs SET finished_at = started_at")
    settings = load_settings(timezone=TZ, data_dir=root / "var", reports=[DAILY, WASTE])
    reporter = Reporter(
        store, settings, city.bounds, basemap_file(city.extract_path, root / "basemap"),
        {f.name: f.interval_s for f in feeds}, CollectionPlanner(store, city, settings),
    )  # fmt: skip
    produced = {k.name: reporter.produce(k, FIXED_NOW, now=FIXED_NOW) for k in (DAILY, WASTE)}
    with store.reading() as cur:
        busiest = [z for (z,) in cur.execute(
            "SELECT zone_id FROM waste_containers GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 2"
        ).fetchall()]  # fmt: skip
    zoned = ReportKind(name="two-zones", title="Two zones", cron="0 9 * * *", zones=busiest)
    produced["two-zones"] = reporter.produce(zoned, FIXED_NOW, now=FIXED_NOW)
    # a moment before the newest data: nothing after it may show
    produced["earlier"] = reporter.produce(DAILY, EARLIER, now=FIXED_NOW)
    yield store, settings, produced
    store.close()


def figure(html: str, key: str) -> str:
    """The value the HTML shows for a figure (its data-key), as printed."""
    found = re.search(rf'data-key="{re.escape(key)}">\s*<span class="v">([^<]*)</span>', html)
    assert found, f"figure {key} not in the report"
    return found[1].replace("\u2009", "")


def pdf_pages(path) -> list[tuple[tuple[int, int], str]]:
    pdf = pdfium.PdfDocument(str(path))
    pages = [
        (tuple(round(v) for v in page.get_size()),
         " ".join(page.get_textpage().get_text_range().split()))  # fmt: skip
        for page in pdf
    ]
    pdf.close()
    return pages


def scalar(store, sql: str, **params):
    with store.reading() as cur:
        return cur.execute(sql, params).fetchone()[0]


LATEST_FILL = """
    WITH emptied AS (SELECT container_id, max(collected_at) AS at FROM waste_collections
                     WHERE collected_at <= $at GROUP BY ALL)
    SELECT r.container_id, arg_max(r.fill_level, r.observed_at) AS fill
    FROM waste_readings r LEFT JOIN emptied e USING (container_id)
    WHERE r.observed_at > $at - INTERVAL 30 MINUTE AND r.observed_at <= $at
      AND r.fill_level IS NOT NULL AND (e.at IS NULL OR r.observed_at > e.at)
    GROUP BY ALL"""


def test_the_daily_report_shows_the_figures_direct_queries_give(seeded):
    store, settings, produced = seeded
    html = produced["city-daily"].files.html.read_text()
    at = FIXED_NOW
    over_80 = scalar(store, f"SELECT count(*) FILTER (fill > 0.8) FROM ({LATEST_FILL})", at=at)
    reporting = scalar(store, f"SELECT count(*) FROM ({LATEST_FILL})", at=at)
    assert reporting > 100 and over_80 > 0
    assert figure(html, "waste.over_80") == str(over_80)
    assert figure(html, "waste.reporting") == str(reporting)
    index = scalar(
        store,
        """SELECT sum(tt) / sum(ff) FROM (
               SELECT arg_max(r.travel_time_s, r.observed_at) AS tt,
                      any_value(s.length_m / (s.freeflow_kmh / 3.6)) AS ff
               FROM traffic_readings r JOIN road_segments s USING (segment_id)
               WHERE r.observed_at > $at - INTERVAL 30 MINUTE AND r.observed_at <= $at
               GROUP BY r.segment_id)""",
        at=at,
    )
    assert figure(html, "traffic.index") == f"{index:.2f}"
    # open then: filed by then and not closed by then (the simulator never reopens)
    open_then = """
        FROM service_requests r
        WHERE r.requested_at <= $at AND NOT EXISTS (
            SELECT 1 FROM service_request_events e WHERE e.request_id = r.request_id
              AND e.status = 'closed' AND e.changed_at <= $at)"""
    open_count = scalar(store, f"SELECT count(*) {open_then}", at=at)
    target_h = settings.service_levels.default_target_hours
    overdue = scalar(
        store,
        f"""SELECT count(*) {open_then} AND coalesce(r.expected_at,
                r.requested_at + INTERVAL ({target_h}) HOUR) < $at""",
        at=at,
    )
    assert open_count > 0 and overdue > 0
    assert figure(html, "complaints.open") == str(open_count)
    assert figure(html, "complaints.overdue") == str(overdue)
    assert figure(html, "feeds.live") == "3"
    # the overdue table by service type adds up to the figure, and names no one
    section = html[html.index('id="overdue"') : html.index('id="trends"')]
    assert f"<strong>{overdue}</strong> of {open_count} open requests" in section
    with store.reading() as cur:
        texts = [t for (t,) in cur.execute(
            "SELECT description FROM service_requests WHERE length(description) > 12"
        ).fetchall()]  # fmt: skip
        containers_at = {
            a for (a,) in cur.execute("SELECT address FROM waste_containers").fetchall()
        }
        addresses = [a for (a,) in cur.execute(
            "SELECT DISTINCT address FROM service_requests WHERE address IS NOT NULL"
        ).fetchall() if a not in containers_at]  # fmt: skip
    assert texts and addresses
    pdf_text = " ".join(t for _, t in pdf_pages(produced["city-daily"].files.pdf))
    for text in texts:
        assert text not in unescape(html) and text not in pdf_text
    # in the HTML, where cells are apart ("F · Mannerheimintie" then "1" in the PDF's text
    # is a zone and a count); "Annankatu 1" is not in "Annankatu 15", a container's address
    for address in addresses:
        assert not re.search(rf"(?<!\w){re.escape(address)}(?!\d)", unescape(html)), address
    # the worst segment is the one where drivers lose the most time over free flow then
    with store.reading() as cur:
        name, ratio = cur.execute(
            """SELECT s.name, l.ratio FROM (
                   SELECT segment_id, arg_max(congestion_ratio, observed_at) AS ratio,
                          arg_max(travel_time_s, observed_at) AS tt
                   FROM traffic_readings WHERE observed_at > $at - INTERVAL 30 MINUTE
                     AND observed_at <= $at GROUP BY segment_id) l
               JOIN road_segments s USING (segment_id)
               ORDER BY l.tt - s.length_m / (s.freeflow_kmh / 3.6) DESC LIMIT 1""",
            {"at": at},
        ).fetchone()
    segments = html[html.index('id="segments"') : html.index('id="overdue"')]
    assert segments.count("<tr><td>") == 10
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert not [c for c in cells if c.strip().lower() in ("nan", "none", "nat")]
    first_row = segments[segments.index("<tr><td>") :].split("</tr>")[0]
    assert f"<td>{name}</td>" in first_row and f"× {ratio:.2f}" in first_row
    assert produced["city-daily"].missing == []


def test_changes_run_from_the_previous_report(seeded):
    store, _, produced = seeded
    html = produced["city-daily"].files.html.read_text()
    before = FIXED_NOW - timedelta(days=1)
    was = scalar(store, f"SELECT count(*) FILTER (fill > 0.8) FROM ({LATEST_FILL})", at=before)
    now = int(figure(html, "waste.over_80"))
    shown = re.search(r'data-key="waste.over_80">.*?<span class="c">([^<]*)<', html, re.S)[1]
    expected = "±0" if now == was else f"{'+' if now > was else '−'}{abs(now - was)}"
    assert shown == expected


def test_the_pdf_has_the_expected_pages_on_the_configured_paper(seeded):
    _, _, produced = seeded
    daily = pdf_pages(produced["city-daily"].files.pdf)
    assert {size for size, _ in daily} == {A4_PT}
    first = daily[0][1]
    assert "City daily report" in first and "The city at 09:00" in first and "Map" in first
    assert "SIMULATED DATA" in first and "page 1 of" in first
    starts = {heading: i for i, (_, text) in enumerate(daily) for heading in (
        "Collection windows, next 24 h", "Containers over threshold",
        "The 10 worst segments", "Overdue complaints by service type", "Trends,",
    ) if heading in text}  # fmt: skip
    assert len(starts) == 5, starts
    assert starts["Collection windows, next 24 h"] >= 1  # after the figures and the map
    assert starts["Trends,"] == max(starts.values())
    assert "Produced by C3 at" in daily[-1][1]
    weekly = pdf_pages(produced["waste-weekly"].files.pdf)
    assert {size for size, _ in weekly} == {LETTER_PT}
    text = " ".join(t for _, t in weekly)
    assert "waste department" in text and "Collection windows" in text
    assert "worst segments" not in text and "Overdue complaints" not in text


def test_files_have_stable_names_in_city_time(seeded):
    _, settings, produced = seeded
    folder = settings.report_folder
    daily = produced["city-daily"].files
    assert daily.html == folder / "city-daily" / "2026-11-17T0900.html"
    assert daily.pdf == folder / "city-daily" / "2026-11-17T0900.pdf"
    assert produced["waste-weekly"].files.html.name == "2026-11-17T0900.html"


def test_a_domain_without_data_is_marked_missing_and_the_rest_stands(store, city, demo_city,
                                                                      tmp_path):  # fmt: skip
    backfill_demo(store, demo_city, days=1, step_minutes=15, now=FIXED_NOW)  # no complaints
    settings = load_settings(timezone=TZ, data_dir=tmp_path / "var", reports=[DAILY])
    reporter = Reporter(store, settings, city.bounds, None, {"complaints": 60})
    produced = reporter.produce(DAILY, FIXED_NOW, now=FIXED_NOW)
    missing = produced.missing
    assert any(m.startswith("Complaints: no service requests recorded by") for m in missing)
    assert not any(m.startswith(("Waste:", "Traffic:", "Feeds:")) for m in missing)
    assert "Collection windows, next 24 h: collection planning" in " ".join(produced.missing)
    html = produced.files.html.read_text()
    assert "Parts missing from this report" in html
    assert figure(html, "waste.reporting") != "—"  # the rest of the report stands
    assert produced.files.pdf.exists()
    pages = pdf_pages(produced.files.pdf)
    assert "Missing: no service requests recorded by 2026-11-17 09:00 EET" in pages[0][1]
    frame = pd.DataFrame(produced.snapshot.parts["figures.traffic"].data["figures"])
    assert frame["value"].notna().all()


def test_a_domain_whose_newest_reading_is_days_old_says_when_it_was(store, city, demo_city,
                                                                    tmp_path):  # fmt: skip
    stopped = FIXED_NOW - timedelta(days=6)  # the feeds stopped on Wed 11 Nov, 09:00 local:
    backfill_demo(store, demo_city, days=1, step_minutes=15, now=stopped)  # the last at 08:45
    settings = load_settings(timezone=TZ, data_dir=tmp_path / "var", reports=[DAILY])
    produced = Reporter(store, settings, city.bounds, None, {}).produce(DAILY, FIXED_NOW,
                                                                        now=FIXED_NOW)  # fmt: skip
    newest = {
        table: f"{scalar(store, f'SELECT max(observed_at) FROM {table}'):%H:%M}"
        for table in ("waste_readings", "traffic_readings")
    }
    assert newest == {"waste_readings": "06:45", "traffic_readings": "06:45"}  # UTC: 08:45 EET
    stamp = "2026-11-17 09:00 EET"
    missing = produced.missing
    for line in (
        f"Waste: no container readings in the 30 minutes before {stamp}; "
        "newest reading Wed 11 Nov 08:45",
        f"Traffic: no segment readings in the 30 minutes before {stamp}; "
        "newest reading Wed 11 Nov 08:45",
        f"Containers over threshold: no data by {stamp}; newest reading Wed 11 Nov 08:45",
        f"The 10 worst segments: no data by {stamp}; newest reading Wed 11 Nov 08:45",
    ):
        assert line in missing, missing
    assert "newest reading Wed 11 Nov 08:45" in produced.files.html.read_text()
    # a report of a moment before any reading says only that there is none
    early = Reporter(store, settings, city.bounds, None, {}).produce(
        DAILY, stopped - timedelta(days=2), now=FIXED_NOW
    )
    assert not [m for m in early.missing if "newest reading" in m], early.missing
    with store.reading() as cur:  # in a zone report: that of its zones' containers
        (zone,) = cur.execute("SELECT any_value(zone_id) FROM waste_containers").fetchone()
        assert reports.newest_reading(cur, "waste", FIXED_NOW, [zone]) == stopped - timedelta(
            minutes=15)  # fmt: skip
        assert reports.newest_reading(cur, "waste", FIXED_NOW, ["no-such-zone"]) is None


def test_a_zone_report_counts_only_its_zones(seeded):
    store, _, produced = seeded
    report = produced["two-zones"]
    zones = report.snapshot.kind.zones
    html = report.files.html.read_text()
    with store.reading() as cur:
        over_80 = cur.execute(
            f"""SELECT count(*) FILTER (fill > 0.8), count(*) FROM ({LATEST_FILL}) f
                JOIN waste_containers c USING (container_id)
                WHERE list_contains($zones, zone_id)""",
            {"at": FIXED_NOW, "zones": zones},
        ).fetchone()
        names = {n for (n,) in cur.execute(
            "SELECT coalesce(name, zone_id) FROM zones WHERE list_contains(?, zone_id)", [zones]
        ).fetchall()}  # fmt: skip
        city = cur.execute(f"SELECT count(*) FROM ({LATEST_FILL})", {"at": FIXED_NOW}).fetchone()
    assert over_80[1] < city[0]
    assert figure(html, "waste.over_80") == str(over_80[0])
    assert figure(html, "waste.reporting") == str(over_80[1])
    rows = report.snapshot.parts["segments"].data["rows"]
    assert set(rows["zone"]) <= names and len(rows) == 10
    assert set(report.snapshot.parts["windows"].data["rows"]["zone_name"]) <= names
    assert "zones " in report.snapshot.scope


def test_a_report_of_an_earlier_moment_shows_nothing_from_after_it(seeded):
    store, _, produced = seeded
    report = produced["earlier"]
    assert report.files.html.name == "2026-11-17T0230.html"
    series = report.snapshot.parts["trends"].data["series"]
    open_figure = next(f for f in report.snapshot.parts["figures.complaints"].data["figures"]
                       if f.key == "open")  # fmt: skip
    assert series["complaints"][-1][1] == open_figure.value  # the last hour ends at the moment
    last_hour = series["waste"][-1][0]
    assert last_hour <= EARLIER and all(h <= EARLIER for h, _ in series["traffic"])
    with store.reading() as cur:
        filed_after = cur.execute(
            "SELECT count(*) FROM service_requests WHERE requested_at > ?", [EARLIER]
        ).fetchone()[0]
    assert filed_after > 0  # the store holds later requests; the report does not count them
