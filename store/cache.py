"""Read cache keyed by (query, parameters, data version): Redis when configured, else in-process.

A Redis failure degrades to the in-process cache within a short timeout and is retried
after a pause; it never turns into an error page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 0.25
REDIS_RETRY_AFTER_S = 30.0
TTL_S = 3600


class Cache:
    """get_or_compute(key, version, compute) -> bytes."""

    def __init__(self, redis_url: str | None = None, max_items: int = 64, prefix: str = "c3"):
        self.prefix = prefix
        self._local: OrderedDict[str, bytes] = OrderedDict()
        self._max_items = max_items
        self._lock = threading.Lock()
        self._redis = (
            redis.Redis.from_url(
                redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
            )
            if redis_url
            else None
        )
        self._redis_down_until = 0.0

    @property
    def backend(self) -> str:
        return (
            "redis"
            if self._redis is not None and time.monotonic() >= self._redis_down_until
            else "local"
        )

    def _full_key(self, key: str, version: object) -> str:
        return f"{self.prefix}:{key}:v{version}"

    def _redis_call(self, fn: Callable, *args):
        if self.backend != "redis":
            return None
        try:
            return fn(*args)
        except redis.RedisError as exc:
            log.warning(
                "Redis unavailable (%s); using the in-process cache for %.0fs",
                exc,
                REDIS_RETRY_AFTER_S,
            )
            self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER_S
            return None

    def get_or_compute(self, key: str, version: object, compute: Callable[[], bytes]) -> bytes:
        full = self._full_key(key, version)
        with self._lock:
            if full in self._local:
                self._local.move_to_end(full)
                return self._local[full]
        value = self._redis_call(self._redis.get, full) if self._redis else None
        if value is None:
            value = compute()
            if self._redis:
                self._redis_call(self._redis.set, full, value, TTL_S)
        with self._lock:
            self._local[full] = value
            while len(self._local) > self._max_items:
                self._local.popitem(last=False)
        return value
