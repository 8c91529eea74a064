"""The read cache against a real Redis, and its fallback when Redis is gone."""

import time
import uuid

from store.cache import Cache


def test_two_processes_share_results_through_redis(redis_url):
    prefix = f"c3test-{uuid.uuid4().hex}"
    calls = []
    first, second = Cache(redis_url, prefix=prefix), Cache(redis_url, prefix=prefix)
    assert first.backend == "redis"
    value = first.get_or_compute("layer:waste", 3, lambda: calls.append(1) or b"geojson-v3")
    again = second.get_or_compute("layer:waste", 3, lambda: calls.append(2) or b"other")
    assert value == again == b"geojson-v3"
    assert calls == [1]  # the second instance read it from Redis


def test_a_new_data_version_is_computed_afresh(redis_url):
    cache = Cache(redis_url, prefix=f"c3test-{uuid.uuid4().hex}")
    assert cache.get_or_compute("k", 1, lambda: b"one") == b"one"
    assert cache.get_or_compute("k", 2, lambda: b"two") == b"two"


def test_redis_down_degrades_quickly_to_the_local_cache():
    cache = Cache("redis://127.0.0.1:9/0")  # nothing listens there
    started = time.monotonic()
    assert cache.get_or_compute("k", 1, lambda: b"value") == b"value"
    assert cache.get_or_compute("k", 1, lambda: b"recomputed") == b"value"
    assert time.monotonic() - started < 2
    assert cache.backend == "local"
