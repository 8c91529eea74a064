"""The wall's tiles are computed once per web worker and data version, however many walls
ask at the same moment (services.answers): the first asker computes, the others get its
answer; a failed computation is not remembered."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.answers import SharedAnswers


def test_many_walls_asking_at_once_get_one_computation():
    answers, started, release = SharedAnswers(), threading.Event(), threading.Event()
    calls = []

    def tile():
        calls.append(1)
        started.set()
        release.wait(5)
        return ("Waste", 42)

    with ThreadPoolExecutor(max_workers=20) as pool:
        first = pool.submit(answers.get, ("waste", "7"), tile)
        started.wait(5)  # the first wall computes; nineteen more ask meanwhile
        others = [pool.submit(answers.get, ("waste", "7"), tile) for _ in range(19)]
        deadline = time.monotonic() + 10
        while not all(f.running() for f in others):  # all asking while the first computes
            assert time.monotonic() < deadline
            time.sleep(0.01)
        release.set()
        got = [first.result(10)] + [f.result(10) for f in others]
    assert got == [("Waste", 42)] * 20
    assert len(calls) == 1
    assert answers.get(("waste", "8"), lambda: ("Waste", 43)) == ("Waste", 43)  # a new version


def test_a_failed_computation_is_not_remembered():
    answers = SharedAnswers()

    def broken():
        raise RuntimeError("the store cannot be read")

    with pytest.raises(RuntimeError):
        answers.get(("feeds", "1"), broken)
    assert answers.get(("feeds", "1"), lambda: "ok") == "ok"


def test_only_the_newest_answers_are_kept():
    answers = SharedAnswers(max_items=2)
    for version in range(3):
        answers.get(("traffic", version), lambda v=version: v)
    calls = []
    answers.get(("traffic", 0), lambda: calls.append(1) or 0)  # the oldest was dropped
    answers.get(("traffic", 2), lambda: calls.append(1) or 2)  # the newest was kept
    assert calls == [1]
