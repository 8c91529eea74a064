"""The weekly outcomes (issue 19) on the demo city with its seeded faults: the report's
savings against the fixed schedule are what `bench/bench_windows.py` prints for the same
week, the CO2 is the km saved times the configured factor, and the overflows and the
complaint KPIs list the rows they count; the worker keeps the same week's totals for
the wall."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bench import bench_windows
from config import ReportKind, load_settings
from services.outcomes import record_week, week_outcomes
from services.reports.content import build_snapshot
from services.reports.render import render_html
from store.ledger import data_versions
from store.outcomes import latest_week
from tests.helpers import TZ
from tests.helpers.signals import NOW, section


def weekly(store, city, settings, department=None):
    kind = ReportKind(name="weekly", title="Weekly", cron="0 7 * * mon", outcomes=True,
                      department=department)  # fmt: skip
    return build_snapshot(store, settings, kind, NOW, NOW - timedelta(days=7),
                          outcomes=lambda end, zones: week_outcomes(store, city, settings, end,
                                                                    zones))  # fmt: skip


def test_the_weekly_savings_are_what_the_windows_bench_prints(faulted, city, capsys):
    store, faults = faulted
    bench_windows.savings(store, city, NOW)
    printed = capsys.readouterr().out
    bench = re.search(r"recommended (\d+) min ([\d.]+) km, fixed 08:00 (\d+) min ([\d.]+) km",
                      printed)  # fmt: skip
    assert bench, printed
    settings = load_settings(timezone=TZ)
    snap = weekly(store, city, settings)
    o = snap.parts["outcomes"].data
    assert [f"{o['minutes']:.0f}", f"{o['km']:.1f}", f"{o['fixed_minutes']:.0f}",
            f"{o['fixed_km']:.1f}"] == list(bench.groups())  # fmt: skip
    assert o["saved_min"] > 0  # the recommended windows drive less than 08:00 every day
    assert o["co2_kg"] == o["saved_km"] * settings.outcomes.co2_kg_per_km
    assert abs(o["zones"]["recommended_min"].sum() - o["minutes"]) < 1e-6  # the zones add up
    html = section(render_html(snap, city.bounds, None), "outcomes")
    assert " ".join(o["min_words"].split()) in html and "truck minutes saved" in o["min_words"]
    # the bins the simulator stopped emptying stay full: they overflowed this week
    assert set(faults.unemptied) <= set(o["overflowed"]["listed"].split(", "))
    assert o["resolved"]["count"] == o["resolved"]["value"]
    assert "requests resolved" in html

    # the worker's daily job keeps the same week (its 7 days end at the last local
    # midnight: the days the report planned) for the wall's outcomes scene, once a day
    assert record_week(store, city, settings, NOW)
    with store.reading() as cur:
        kept, version = latest_week(cur), data_versions(cur)["outcomes"]
    assert kept["week_end"].astimezone(ZoneInfo(TZ)).hour == 0 and kept["week_end"] <= NOW
    assert [f"{kept['recommended_min']:.0f}", f"{kept['recommended_km']:.1f}",
            f"{kept['fixed_min']:.0f}", f"{kept['fixed_km']:.1f}"] == list(bench.groups())
    assert kept["overflowed"] >= len(faults.unemptied) and kept["fixed_start"] == "08:00"
    assert not record_week(store, city, settings, NOW + timedelta(hours=1))  # kept already
    with store.reading() as cur:
        assert data_versions(cur)["outcomes"] == version  # no wall is told of a change


def test_a_department_sees_its_zones_and_domains_only(faulted, city):
    store, _ = faulted
    settings = load_settings(timezone=TZ)
    waste = weekly(store, city, settings, department="waste")
    html = section(render_html(waste, city.bounds, None), "outcomes")
    assert "containers overflowed" in html and "requests resolved" not in html
