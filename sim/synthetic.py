"""Synthetic city for scale tests (DESIGN §5): a grid city of any size, its history from the
demo simulator, written straight into a fresh DuckDB file.

The city is `geo.synthetic.grid_city`; traffic, bins, collections and complaints are the
demo city's (`sim.model.DemoCity`, `sim.backfill`), only bigger: traffic every 15 minutes
on every segment, fill levels every 30 minutes of every container, collections, and
service requests stored as the Open311 connector stores them (`sim.synthetic_requests`:
status open or closed as at `now`, an 'open' event at the request and a 'closed' event
when it closed, each request in the zone it lies in), each zone's hours, and optionally
a stretch of rollups before the readings (`store.synthetic_history`). The data ends at
`now`: it is frozen at build time.

The file is built beside its final path and moved there only when complete, so a file at
that path is always whole. Its parameters are kept in `store_meta`, so that a later run
asking for the same city reuses it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty, Queue

import duckdb
import pyarrow as pa

from geo.synthetic import GridCity, grid_city
from sim import backfill
from sim.model import DemoCity
from sim.synthetic_requests import REQUEST_SOURCE, synthetic_requests
from store import Store
from store.bulk import append, checkpoint, get_meta, row_counts, set_meta
from store.city import load_city_model
from store.copy import copy_file_into_lake
from store.ledger import RunRecord, append_status_events, bump_version, write_run
from store.synthetic_history import write_older_history
from store.upsert import upsert
from store.zoning import assign_zones

log = logging.getLogger(__name__)

GENERATOR = "grid-2"  # changes when the same parameters would build different data
META_KEY = "synthetic"
TRAFFIC_STEP_S = 15 * 60
WASTE_STEP_S = 30 * 60
REQUEST_SURPLUS = 1.4  # simulate this many more requests than asked, then keep a random n
BUILD_MEMORY_LIMIT = "2GB"  # DuckDB's buffer pool while building (the machine has others)

Progress = Callable[[str], None]
Step = Callable[[str, float, int], None]  # (table, monotonic start, rows): one step's timing
Window = tuple[datetime, datetime]  # the history's [start, end), whole seconds


@dataclass(frozen=True)
class SyntheticParams:
    """What a synthetic store is built from; the same parameters build the same data."""

    containers: int
    segments: int
    requests: int
    days: int
    seed: int = 7
    tz: str = "Europe/Helsinki"
    rollup_days: int = 0  # days of rollups before the readings (store.synthetic_history)
    generator: str = GENERATOR

    def city(self) -> GridCity:
        return grid_city(self.segments, seed=self.seed)


@dataclass
class SyntheticSummary:
    path: Path
    params: SyntheticParams
    now: datetime  # the data's end: readings up to (not including) this instant
    rows: dict[str, int]
    seconds: float
    file_bytes: int
    built: bool  # False when an existing file was reused
    table_seconds: dict[str, float] = field(default_factory=dict)


class NotSynthetic(Exception):
    """The file exists but is not a synthetic store: it is not overwritten."""


def read_build(path: Path) -> dict | None:
    """The build record of the synthetic store at `path`: its parameters and `now` (an ISO
    string); None when the file is not a synthetic store."""
    try:
        store = Store(path)
    except duckdb.Error:
        return None  # not a DuckDB file at all
    try:
        with store.reading() as cur:
            text = get_meta(cur, META_KEY)
    finally:
        store.close()
    return None if text is None else json.loads(text)


def ensure_synthetic_store(
    path: str | Path,
    params: SyntheticParams,
    *,
    rebuild: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> SyntheticSummary:
    """The synthetic store at `path`: reused when it was built from the same parameters (and
    the same `now`, when one is given), built (again) otherwise or when `rebuild` is asked.

    A file at `path` that is not a synthetic store is never overwritten (NotSynthetic).
    """
    path = Path(path)
    say = progress or log.info
    if path.exists():
        record = read_build(path)
        if record is None:
            raise NotSynthetic(f"{path} is not a synthetic C3 store; not overwriting it")
        old_now = datetime.fromisoformat(record.pop("now"))
        same = record == asdict(params) and (now is None or old_now == now)
        if same and not rebuild:
            store = Store(path)
            try:
                with store.reading() as cur:
                    rows = row_counts(cur)
            finally:
                store.close()
            say(
                f"reusing {path} (built with the same parameters; "
                f"data ends {old_now:%Y-%m-%d %H:%M} UTC)"
            )
            return SyntheticSummary(path, params, old_now, rows, 0.0, path.stat().st_size, False)
        why = "as asked" if same else f"it was built with {record}"
        say(f"rebuilding {path} ({why})")
    return build_from(path, params, now, progress, overwrite=True)


def ensure_in_lake(path: Path, lake: Store, progress: Progress | None = None) -> bool:
    """The synthetic store at `path` copied into `lake`, unless the lake holds that build
    already (True: copied). A lake holding anything else is left alone
    (store.copy.LakeNotEmpty)."""
    say = progress or log.info
    record = json.dumps(read_build(path), sort_keys=True)
    with lake.reading() as cur:
        if get_meta(cur, META_KEY) == record:
            say(f"reusing the lake {lake.path} (it holds this build)")
            return False
    say(f"copying {path} into the lake {lake.path} …")
    clock = time.monotonic()
    copied = copy_file_into_lake(path, lake)
    lake.write(lambda cur: set_meta(cur, META_KEY, record))
    say(f"copied {sum(copied.values()):,} rows in {time.monotonic() - clock:.0f} s")
    return True


def build_from(
    path: str | Path,
    params: SyntheticParams,
    now: datetime | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> SyntheticSummary:
    """`build_synthetic_store` with the sizes, seed and time zone of `params`."""
    return build_synthetic_store(
        path,
        params.containers,
        params.segments,
        params.requests,
        params.days,
        seed=params.seed,
        tz=params.tz,
        now=now,
        progress=progress,
        overwrite=overwrite,
        rollup_days=params.rollup_days,
    )


def build_synthetic_store(
    path: str | Path,
    n_containers: int,
    n_segments: int,
    n_requests: int,
    days: int,
    seed: int = 7,
    tz: str = "Europe/Helsinki",
    now: datetime | None = None,
    *,
    progress: Progress | None = None,
    overwrite: bool = False,
    rollup_days: int = 0,
) -> SyntheticSummary:
    """Build a synthetic city's store at `path`: a grid of `n_segments` road segments,
    `n_containers` bins and `n_requests` service requests, with `days` of history ending at
    `now` (default: this minute), each zone's hours over it, and `rollup_days` of rollups
    before it. Replaces an existing file only when `overwrite`."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists (pass overwrite=True to replace it)")
    if min(n_containers, n_segments, days) < 1 or n_requests < 0:
        raise ValueError("a synthetic city needs containers, segments and days (>= 1)")
    params = SyntheticParams(n_containers, n_segments, n_requests, days, seed, tz, rollup_days)
    say = progress or log.info
    now = now or datetime.now(UTC).replace(second=0, microsecond=0)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    started = time.monotonic()
    building = path.with_name(path.name + ".building")
    for leftover in (building, Path(f"{building}.wal")):
        leftover.unlink(missing_ok=True)

    timings: dict[str, float] = {}

    def step(table: str, clock: float, rows: int) -> None:
        timings[table] = time.monotonic() - clock
        rate = rows / timings[table] if timings[table] > 0 else 0
        say(f"  {table:<24}{rows:>13,} rows {timings[table]:7.1f} s ({rate:,.0f} rows/s)")

    say(
        f"building a synthetic city: {n_segments:,} segments, {n_containers:,} containers, "
        f"{n_requests:,} requests, {days} days to {now:%Y-%m-%d %H:%M} UTC -> {path}"
    )
    store = Store(building, memory_limit=BUILD_MEMORY_LIMIT)
    try:
        rows = _fill(store, params, now, step)
    except BaseException:
        store.close()
        for partial in (building, Path(f"{building}.wal")):
            partial.unlink(missing_ok=True)
        raise
    store.close()
    Path(f"{path}.wal").unlink(missing_ok=True)  # a replaced file's log must not outlive it
    building.replace(path)
    seconds = time.monotonic() - started
    summary = SyntheticSummary(path, params, now, rows, seconds, path.stat().st_size, True, timings)
    say(f"built {path} in {seconds:.1f} s ({summary.file_bytes / 1e9:.2f} GB)")
    return summary


def _fill(store: Store, params: SyntheticParams, now: datetime, step: Step) -> dict[str, int]:
    """Write the city, its containers, history and requests, the runs that brought them
    and the build record into `store`; the rows of each table."""
    end_s = int(now.timestamp())
    start_s = end_s - params.days * 86400
    clock = time.monotonic()
    city = params.city()
    load_city_model(store, city)
    step("zones, road_segments", clock, len(city.segments) + len(city.zones))

    clock = time.monotonic()
    demo = DemoCity(city, params.seed, params.containers, params.tz,
                    requests_per_day=_rate(params.requests, params.days))  # fmt: skip
    containers = backfill.containers_batch(demo)
    with store.transaction() as cur:
        upsert(cur, "waste_containers", containers)
        assign_zones(cur, "waste_containers", containers)
    step("waste_containers", clock, containers.num_rows)

    window = (datetime.fromtimestamp(start_s, UTC), now)
    runs = _write_readings(store, demo, window, step)
    runs.append(_write_requests(store, demo, window, params, step))
    clock = time.monotonic()
    older = write_older_history(store, window[0], now, params.rollup_days)
    step("zone hours, older rollups", clock, sum(older.values()))
    with store.transaction() as cur:
        for run in runs:
            write_run(cur, run)
        for domain in ("waste", "traffic", "complaints"):
            bump_version(cur, domain)
        meta = {**asdict(params), "now": now.isoformat()}
        set_meta(cur, META_KEY, json.dumps(meta, sort_keys=True))
    with store.reading() as cur:
        checkpoint(cur)
        return row_counts(cur)


def _write_readings(store: Store, demo: DemoCity, window: Window, step: Step) -> list[RunRecord]:
    """Traffic and fill-level readings and collections over the window, appended table by
    table; the run of each."""
    start_s, end_s = int(window[0].timestamp()), int(window[1].timestamp())
    traffic_times = backfill.history_times(start_s, end_s, TRAFFIC_STEP_S)
    waste_times = backfill.history_times(start_s, end_s, WASTE_STEP_S)
    runs = []
    for table, domain, batches in (
        ("traffic_readings", "traffic", backfill.traffic_batches(demo, traffic_times)),
        ("waste_readings", "waste", backfill.waste_batches(demo, waste_times, chunk=48)),
        ("waste_collections", "waste", [backfill.collections_batch(demo, start_s, end_s)]),
    ):
        clock, began = time.monotonic(), datetime.now(UTC)
        rows = _append_all(store, table, batches)
        step(table, clock, rows)
        runs.append(_run(table, domain, window, began, rows))
    return runs


def _write_requests(store: Store, demo: DemoCity, window: Window, params: SyntheticParams,
                    step: Step) -> RunRecord:  # fmt: skip
    """The service requests filed in the window with their status events; their run."""
    start_s, end_s = int(window[0].timestamp()), int(window[1].timestamp())
    clock, began = time.monotonic(), datetime.now(UTC)
    requests = synthetic_requests(demo, start_s, end_s, params.requests, params.seed)
    with store.transaction() as cur:
        upsert(cur, "service_requests", requests)
        cur.register("_c3_synthetic_requests", requests)
        try:
            append_status_events(cur, REQUEST_SOURCE, "_c3_synthetic_requests")
        finally:
            cur.unregister("_c3_synthetic_requests")
        assign_zones(cur, "service_requests", requests)
    step("service_requests, events", clock, requests.num_rows)
    return _run("service_requests", "complaints", window, began, requests.num_rows)


def _rate(n_requests: int, days: int) -> float:
    return REQUEST_SURPLUS * n_requests / days + 50  # the surplus covers weekend-heavy windows


def _append_all(store: Store, table: str, batches: Iterable[pa.Table]) -> int:
    """Append every batch, one transaction each (one long transaction holds gigabytes)."""
    rows = 0
    for batch in _ahead(batches):
        with store.transaction() as cur:
            rows += append(cur, table, batch)
    return rows


def _ahead(batches: Iterable[pa.Table], depth: int = 1) -> Iterator[pa.Table]:
    """The same batches, the next one made in a thread while the current one is stored."""
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                queue.put(batch)
            queue.put(done)
        except BaseException as exc:  # handed to the consumer
            queue.put(exc)

    worker = threading.Thread(target=produce, name="synthetic-batches", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get(timeout=0.1)
            except Empty:
                pass


def _run(table: str, domain: str, window: Window, began: datetime, rows: int) -> RunRecord:
    return RunRecord(
        f"synthetic-{table}",
        domain,
        started_at=began,
        finished_at=datetime.now(UTC),
        window_start=window[0],
        window_end=window[1],
        fetched=rows,
        inserted=rows,
    )
