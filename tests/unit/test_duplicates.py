"""Duplicate suggestions at the edges of their rules: distance, time window, related
types, words, and a request never suggested as its own duplicate."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.duplicates import evidence_line, metres_between, rule_for, suggest, text_score
from config.service_levels import ServiceLevelSettings

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LON, LAT = 24.94, 60.17
METRES_PER_DEG_LAT = 111_195.0  # on the mean earth radius


def north_of(metres: float) -> float:
    return LAT + metres / METRES_PER_DEG_LAT


LEVELS = ServiceLevelSettings(
    duplicate_distance_m=50,
    duplicate_hours=72,
    types={
        "TRF-SIG": {"target_hours": 6, "duplicate_distance_m": 46, "duplicate_hours": 3},
        "WST-OVF": {"target_hours": 10, "related": ["WST-DMP"]},
    },
)

NEW = {"source": "o311", "request_id": "new", "service_code": "WST-OVF", "lon": LON,
       "lat": LAT, "requested_at": T0, "description": "Bin overflowing at the corner"}  # fmt: skip


def candidates(*rows) -> pd.DataFrame:
    base = {"source": "o311", "service_code": "WST-OVF", "lon": LON, "description": ""}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["requested_at"] = pd.to_datetime(frame["requested_at"], utc=True)
    return frame


def ids(found) -> list[str]:
    return [s["request_id"] for s in found]


def test_distance_is_measured_on_the_ground():
    metres = metres_between(LON, LAT, np.array([LON]), np.array([north_of(50)]))
    assert metres[0] == pytest.approx(50, abs=0.01)


def test_within_the_distance_is_suggested_just_beyond_is_not():
    rows = candidates(
        {"request_id": "in", "lat": north_of(49.5), "requested_at": T0 - timedelta(hours=1)},
        {"request_id": "out", "lat": north_of(50.5), "requested_at": T0 - timedelta(hours=1)},
    )
    assert ids(suggest(NEW, rows, LEVELS)) == ["in"]


def test_the_time_window_holds_both_ways_to_its_edge():
    rows = candidates(
        {"request_id": "before", "lat": LAT, "requested_at": T0 - timedelta(hours=71.9)},
        {"request_id": "after", "lat": LAT, "requested_at": T0 + timedelta(hours=71.9)},
        {"request_id": "old", "lat": LAT, "requested_at": T0 - timedelta(hours=72.1)},
    )
    assert sorted(ids(suggest(NEW, rows, LEVELS))) == ["after", "before"]


def test_a_type_with_its_own_rule_uses_it():
    signal = {**NEW, "service_code": "TRF-SIG"}
    rows = candidates(
        {"request_id": "near-soon", "service_code": "TRF-SIG", "lat": north_of(45),
         "requested_at": T0 - timedelta(hours=2.9)},
        {"request_id": "near-late", "service_code": "TRF-SIG", "lat": north_of(10),
         "requested_at": T0 - timedelta(hours=3.1)},
        {"request_id": "far", "service_code": "TRF-SIG", "lat": north_of(47),
         "requested_at": T0},
    )  # fmt: skip
    assert ids(suggest(signal, rows, LEVELS)) == ["near-soon"]


def test_related_types_count_both_ways_and_unrelated_ones_never():
    rows = candidates(
        {"request_id": "dump", "service_code": "WST-DMP", "lat": LAT, "requested_at": T0},
        {"request_id": "pothole", "service_code": "RD-POT", "lat": LAT, "requested_at": T0},
    )
    found = suggest(NEW, rows, LEVELS)
    assert ids(found) == ["dump"] and not found[0]["same_type"]
    dumping = {**NEW, "service_code": "WST-DMP"}
    back = candidates({"request_id": "ovf", "lat": LAT, "requested_at": T0})
    assert ids(suggest(dumping, back, LEVELS)) == ["ovf"]
    assert rule_for("RD-POT", LEVELS).types == frozenset({"RD-POT"})


def test_alike_words_rank_first_and_are_shown_as_evidence():
    rows = candidates(
        {"request_id": "other-words", "lat": north_of(5), "requested_at": T0,
         "description": "graffiti on the wall"},
        {"request_id": "same-words", "lat": north_of(5), "requested_at": T0,
         "description": "Overflowing bin at the corner"},
    )  # fmt: skip
    found = suggest(NEW, rows, LEVELS)
    assert ids(found) == ["same-words", "other-words"]
    assert found[0]["text_score"] > 80 > found[1]["text_score"]
    assert evidence_line(found[0]).startswith("5 m, 0.0 h apart, same type, words")


def test_a_request_is_not_its_own_duplicate_and_needs_a_place():
    rows = candidates({"request_id": "new", "lat": LAT, "requested_at": T0})
    assert suggest(NEW, rows, LEVELS) == []
    assert suggest({**NEW, "lon": None}, candidates(
        {"request_id": "x", "lat": LAT, "requested_at": T0}), LEVELS) == []  # fmt: skip


def test_text_score_needs_words_on_both_sides():
    assert text_score("", "bin full") is None and text_score(None, "x") is None
    assert text_score(float("nan"), "nan") is None  # a frame's missing description
    assert text_score("Bin FULL", "bin full") == 100
