"""Change notices: the data versions as a web worker knows them, kept current by the
worker that writes. After its jobs commit, the writer publishes the versions on Redis
(`<prefix>:versions`); every web worker's board, subscribed, takes them at once, so the
walls' once-a-second poll and the layer URLs read memory, not the store. Without Redis,
or while it is away, the board reads the store on every ask (slower, never wrong), and
subscribes again once Redis answers. A subscribed board reads the store again every
15 s whatever it has heard, should a notice have been lost on the way: one read per web
worker, which bounds how late a sign-out can reach it (`services.accounts.SessionChecks`).
Versions only grow: a notice older than what the board knows (two writers' notices
crossing) changes nothing."""

from __future__ import annotations

import json
import logging
import threading
import time

import redis

from store.db import Store
from store.ledger import data_versions

log = logging.getLogger(__name__)

RETRY_AFTER_S = 10.0  # between attempts to subscribe while Redis is away
MAX_AGE_S = 15.0  # a subscribed board reads the store again when its last read is this old
TIMEOUT_S = 0.5


class VersionBoard:
    """`current()`: the data versions; `publish()`: tell every board they changed."""

    def __init__(self, store: Store, redis_url: str | None, prefix: str, listen: bool = True):
        """`listen=False`: a board that only publishes (a command run once)."""
        self.store, self.channel = store, f"{prefix}:versions"
        self._redis = redis.Redis.from_url(
            redis_url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
        ) if redis_url else None  # fmt: skip
        self._versions: dict[str, int] | None = None  # known from a notice; None: ask the store
        self._read_at = 0.0  # when a subscribed board last read the store
        self._lock = threading.Lock()
        self.store_reads = 0  # how often the store was asked (the benches and tests read it)
        self._stop = threading.Event()
        if self._redis is not None and listen:
            threading.Thread(target=self._listen, name="c3-notices", daemon=True).start()

    @property
    def subscribed(self) -> bool:
        """Whether notices arrive (else every ask reads the store)."""
        with self._lock:
            return self._versions is not None

    def current(self) -> dict[str, int]:
        with self._lock:
            subscribed = self._versions is not None
            if subscribed and time.monotonic() - self._read_at < MAX_AGE_S:
                return dict(self._versions)
            if subscribed:  # this thread reads again; the others answer from memory meanwhile
                self._read_at = time.monotonic()
        found = self._read()
        return self._learn(found) if subscribed else found

    def _know(self, versions: dict[str, int] | None) -> None:
        with self._lock:
            self._versions, self._read_at = versions, time.monotonic()

    def _learn(self, versions: dict[str, int]) -> dict[str, int]:
        """A notice, or the store read again: newer versions than those known, if any;
        the versions known now."""
        with self._lock:
            if self._versions is None:
                return versions  # not subscribed: the store is asked anyway
            for domain, version in versions.items():
                self._versions[domain] = max(version, self._versions.get(domain, version))
            return dict(self._versions)

    def _read(self) -> dict[str, int]:
        with self.store.reading() as cur:
            found = data_versions(cur)
        self.store_reads += 1
        return found

    def publish(self) -> None:
        """After a commit: the versions now, to every subscribed board (this one too).
        Never raises: without Redis the others read the store anyway."""
        if self._redis is None:
            return
        versions = self._read()
        self._learn(versions)  # this worker's next request knows it, notice or not
        try:
            self._redis.publish(self.channel, json.dumps(versions))
        except redis.RedisError as exc:
            log.info("change notice not sent (Redis: %s); web workers read the store", exc)

    def _listen(self) -> None:
        """Subscribe; while subscribed, every notice moves the board's versions on. The
        versions are read once on subscribing (a notice may have been missed before)."""
        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self._know(self._read())
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        pubsub.ping()  # a dead connection shows here, not in silence
                    elif message.get("type") == "message":
                        self._learn(json.loads(message["data"]))
            except (redis.RedisError, OSError, ValueError) as exc:
                log.info("change notices paused (Redis: %s); reading the store", exc)
            self._know(None)  # not subscribed: ask the store
            self._stop.wait(RETRY_AFTER_S)

    def close(self) -> None:
        self._stop.set()
