"""Free-flow speeds of the city model's roads: OSM maxspeed values, else the road class."""

import pytest

from geo.city import freeflow_speed, parse_maxspeed


@pytest.mark.parametrize(
    ("value", "speed"),
    [("50", 50), ("30 mph", 48.28), ("FI:urban", 50), ("none", None), (None, None)],
)
def test_maxspeed_parsing(value, speed):
    parsed = parse_maxspeed(value)
    assert parsed == pytest.approx(speed, abs=0.01) if speed else parsed is None


def test_speed_falls_back_to_the_road_class():
    assert freeflow_speed("residential", None) == 30
    assert freeflow_speed("primary_link", "") == 40
