"""When a crew is on shift: a day shift, a night shift past midnight, and around the
clock (start equal to end), which the demo's crews use so the loop works at any hour."""

from config.crews import Crew, demo_crews


def minute(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def on_at(crew: Crew, *times: str) -> list[bool]:
    return [crew.on_shift(minute(t)) for t in times]


def test_a_day_shift_ends_at_its_end():
    day = Crew(crew_id="d", name="Day")  # 07:00–19:00
    assert on_at(day, "06:59", "07:00", "18:59", "19:00", "23:30") == [
        False, True, True, False, False]  # fmt: skip


def test_a_night_shift_runs_past_midnight():
    night = Crew(crew_id="n", name="Night", shift_start="22:00", shift_end="06:00")
    assert on_at(night, "21:59", "22:00", "00:00", "05:59", "06:00", "12:00") == [
        False, True, True, True, False, False]  # fmt: skip


def test_start_equal_to_end_is_around_the_clock():
    always = Crew(crew_id="a", name="Always", shift_start="00:00", shift_end="00:00")
    assert all(on_at(always, "00:00", "06:59", "12:00", "19:00", "23:59"))
    assert all(all(on_at(c, "03:00", "21:00")) for c in demo_crews())
