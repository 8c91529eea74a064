"""The public city pulse (/pulse, issue 20 part 5) over a store seeded as the demo leaves
it: not served unless the city publishes it; published, anyone signed out reads each
zone's traffic, containers and complaints as the store's rows give them (counted here
by SQL of the test's own; complaints as C3 publishes them: closed once C3 validated the
fix, overdue past the work order's due time), nothing of any complainant, and any site
(or the listed ones) may show it in a frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from app import create_app
from config import load_settings
from services.context import Services, attach_services
from store.cache import Cache
from tests.helpers import TZ, rows, seed_demo_day
from tests.helpers.work_orders import add_order

SECRET_TEXT = "Purple giraffe stuck on the roof again"
SECRET_ADDRESS = "Salaisuudenkuja 17 B 42"
SECRET_ID = "pulse-secret-4711"
LEVELS = {"default_target_hours": 12, "types": {"PULSE-X": {"target_hours": 2}}}


def add_request(cur, request_id: str, code: str, filed: datetime, zone: str,
                text: str = "", address: str = "") -> None:
    cur.execute(
        "INSERT INTO service_requests (source, request_id, status, service_code, "
        "service_name, description, requested_at, updated_at, address, lon, lat, zone_id) "
        "VALUES ('311', ?, 'open', ?, 'Something odd', ?, ?, ?, ?, 24.94, 60.17, ?)",
        [request_id, code, text, filed, filed, address, zone],
    )  # fmt: skip


@pytest.fixture
def seeded(store, demo_city):
    now = datetime.now(UTC)
    seed_demo_day(store, demo_city, now)
    zone = rows(store, "SELECT zone_id FROM zones ORDER BY zone_id LIMIT 1")[0][0]
    with store.transaction() as cur:  # a resident's own words, address and id: never shown
        add_request(cur, SECRET_ID, "PULSE-X", now - timedelta(hours=3), zone, SECRET_TEXT,
                    SECRET_ADDRESS)  # fmt: skip
        add_request(cur, "pulse-fixed", "PULSE-X", now - timedelta(hours=3), zone)
        add_request(cur, "pulse-late", "PULSE-Y", now - timedelta(minutes=20), zone)
    # open at the source, but C3 validated the fix a minute ago: closed as published
    add_order(store, "311", "pulse-fixed", "validated", now - timedelta(hours=1),
              now - timedelta(minutes=1))  # fmt: skip
    # filed 20 minutes ago (its level: 12 h), but its work order was due 5 minutes ago
    add_order(store, "311", "pulse-late", "assigned", now - timedelta(minutes=5))
    return store


def serve(dash_app, store, city, tmp_path, **open_data):
    settings = load_settings(timezone=TZ, data_dir=tmp_path, service_levels=LEVELS,
                             open_data=open_data)  # fmt: skip
    svc = Services(settings=settings, store=store, cache=Cache(None), map_bounds=city.bounds)
    if "app" not in dash_app:
        dash_app["app"] = create_app(svc)
    attach_services(dash_app["app"].server, svc)
    return dash_app["app"].server.test_client()  # signed out


def frame_ancestors(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return next(d.split()[1:] for d in policy.split("; ") if d.startswith("frame-ancestors "))


def table(page, caption: str) -> dict[str, list[str]]:
    """A table of the page (by the start of its caption): row header -> its cells."""
    found = [t for t in page.iter("table")
             if t.find("caption").text_content().startswith(caption)]  # fmt: skip
    assert len(found) == 1, caption
    return {
        tr.find("th").text_content().strip(): [td.text_content().strip() for td in tr.iter("td")]
        for tr in found[0].iter("tr")
        if tr.find("th") is not None and tr.find("th").get("scope") == "row"
    }


def test_the_pulse_is_not_served_unless_the_city_publishes_it(dash_app, store, city, tmp_path):
    answer = serve(dash_app, store, city, tmp_path).get("/pulse")
    assert answer.status_code == 404
    assert answer.mimetype == "text/plain"
    assert "not published" in answer.get_data(as_text=True)
    assert frame_ancestors(answer) == ["'none'"]  # nothing to embed
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_a_city_without_readings_yet_gets_a_clear_empty_state(dash_app, store, city, tmp_path):
    answer = serve(dash_app, store, city, tmp_path, pulse=True).get("/pulse")
    assert answer.status_code == 200
    page = lxml.html.fromstring(answer.get_data(as_text=True))
    empty = [p.text_content() for p in page.find_class("c3-pulse-empty")]
    assert len(empty) == 3 and not page.xpath("//table"), empty
    assert "No traffic readings" in empty[0] and "No container" in empty[1]
    assert "No complaint is open" in empty[2]
    assert page.xpath("//h2/text()") == ["Today's traffic", "Full containers", "Complaints"]


def expected_traffic(store, now) -> dict[str, tuple[str, str]]:
    """Zone name -> (share of road length congested, congestion index), as shown."""
    found = rows(store, """
        WITH latest AS (
            SELECT segment_id, arg_max(congested, observed_at) AS congested,
                   arg_max(travel_time_s, observed_at) AS tt, max(observed_at) AS at
            FROM traffic_readings WHERE observed_at <= $now GROUP BY ALL)
        SELECT coalesce(z.name, s.zone_id), sum(s.length_m) FILTER (l.congested) / sum(s.length_m),
               sum(l.tt) FILTER (isfinite(l.tt))
                   / sum(s.length_m / (s.freeflow_kmh / 3.6)) FILTER (isfinite(l.tt))
        FROM latest l JOIN road_segments s USING (segment_id) LEFT JOIN zones z USING (zone_id)
        WHERE l.at > $now - INTERVAL 30 MINUTE GROUP BY ALL""", {"now": now})  # fmt: skip
    return {name: (f"{(share or 0) * 100:.0f} %", f"{index:.2f}×") for name, share, index in found}


def expected_waste(store, now) -> dict[str, list[str]]:
    """Zone name -> [full, at 80 % or more, 'reporting of total'], as shown."""
    found = rows(store, """
        WITH latest AS (
            SELECT container_id, arg_max(fill_level, observed_at) AS fill,
                   max(observed_at) AS at
            FROM waste_readings WHERE observed_at <= $now AND fill_level IS NOT NULL
            GROUP BY ALL),
        emptied AS (SELECT container_id, max(collected_at) AS at FROM waste_collections
                    WHERE collected_at <= $now GROUP BY ALL)
        SELECT coalesce(z.name, c.zone_id),
               count(l.fill) FILTER (l.fill >= 0.999 AND l.at > $now - INTERVAL 30 MINUTE
                                     AND (e.at IS NULL OR l.at > e.at)),
               count(l.fill) FILTER (l.fill >= 0.8 AND l.at > $now - INTERVAL 30 MINUTE
                                     AND (e.at IS NULL OR l.at > e.at)),
               count(l.fill) FILTER (l.at > $now - INTERVAL 30 MINUTE
                                     AND (e.at IS NULL OR l.at > e.at)),
               count(*)
        FROM waste_containers c LEFT JOIN latest l USING (container_id)
        LEFT JOIN emptied e USING (container_id) LEFT JOIN zones z USING (zone_id)
        GROUP BY ALL""", {"now": now})  # fmt: skip
    return {name: [str(full), str(over), f"{live} of {total}"]
            for name, full, over, live, total in found}  # fmt: skip


def expected_complaints(store, now) -> dict[str, list[str]]:
    """Zone name -> [open, overdue, filed today, closed today], as shown: closed when the
    source closed it or its work order was validated, due when the order is, else when
    the source expects it, else after the service level's hours."""
    midnight = now.astimezone(ZoneInfo(TZ)).replace(hour=0, minute=0, second=0, microsecond=0)
    found = rows(store, """
        WITH closings AS (SELECT source, request_id, max(changed_at) AS at
                          FROM service_request_events WHERE status = 'closed' GROUP BY ALL),
        published AS (
            SELECT r.*, r.status = 'open' AND o.state IS DISTINCT FROM 'validated' AS open,
                   coalesce(o.due_at, r.expected_at, r.requested_at + INTERVAL
                       (CASE WHEN r.service_code = 'PULSE-X' THEN 2 ELSE 12 END) HOUR) AS due,
                   least(CASE WHEN r.status = 'closed' THEN coalesce(c.at, r.updated_at) END,
                         CASE WHEN o.state = 'validated' THEN o.closed_at END) AS closed_at
            FROM service_requests r LEFT JOIN closings c USING (source, request_id)
            LEFT JOIN work_order_requests l USING (source, request_id)
            LEFT JOIN work_orders o USING (order_id))
        SELECT coalesce(z.name, r.zone_id),
               count(*) FILTER (r.open),
               count(*) FILTER (r.open AND r.due < $now),
               count(*) FILTER (r.requested_at >= $midnight AND r.requested_at <= $now),
               count(*) FILTER (r.closed_at BETWEEN $midnight AND $now)
        FROM published r LEFT JOIN zones z USING (zone_id) WHERE r.requested_at IS NOT NULL
        GROUP BY ALL
        """, {"now": now, "midnight": midnight})  # fmt: skip
    return {name: [str(n) for n in counts] for name, *counts in found}


def test_anyone_reads_each_zone_as_the_store_has_it_and_nothing_of_a_person(
    dash_app, seeded, city, tmp_path
):
    client = serve(dash_app, seeded, city, tmp_path, pulse=True)
    before = datetime.now(UTC)
    answer = client.get("/pulse")
    after = datetime.now(UTC)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    body = answer.get_data(as_text=True)
    page = lxml.html.fromstring(body)
    zones = dict(rows(seeded, "SELECT coalesce(name, zone_id), zone_id FROM zones"))

    traffic = table(page, "Traffic by area")
    shown = {name: tuple(cells) for name, cells in traffic.items() if name != "Whole city"}
    assert set(shown) == set(zones)  # every zone, by its name
    live = expected_traffic(seeded, before)
    assert live and {k: v for k, v in shown.items() if v != ("—", "—")} == live

    waste, counted = table(page, "Containers by area"), expected_waste(seeded, before)
    for name in zones:
        assert waste[name] == counted.get(name, ["0", "0", "0 of 0"]), name
    assert any(cells[0] != "0" or cells[1] != "0" for cells in waste.values())  # not all empty

    complaints = table(page, "Complaints by area")
    mine = next(name for name, zone in zones.items()
                if zone == rows(seeded, "SELECT min(zone_id) FROM zones")[0][0])  # fmt: skip
    counted = [expected_complaints(seeded, at) for at in (before, after)]
    for name, cells in complaints.items():
        if name == "Whole city":
            continue
        early, late = (found.get(name, ["0"] * 4) for found in counted)
        assert early[0] == cells[0] == late[0] and cells[2:] == early[2:] == late[2:], name
        assert int(early[1]) <= int(cells[1]) <= int(late[1]), name  # overdue only grows
    assert int(complaints[mine][1]) >= 2  # the resident's (3 h old, due after 2 h); the late
    city = rows(seeded, "SELECT count(*) FROM service_requests WHERE status = 'open'")[0][0]
    assert complaints["Whole city"][0] == str(city - 1)  # the validated fix: closed

    for secret in (SECRET_TEXT, SECRET_ADDRESS, SECRET_ID, "Salaisuudenkuja", "giraffe"):
        assert secret not in body
    assert "Something odd" not in body  # not even the service type of one request


def test_the_pulse_may_be_framed_by_any_site_or_the_listed_ones(dash_app, seeded, city, tmp_path):
    anyone = serve(dash_app, seeded, city, tmp_path, pulse=True).get("/pulse?embed=1")
    assert anyone.status_code == 200
    assert frame_ancestors(anyone) == ["*"]
    assert "X-Frame-Options" not in anyone.headers
    page = lxml.html.fromstring(anyone.get_data(as_text=True))
    assert not page.xpath("//header")  # no page header in a frame; a one-line credit
    assert page.xpath("//footer/@class") == ["c3-pulse-credit"]  # with the licence's link
    assert page.xpath("//footer//a[@rel='license']") and page.xpath("//base/@target") == ["_blank"]
    assert page.xpath("//body/@data-refresh-s") == ["300"]  # pulse.js updates it
    assert page.xpath("//script/@src") == ["/field/static/pulse.js"]
    assert not [s for s in page.xpath("//script") if not s.get("src")]  # none inline

    city_site = "https://www.city.example"
    listed = serve(dash_app, seeded, city, tmp_path, pulse=True, pulse_frame_origins=[city_site])
    answer = listed.get("/pulse")
    assert frame_ancestors(answer) == [city_site]
    assert "X-Frame-Options" not in answer.headers
    assert frame_ancestors(listed.get("/explore")) == ["'none'"]  # the screens stay unframed
    full = lxml.html.fromstring(answer.get_data(as_text=True))
    assert full.xpath("//footer//a[@href='/open-data/v1/']")
    assert full.xpath("//footer//a[@rel='license']/@href") == [
        "https://creativecommons.org/licenses/by/4.0/"
    ]
