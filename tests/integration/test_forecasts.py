"""The forecasts on the demo city with its seeded faults (issue 19), read from a real
DuckDB file: the degrading road is forecast slower than usual and listed among the
slowest streets; the zone whose dumping reports rise is forecast to get more of them,
and no other; each forecast's backtest error beats the seasonal-naive baseline's; the
reports carry the complaint forecast with its error. Where to look first ranks the
faulted bins and roads near the top and beats inspecting at random."""

from datetime import timedelta

from config import ReportKind, load_settings
from services.forecasts import complaint_outlook, congestion_outlook
from services.inspection import where_to_look
from services.reports.content import build_snapshot
from services.reports.render import render_html
from tests.helpers import TZ
from tests.helpers.signals import NOW, report_snapshot, rises, section


def test_the_degrading_road_is_forecast_slow_and_the_error_beats_last_week(faulted):
    store, faults = faulted
    with store.reading() as cur:
        names = dict(cur.execute("SELECT segment_id, name FROM road_segments").fetchall())
    degrading = {names[s] for s in faults.degrading}
    outlook = congestion_outlook(store, load_settings(timezone=TZ), NOW)
    assert outlook is not None
    assert outlook.at == NOW + timedelta(hours=1) and outlook.ahead_h == 1  # the clock's next
    slowest = list(outlook.forecast)[:3]
    assert degrading & set(slowest), (degrading, slowest)
    for street in degrading:
        ratio, usual = outlook.forecast[street]
        assert ratio > 1.3 * usual, street
    assert outlook.pairs > 1000
    assert outlook.error < outlook.naive_error


def test_without_a_week_of_history_there_is_no_forecast(faulted, store):
    assert congestion_outlook(store, load_settings(timezone=TZ), NOW) is None  # no readings
    faulted_store, _ = faulted
    early = NOW - timedelta(days=8)  # the fault city's history starts 16 days before NOW
    assert congestion_outlook(faulted_store, load_settings(timezone=TZ), early) is None


def test_the_zone_whose_dumping_reports_rise_is_forecast_to_get_more_and_no_other(faulted):
    store, faults = faulted
    with store.reading() as cur:
        zone = cur.execute("SELECT zone_id FROM waste_containers WHERE container_id = ?",
                           [faults.rising[0]]).fetchone()[0]  # fmt: skip
    outlook = complaint_outlook(store, load_settings(timezone=TZ), NOW)
    rise = rises(store, outlook)
    assert rise.pop((zone, "WST-DMP")) > 12  # a week before: ~2 a day; now 16 more a day
    assert max(rise.values()) < 8
    errors = outlook.errors
    assert errors["series"] == len(outlook.rows) and errors["origins"] == 7
    for horizon in ("24h", "7d"):
        assert errors[horizon]["model"] < errors[horizon]["naive"], horizon


def test_the_report_says_how_many_requests_to_expect_and_how_far_to_trust_it(faulted, city):
    store, faults = faulted
    snap = report_snapshot(store, "complaints")
    forecast = section(render_html(snap, city.bounds, None), "forecast")
    errors = complaint_outlook(store, load_settings(timezone=TZ), NOW).errors
    assert f"next 24 h ± {errors['24h']['model']:.1f}" in forecast
    assert f"(the week before: ± {errors['7d']['naive']:.1f})" in forecast
    top = snap.parts["forecast"].data["rows"].iloc[0]
    assert top["zone"] in forecast and "Illegal dumping" in forecast
    assert "forecast" not in report_snapshot(store, "traffic").parts


def test_with_under_three_weeks_of_requests_the_report_says_there_is_no_forecast_yet(
        faulted, city):  # fmt: skip
    store, _ = faulted
    with store.reading() as cur:
        first = cur.execute("SELECT min(requested_at) FROM service_requests").fetchone()[0]
    early = first + timedelta(days=18)
    assert complaint_outlook(store, load_settings(timezone=TZ), early) is None
    desk = ReportKind(name="desk", title="Desk", cron="0 7 * * *", department="complaints")
    snap = build_snapshot(store, load_settings(timezone=TZ), desk, early, early - timedelta(days=1))
    assert "fewer than three weeks of requests" in render_html(snap, city.bounds, None)


def test_where_to_look_first_ranks_the_faulted_bins_and_roads_high_and_beats_chance(faulted):
    store, faults = faulted
    ranking = where_to_look(store, load_settings(timezone=TZ), NOW)
    top = {kind: list(rows["feature_id"]) for kind, rows in ranking.places.groupby("kind")}
    assert set(faults.misreading + faults.unemptied) <= set(top["container"])  # top 20
    assert set(faults.degrading) <= set(top["segment"][:5])
    road = ranking.places.set_index("feature_id").loc[faults.degrading[0]]
    assert "reports in the last 7 days" in road["reasons"]
    assert "slower than usual" in road["reasons"]
    tested = ranking.backtest
    assert tested["origin"] == NOW - timedelta(days=3)
    for kind in ("container", "segment"):
        assert tested[kind]["found"] > 1.5 * tested[kind]["random"], kind
    with store.reading() as cur:
        zone = cur.execute("SELECT zone_id FROM road_segments WHERE segment_id = ?",
                           [faults.degrading[0]]).fetchone()[0]  # fmt: skip
    own = where_to_look(store, load_settings(timezone=TZ), NOW, [zone])
    assert set(own.places["zone"]) == {ranking.zones.set_index("zone_id").loc[zone, "zone"].iloc[0]}
    roads = own.places[own.places["kind"] == "segment"]
    assert faults.degrading[0] in set(roads["feature_id"].head(5))
    assert own.backtest["segment"]["places"] < tested["segment"]["places"]  # the zone's only


def test_the_report_lists_where_to_look_first_for_its_domains(faulted, city):
    store, faults = faulted
    inspect = section(render_html(report_snapshot(store), city.bounds, None), "inspect")
    assert "the top 20 containers had" in inspect and "the top 20 road segments had" in inspect
    assert faults.degrading[0] in inspect
    kinds = report_snapshot(store, "traffic").parts["inspect"].data["kinds"]
    assert [k["kind"] for k in kinds] == ["segment"]  # its domain's only
