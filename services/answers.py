"""Answers shared by everyone who asks the same question at the same data version, in one
web worker: the wall's tiles, which every wall asks for when a domain's token changes.
The first asker computes; the others asking meanwhile wait for its answer instead of
reading the store again (on a lake a read costs ~10 ms of CPU however small it is, so a
hundred walls would otherwise read it a hundred times)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

WAIT_S = 30.0  # a computation this slow is not waited for: the asker computes its own


class SharedAnswers:
    """`get(key, compute)`: the answer for `key` (which names the question and the
    version it is asked at), computed once while it stays among the newest `max_items`."""

    def __init__(self, max_items: int = 64):
        self._done: OrderedDict[Hashable, object] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._max_items = max_items
        self._lock = threading.Lock()
        self.computed = 0  # how many answers were computed (the tests read it)

    def get(self, key: Hashable, compute: Callable[[], object]) -> object:
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            pending = self._pending.get(key)
            first = pending is None
            if first:
                pending = self._pending[key] = threading.Event()
        if not first:
            pending.wait(WAIT_S)
            with self._lock:
                if key in self._done:
                    return self._done[key]
            return compute()  # the first asker failed (its error is its own) or is slow
        try:
            answer = compute()
            with self._lock:
                self.computed += 1
                self._done[key] = answer
                while len(self._done) > self._max_items:
                    self._done.popitem(last=False)
            return answer
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.set()
