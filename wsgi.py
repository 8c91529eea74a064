"""C3's WSGI entry point, for a city that runs gunicorn itself (`c3 serve` runs the same):

    gunicorn -c python:wsgi 'wsgi:create_server()'

`-c python:wsgi` gives gunicorn C3's options (cli.web.gunicorn_options: bind from
http_host and http_port, one gthread worker of web_threads threads, the stop timeout,
C3's log format) and its hooks: the master checks that no other process holds the store
(`on_starting`), the worker starts C3 on the configured city (`create_server`, the app
factory) and stops it, jobs and store, when it ends (`worker_exit`). Settings come from
c3.toml (or $C3_CONFIG) and C3_* variables, as for `c3 serve`. Options on the command
line win (`-b 0.0.0.0:8050`), except that `--workers` must stay 1: the worker runs the
jobs, and a second one would poll every feed again.
"""

from __future__ import annotations

import sys

from cli.errors import run_reporting_operator_errors
from cli.serve import open_configured
from cli.web import gunicorn_options, start_reporting
from cli.wiring import setup_logging
from config import load_settings
from store.lock import check_not_locked

setup_logging(verbose="--verbose" in sys.argv)
_settings = run_reporting_operator_errors(load_settings, sys.argv)
globals().update(gunicorn_options(_settings))  # bind, workers, worker_class, threads, …


def on_starting(_arbiter) -> None:
    """gunicorn's hook, in the master: the store held by another process is said at once."""
    run_reporting_operator_errors(lambda: check_not_locked(_settings.database_file), sys.argv)


def create_server():
    """The app factory, in the worker: C3 started on the configured city; its Flask app."""
    return start_reporting(_settings, lambda: open_configured(_settings))
