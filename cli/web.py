"""C3's web server: gunicorn, with one worker of a few threads (on a lake, `web_workers`).

The `c3` process (`c3 serve`, `c3 demo`, `c3 synthetic`) becomes gunicorn's master: it
has read the settings and checked the store's lock, binds the port, forks one worker and
starts it again should it die. The worker is C3 as one process: it opens what the command
serves (the city, the DuckDB file, the demo's simulator), starts the scheduler and
answers with the Dash app on `web_threads` threads (gthread). The master never opens the
DuckDB file nor starts a thread: DuckDB does not survive a fork (a process that forked
after using it aborts at exit), and a thread does not cross one. One worker, because it
runs the jobs: a second would poll every feed again. On a shared store (a lake) the jobs
are `c3 worker`'s (cli.worker): the web workers, `web_workers` of them, only serve.

SIGTERM or Ctrl-C to the master: it stops the worker, which stops C3 (cli.stopping), and
exits 0. A city's ops may run the same under a gunicorn command of their own (wsgi.py).
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import typer
from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.gthread import ThreadWorker

from cli.errors import OPERATOR_EXIT, run_reporting_operator_errors
from cli.stopping import GRACE_S, Stopping
from config import Settings

log = logging.getLogger("c3")

STOP_TIMEOUT_S = int(GRACE_S) + 20  # gunicorn's graceful_timeout: requests, then jobs
_stopping: Stopping | None = None  # the worker's C3, once started


@dataclass
class Opened:
    """What the worker serves, opened there: the store, the city, the basemap (None: the
    city extract's own), the connectors (None: the configured feeds), and what to stop
    after C3 (the demo's simulator)."""

    store: object  # store.Store
    city: object  # geo.city.City
    basemap_path: Path | None = None
    connectors: list | None = None
    demo: bool = False  # `c3 demo`: its visitors are signed in as a demo user
    jobs: bool = True  # False: serve only, as a web worker on a lake does
    on_stop: Callable[[], None] | None = None


def start(settings: Settings, open_site: Callable[[], Opened]):
    """In the worker: open the site, start the jobs, build the app; its Flask server."""
    global _stopping
    from app import create_app
    from cli.wiring import job_parts, session_key, write_report_token
    from jobs.scheduler import RunningJobs, build_scheduler, poll_now
    from services.context import Services
    from services.dispatch import Dispatcher
    from store.cache import Cache
    from store.containers import container_count
    from store.notices import VersionBoard

    site = open_site()
    store, city = site.store, site.city
    if settings.store.kind == "ducklake":
        store.limit_reads(settings.store.reads_at_once, settings.store.threads_per_read)
    parts = job_parts(settings, store, city, site.connectors, site.basemap_path)
    connectors, planner, reporter = parts.connectors, parts.planner, parts.reporter
    jobs = RunningJobs()
    # on a lake the jobs are `c3 worker`'s: this one serves
    shared = settings.store.kind == "ducklake" or not site.jobs
    prefix = f"c3:{store.store_id}"
    board = VersionBoard(store, settings.redis_url, prefix)
    scheduler = build_scheduler(
        [] if shared else connectors, store, None if shared else planner,
        settings.collection.recompute_minutes, None if shared else reporter, jobs,
        after=board.publish, retention=None if shared else parts.retention,
        source_updates=None if shared else parts.source_updates,
        follow_up=None if shared else parts.follow_up,
        outcomes=None if shared else parts.outcomes,
    )  # fmt: skip
    _stopping = Stopping(scheduler, jobs, store, then=site.on_stop)
    if not shared:
        scheduler.start()
    svc = Services(
        settings=settings,
        store=store,
        cache=Cache(settings.redis_url, prefix=prefix),
        versions=board,
        map_bounds=city.bounds,
        basemap_path=parts.basemap,
        feed_intervals=parts.feed_intervals,
        misconfigured=parts.misconfigured,
        collection=planner,
        reporter=reporter,
        dispatch=Dispatcher(store, city, settings, planner),
        report_token=write_report_token(settings),
        poll_now=None if shared else lambda: poll_now(scheduler),
        demo_sign_in=site.demo,
        session_key=session_key(settings),
    )
    with store.reading() as cur:
        svc.large_city = container_count(cur) > settings.cluster_containers_over
    say_who_may_sign_in(svc)
    return create_app(svc).server


def say_who_may_sign_in(svc) -> None:
    """The log line an operator needs at start: open access, or no account yet (and the
    one command that makes the first admin)."""
    from store.access import user_count

    if svc.demo_sign_in:
        log.info("demo: visitors are signed in as a demo admin (with a role switcher)")
    elif svc.settings.auth == "none":
        log.warning("auth = 'none': open access, anyone who reaches C3 sees its screens "
                    "(without personal data)")  # fmt: skip
    elif svc.settings.auth == "local":
        with svc.store.reading() as cur:
            if user_count(cur) == 0:
                log.warning("no account yet: create the first admin with "
                            "`c3 users add admin --role admin`, then sign in")  # fmt: skip


def start_reporting(settings: Settings, open_site: Callable[[], Opened]):
    """`start`, an operator's mistake (a corrupt store, a port in use) said in a line or
    two as `c3` says it; the worker then exits as one that failed to boot, so that
    gunicorn stops rather than starting it again and again."""
    try:
        return run_reporting_operator_errors(lambda: start(settings, open_site), sys.argv)
    except SystemExit:
        raise SystemExit(Arbiter.WORKER_BOOT_ERROR) from None


class C3Worker(ThreadWorker):
    """gunicorn's threaded worker. It tells the master it is alive while C3 starts (the
    city may take a while to load), and asked to stop, has C3's jobs stop at once while
    it finishes the requests in flight; it notes which signal asked (aborted runs say)."""

    stopped_by: str | None = None
    quitting = False

    def load_wsgi(self) -> None:
        loaded = threading.Event()

        def heartbeat() -> None:
            while not loaded.wait(min(self.timeout / 2, 5)):
                self.notify()

        threading.Thread(target=heartbeat, name="c3-starting", daemon=True).start()
        try:
            super().load_wsgi()
        finally:
            loaded.set()

    def handle_exit(self, sig, frame) -> None:  # SIGTERM: the requests in flight finish
        self.stopped_by = self.stopped_by or signal.Signals(sig).name
        super().handle_exit(sig, frame)
        self.method_queue.defer(_begin_stop, self.stopped_by)  # out of the signal handler

    def handle_quit(self, sig, frame) -> None:  # SIGINT (Ctrl-C), SIGQUIT: at once
        if not self.booted:  # still starting C3: it starts, then stops as on SIGTERM
            self.handle_exit(sig, frame)
            return
        if self.quitting:
            return  # the master's SIGQUIT after Ctrl-C must not cut the stop short
        self.quitting = True
        self.stopped_by = self.stopped_by or signal.Signals(sig).name
        super().handle_quit(sig, frame)


def _begin_stop(why: str) -> None:
    if _stopping is not None:
        _stopping.begin(why)


def worker_exit(_arbiter, worker) -> None:
    """gunicorn's hook as a worker ends. In the worker: stop C3, then end the process at
    once, 0 (3 when C3 did not start: gunicorn then stops), without the interpreter's
    exit, at which DuckDB, imported before the fork, aborts the process. (gunicorn also
    calls it in the master, for a worker found gone: nothing to do there.)"""
    if os.getpid() != worker.pid:
        return
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_IGN)  # stopping: a repeat does nothing
    if _stopping is not None:
        _stopping.finish(getattr(worker, "stopped_by", None) or "the web server's end")
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if worker.booted else Arbiter.WORKER_BOOT_ERROR)


class C3Log(glogging.Logger):
    """gunicorn's own lines (start, worker, signals) in C3's log format; no access log."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


def gunicorn_options(settings: Settings) -> dict:
    """gunicorn's settings for C3 (wsgi.py gives the same to a gunicorn command)."""
    return {
        "bind": [f"{settings.http_host}:{settings.http_port}"],
        "workers": settings.web_workers if settings.store.kind == "ducklake" else 1,
        "worker_class": "cli.web.C3Worker",
        "threads": settings.web_threads,
        "graceful_timeout": STOP_TIMEOUT_S,
        "worker_exit": worker_exit,
        "logger_class": "cli.web.C3Log",
        "proc_name": "c3",
        "control_socket_disable": True,  # no gunicornc socket file in the working directory
    }


def check_port_free(settings: Settings) -> None:
    """Raise EADDRINUSE at once (`c3` says it in a line), where gunicorn would retry."""
    family = socket.AF_INET6 if ":" in settings.http_host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.http_host, settings.http_port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise
            log.debug("port check: %s", exc)  # gunicorn says what is wrong with the address


def in_child(func: Callable, *args, progress: Callable[[str], object], **kwargs):
    """`func(*args, progress=…, **kwargs)` in a forked child process, its progress lines
    passed on to `progress` here as they come, its result returned or its exception
    raised here; what it opens (DuckDB) ends with it."""
    fork = get_context("fork")
    receive, send = fork.Pipe(duplex=False)
    child = fork.Process(target=_child, args=(send, func, args, kwargs), daemon=True)
    child.start()
    send.close()
    try:
        while True:
            kind, value = receive.recv()
            if kind == "progress":
                progress(value)
            elif kind == "error":
                raise value
            else:
                return value
    except EOFError:
        raise RuntimeError(f"{func.__name__} ended without an answer") from None
    finally:
        child.join()


def _child(send, func: Callable, args: tuple, kwargs: dict) -> None:
    try:
        result = func(*args, progress=lambda line: send.send(("progress", line)), **kwargs)
    except Exception as exc:
        send.send(("error", exc))
    else:
        send.send(("result", result))


class C3Server(BaseApplication):
    """C3 under gunicorn, from the `c3` command; `run()` returns once C3 has stopped."""

    def __init__(self, settings: Settings, open_site: Callable[[], Opened], banner: str):
        self.settings, self.open_site, self.banner = settings, open_site, banner
        super().__init__()

    def load_config(self) -> None:
        for name, value in gunicorn_options(self.settings).items():
            self.cfg.set(name, value)

    def load(self):
        server = start_reporting(self.settings, self.open_site)
        typer.secho(f"\n{self.banner}\n", fg=typer.colors.GREEN, bold=True)
        return server

    def run(self) -> None:
        master = os.getpid()
        try:
            super().run()
        except SystemExit as end:
            if os.getpid() != master:  # the worker (worker_exit ends it): never the CLI's
                os._exit(end.code if isinstance(end.code, int) else 1)  # code after this
            if end.code == Arbiter.WORKER_BOOT_ERROR:
                raise SystemExit(OPERATOR_EXIT) from None  # the worker has said why
            if end.code:
                raise
