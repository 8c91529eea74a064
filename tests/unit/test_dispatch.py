"""The nearest crew by road at the congestion expected now, on a hand-made graph where it
is not the nearest as the crow flies."""

from datetime import UTC, datetime, timedelta

import pytest

from analytics.dispatch import rank_crews, straight_metres
from tests.helpers.roads import both_ways

DAY = datetime(2026, 12, 1, tzinfo=UTC)
# J(ob); crew N(ear) is across a river: its bridge B is far round. Crew F(ar) has a
# straight avenue to the job, which jams at 08:00-09:00.
PLACES = {"J": (24.950, 60.170), "N": (24.950, 60.172), "B": (24.970, 60.171),
          "F": (24.930, 60.170)}  # fmt: skip
BASE_S = {"nb": 240, "bj": 240, "fj": 180}


def travel_time(segment_id: str, when: datetime) -> float:
    jam = segment_id == "fj" and 8 <= when.hour < 9
    return BASE_S[segment_id] * (4 if jam else 1)


@pytest.fixture
def net():
    return both_ways(BASE_S, travel_time)


def crews(queue_f: int = 0) -> list[dict]:
    return [{"crew_id": "near", "node": "N", "lon": PLACES["N"][0], "lat": PLACES["N"][1]},
            {"crew_id": "far", "node": "F", "lon": PLACES["F"][0], "lat": PLACES["F"][1],
             "queue_jobs": queue_f}]  # fmt: skip


def test_the_nearest_by_road_is_not_the_nearest_as_the_crow_flies(net):
    now = DAY + timedelta(hours=11)
    ranked = rank_crews(net, "J", PLACES["J"], crews(), now, job_s=1800)
    assert [c.crew_id for c in ranked] == ["far", "near"]
    by_distance = sorted(ranked, key=lambda c: c.straight_m)
    assert [c.crew_id for c in by_distance] == ["near", "far"]
    assert ranked[0].travel_s == 180 and ranked[1].travel_s == 480
    assert ranked[0].eta == now + timedelta(seconds=180)


def test_the_congestion_expected_now_changes_the_order(net):
    rush = DAY + timedelta(hours=8, minutes=20)
    ranked = rank_crews(net, "J", PLACES["J"], crews(), rush, job_s=1800)
    assert [(c.crew_id, c.travel_s) for c in ranked] == [("near", 480), ("far", 720)]


def test_a_crews_queue_counts_before_its_travel(net):
    ranked = rank_crews(net, "J", PLACES["J"], crews(queue_f=1), DAY + timedelta(hours=11),
                        job_s=1800)  # fmt: skip
    assert [c.crew_id for c in ranked] == ["near", "far"]
    assert ranked[1].queue_s == 1800 and ranked[1].total_s == 1980


def test_a_crew_the_road_cannot_reach_the_job_from_is_left_out(net):
    stranded = {"crew_id": "island", "node": "X", "lon": 24.9, "lat": 60.1}
    ranked = rank_crews(net, "J", PLACES["J"], [stranded] + crews(), DAY, job_s=1800, top=3)
    assert [c.crew_id for c in ranked] == ["far", "near"]


def test_straight_metres_in_a_city():
    assert straight_metres(PLACES["J"], PLACES["N"]) == pytest.approx(222.4, abs=0.5)
