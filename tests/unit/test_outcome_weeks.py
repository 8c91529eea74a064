"""Which days the week's outcomes count: the 7 local days before the last local midnight,
also in the weeks whose clocks change (the wall's week is one row per week)."""

import json
from datetime import UTC, datetime

from plotly.utils import PlotlyJSONEncoder

from components.wall_tiles import outcomes_tile
from services.outcomes import last_midnight, plan_times


def test_a_week_with_the_spring_clock_change_plans_its_own_seven_days():
    end = last_midnight(datetime(2026, 3, 30, 8, tzinfo=UTC), "Europe/Berlin")  # Mon 30 Mar
    days = plan_times(end, "Europe/Berlin")
    assert [f"{d:%a %d %H:%M}" for d in days] == [
        "Mon 23 05:00", "Tue 24 05:00", "Wed 25 05:00", "Thu 26 05:00", "Fri 27 05:00",
        "Sat 28 05:00", "Sun 29 05:00"]  # fmt: skip
    assert [d.utcoffset().total_seconds() / 3600 for d in days] == [1] * 6 + [2]


def test_a_midnight_the_clocks_pass_twice_ends_one_week_not_two():
    # Havana sets its clocks back from 01:00 to 00:00 on 1 Nov 2026: midnight comes twice
    first = last_midnight(datetime(2026, 11, 1, 4, 30, tzinfo=UTC), "America/Havana")
    second = last_midnight(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "America/Havana")
    assert first == second == datetime(2026, 11, 1, 4, tzinfo=UTC)


def test_a_week_without_rounds_says_so_instead_of_showing_nothing_saved():
    week = {"week_end": datetime(2026, 11, 29, 22, tzinfo=UTC), "days": 7, "rounds": 0,
            "fixed_start": "08:00", "recommended_min": 0.0, "fixed_min": 0.0,
            "recommended_km": 0.0, "fixed_km": 0.0, "co2_kg_per_km": 1.25, "overflowed": 2,
            "overflowed_before": 2, "resolved": 0, "median_h": None, "median_h_before": None,
            "on_time": None, "on_time_before": None}  # fmt: skip
    shown = json.dumps(outcomes_tile(week, "Europe/Helsinki"), cls=PlotlyJSONEncoder,
                       ensure_ascii=False)
    assert "no collection round could be planned" in shown
    assert "saved by" not in shown and "outcomes.co2" not in shown  # no 0 km "saved"
    assert "Mon 23 Nov – Sun 29 Nov: 0 zone rounds" in shown
