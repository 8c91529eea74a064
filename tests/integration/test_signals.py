"""The cross-domain signals find the faults the simulator seeded, and nothing in the same
city without them (issue 19): two weeks of the demo city's readings loaded into a real
DuckDB file, its complaints read by the Open311 connector over HTTP, the four rules run
by the service the screens use."""

from __future__ import annotations

from config import load_settings
from services import signals as service
from services.forecasts import complaint_outlook
from services.reports.render import render_html
from services.signal_orders import open_from_signals
from services.triage import Desk
from tests.helpers import TZ
from tests.helpers.signals import NOW, built, report_snapshot, rises, section


def by_rule(found) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for s in found:
        out.setdefault(s.rule, set()).add(s.feature_id)
    return out


def test_each_seeded_fault_is_found_by_its_rule(faulted):
    store, faults = faulted
    found = service.find(store, load_settings(timezone=TZ), NOW)
    rules = by_rule(found)
    assert set(faults.misreading) <= rules.get("sensor_disagrees", set())
    assert set(faults.unemptied) == rules.get("full_unplanned", set())
    assert set(faults.degrading) == rules.get("road_problem", set())
    assert set(faults.stuck) | set(faults.stuck_segments) == rules.get("stuck_sensor", set())
    # a stuck sensor can disagree with the reports too, but no good sensor is accused
    assert rules["sensor_disagrees"] <= set(faults.misreading) | set(faults.stuck)
    evidence = {s.key: s for s in found}
    disagreement = evidence[f"sensor_disagrees:{faults.misreading[0]}"]
    assert "overflowing-bin report" in disagreement.evidence and disagreement.requests
    road = evidence[f"road_problem:{faults.degrading[0]}"]
    assert "below its profile" in road.evidence and len(road.requests) >= 2


def test_a_city_without_faults_has_no_signals_and_no_zone_whose_complaints_rise(city, tmp_path):
    store = built(city, tmp_path, None)
    try:
        assert service.find(store, load_settings(timezone=TZ), NOW) == []
        outlook = complaint_outlook(store, load_settings(timezone=TZ), NOW)
        assert max(rises(store, outlook).values()) < 8  # the faulted city's: 20 and more
    finally:
        store.close()


def test_the_report_lists_the_signals_of_its_domains(faulted, city):
    store, faults = faulted
    signals = section(render_html(report_snapshot(store), city.bounds, None), "signals")
    assert "Sensor disagrees with reports" in signals and faults.misreading[0] in signals
    assert "below its profile" in signals and "Sensor stuck" in signals
    rows = report_snapshot(store, "traffic").parts["signals"].data["signals"]
    assert set(rows["rule"]) == {"Road problem", "Sensor stuck"}  # its domain's only
    assert "signals" not in report_snapshot(store, "complaints").parts


def test_a_signal_on_residents_reports_opens_one_work_order_with_its_evidence(faulted):
    store, faults = faulted
    desk = Desk(store, load_settings(timezone=TZ), None)
    made = open_from_signals(desk, NOW)
    with store.reading() as cur:
        opened = cur.execute(
            "SELECT e.note, count(DISTINCT l.request_id) FROM work_order_events e "
            "JOIN work_order_requests l USING (order_id) WHERE e.action = 'open' "
            "AND e.who = 'signals' GROUP BY 1 ORDER BY 1").fetchall()  # fmt: skip
    about = {note.split(": ")[1] for note, _ in opened}
    assert about == set(faults.misreading) | set(faults.unemptied) | set(faults.degrading)
    assert len(made) == len(opened) and all(n >= 1 for _, n in opened)
    road = next(note for note, _ in opened if faults.degrading[0] in note)
    assert road.startswith("Road problem") and "below its profile" in road
    assert open_from_signals(desk, NOW) == []  # once: the reports are covered now
