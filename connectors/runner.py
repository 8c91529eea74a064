"""The one runner every connector shares: fetch -> normalize -> validate -> upsert -> ledger.

A run either commits all of its accepted rows, its quarantine, its watermark and its
data-version bump together, or commits only a failed run record (plus the quarantine,
so nothing rejected is lost) and leaves the watermark where it was. A run that C3's stop
ends at a page boundary is recorded the same way, as aborted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from config import ConfigProblem, ConnectorSettings, Settings
from config.loading import by_line
from connectors.base import Connector, Rejected
from connectors.files import FileConnector
from connectors.http import make_session, mask
from connectors.ngsi import NgsiV2Connector
from connectors.ngsi_ld import NgsiLdConnector
from connectors.open311 import Open311Connector
from store import Store
from store.ledger import (
    RunRecord,
    bump_version,
    get_watermark,
    held_in_quarantine,
    set_watermark,
    write_quarantine,
    write_run,
)
from store.schema import to_arrow
from store.upsert import upsert
from store.zoning import ZONED_TABLES, assign_zones

log = logging.getLogger(__name__)

KINDS: dict[str, type[Connector]] = {
    "open311": Open311Connector,
    "ngsi-v2": NgsiV2Connector,
    "ngsi-ld": NgsiLdConnector,
    "file": FileConnector,
}
# Entity tables first, so readings never point at a container that is not there yet.
TABLE_ORDER = (
    "road_segments",
    "waste_containers",
    "service_requests",
    "waste_readings",
    "waste_collections",
    "traffic_readings",
    "crew_positions",
)


def build_connector(settings: ConnectorSettings, city_tz: str) -> Connector:
    return KINDS[settings.kind](settings, city_tz)


def build_connectors(settings: Settings) -> tuple[list[Connector], list[ConfigProblem]]:
    """The configured feeds that can run, and those set aside as misconfigured with why,
    one problem each: by the config's checks (`settings.misconfigured`: not built
    again), or by their own (a file mapping that misses a required field). One bad feed
    never stops the others."""
    connectors, aside = [], list(settings.misconfigured)
    set_aside = {problem.connector for problem in aside}
    for feed in settings.feeds:
        if feed.name in set_aside:
            continue
        try:
            connectors.append(build_connector(feed, settings.timezone))
        except ValueError as exc:
            aside.append(build_problem(settings, feed.name, exc))
    return connectors, sorted(aside, key=by_line)


def build_problem(settings: Settings, name: str, exc: ValueError) -> ConfigProblem:
    """Why the connector `name` could not be built, where its config is."""
    reason = str(exc).removeprefix(f"{name}: ")
    return ConfigProblem(settings.place_of(name), reason, name)


def error_text(exc: BaseException, secret: str | None = None) -> str:
    """The reason kept in the run record and shown on /feeds, with `secret` (an API key
    in a failed URL's query) masked. Network failures open with a plain sentence (what
    could not be reached), urllib3's detail after it."""
    text = f"{type(exc).__name__}: {exc}"
    request = getattr(exc, "request", None)
    if isinstance(exc, requests.Timeout | requests.ConnectionError) and request is not None:
        where = urlsplit(request.url).netloc
        # retried read timeouts reach us as a ConnectionError (urllib3's MaxRetryError)
        timed_out = isinstance(exc, requests.Timeout) or "timed out" in text
        plain = "no answer in time from" if timed_out else "cannot reach"
        text = f"{plain} {where} · {text}"
    text = mask(text, secret)
    return text if len(text) <= 500 else text[:497] + "..."


def normalized_or_reason(connector: Connector, record: dict) -> tuple[dict | None, str | None]:
    """(rows per table, None) for a good record; (None, the reason) for one to quarantine,
    including a record of a shape no check foresaw, or one whose place is not in the city."""
    try:
        rows = connector.normalize(record)
        connector.place_in_city(rows)
        return rows, None
    except Rejected as exc:
        return None, str(exc)
    except Exception as exc:
        return None, f"invalid record: {error_text(exc)}"


class Stop(threading.Event):
    """Set when C3 is stopping: a running poll stops at its next page, commits nothing
    but its run record (status aborted, `why` as its error) and its quarantine."""

    def __init__(self) -> None:
        super().__init__()
        self.why = "stopped"

    def request(self, why: str) -> None:
        self.why = why
        self.set()


class Aborted(Exception):
    """The run stopped before its end because C3 is stopping."""


def run_connector(
    connector: Connector,
    store: Store,
    http: requests.Session | None = None,
    now: datetime | None = None,
    stop: Stop | None = None,
) -> RunRecord:
    """Poll one connector once; always returns (and stores, when the store can write) the
    run record. A `stop` set while it runs ends it at the next page, as aborted."""
    now = now or datetime.now(UTC)
    http = http or make_session(connector.settings.retries)
    run = RunRecord(connector.name, connector.domain, started_at=now)
    rows: dict[str, list[dict]] = defaultdict(list)
    rejects: list[tuple[str, object]] = []
    clock = time.monotonic()
    try:
        with store.reading() as cur:
            watermark = get_watermark(cur, connector.name)
            connector.prepare(cur)
        window = connector.window(watermark, now)
        run.window_start, run.window_end = window.start, window.end
        for page in connector.fetch(http, window):
            for record in page:
                run.fetched += 1
                normalized, reason = normalized_or_reason(connector, record)
                if reason is not None:
                    rejects.append((reason, record))
                    continue
                for table, row in normalized.items():
                    rows[table].append(row)
            if stop is not None and stop.is_set():
                raise Aborted(stop.why)
    except Aborted as exc:
        run.status, run.error = "aborted", str(exc)
    except Exception as exc:  # a failing feed is recorded, never raised into the scheduler
        run.status, run.error = "failed", error_text(exc, connector.settings.api_key)
    run.quarantined = len(rejects)
    run.warnings = list(connector.warnings)

    if run.status == "ok":
        try:
            _commit(connector, store, run, rows, rejects, now)
            log.info("%s: %s", connector.name, run)
            return run
        except Exception as exc:
            log.exception("%s: commit failed", connector.name)
            run.status, run.error = "failed", error_text(exc)
            run.inserted = run.updated = run.unchanged = 0
    run.finished_at = datetime.now(UTC)
    _record_unapplied(store, run, rejects, now)
    level = logging.INFO if run.status == "aborted" else logging.WARNING  # C3 stopping: expected
    took = time.monotonic() - clock
    log.log(level, "%s %s after %.1fs: %s", connector.name, run.status, took, run.error)
    return run


def _record_unapplied(store: Store, run: RunRecord, rejects: list, now: datetime) -> None:
    """Store a failed or aborted run's record and its quarantine (nothing else of it);
    when the store cannot write that either (disk full), say so and go on: the run
    keeps its first error, and the store remembers why it cannot write."""
    try:
        with store.transaction() as cur:
            _count_held(cur, run, rejects)
            run_id = write_run(cur, run)
            write_quarantine(cur, run.connector, run_id, now, rejects)
    except Exception as exc:
        log.error("%s: the run's record could not be stored either: %s", run.connector, exc)


def _commit(connector, store, run, rows, rejects, now) -> None:
    store.write(lambda cur: _apply(cur, connector, run, rows, rejects, now))


def _apply(cur, connector, run, rows, rejects, now) -> None:
    """One run's rows, watermark, version and record, in the transaction of `cur` (run
    again from the start when a lake's transaction collided with another process's)."""
    run.inserted = run.updated = run.unchanged = 0
    unplaced = set(rows) - set(TABLE_ORDER)
    if unplaced:  # a connector's rows no table takes would vanish from a run that says ok
        raise ValueError(f"{connector.name}: rows for {sorted(unplaced)}, which no load takes")
    for table in TABLE_ORDER:
        if not rows.get(table):
            continue
        batch = to_arrow(table, rows[table])
        counts = upsert(cur, table, batch)
        if table == connector.primary_table:
            run.inserted, run.updated, run.unchanged = (
                counts.inserted,
                counts.updated,
                counts.unchanged,
            )
            cur.register("_c3_primary_batch", batch)
            connector.after_upsert(cur, "_c3_primary_batch")
            cur.unregister("_c3_primary_batch")
        if table in ZONED_TABLES:
            assign_zones(cur, table, batch)
    watermark = connector.watermark_of(rows.get(connector.primary_table, []))
    if watermark is not None:
        # never past this run's end: one future-dated record must not hide what follows
        set_watermark(cur, connector.name, min(watermark, now))
    if run.inserted or run.updated:
        bump_version(cur, connector.domain)
    run.finished_at = datetime.now(UTC)
    _count_held(cur, run, rejects)
    run_id = write_run(cur, run)
    write_quarantine(cur, connector.name, run_id, run.started_at, rejects)


def _count_held(cur, run: RunRecord, rejects: list[tuple[str, object]]) -> None:
    """A rejected record the quarantine already holds, unchanged, is counted as unchanged
    (and as `held`), not quarantined again; a failed run applied nothing, so its
    unchanged stays 0."""
    run.held = held_in_quarantine(cur, run.connector, rejects)
    run.quarantined = len(rejects) - run.held
    if run.status == "ok":
        run.unchanged += run.held


def run_all_once(
    settings: Settings, store: Store
) -> tuple[list[RunRecord], list[ConfigProblem]]:
    """One poll of every configured connector that can run (for `c3 ingest --once`), and
    the misconfigured ones that could not."""
    connectors, aside = build_connectors(settings)
    return [run_connector(c, store) for c in connectors], aside
