"""How `c3` tells an operator what went wrong: a mistake of theirs (the config, a store
another process holds or whose log cannot be replayed, a port in use) is one or two
readable lines naming the file, key, process or port, and exit status 2 (config) or 1
(the rest); the traceback only with --verbose. A bug still prints its traceback: that
one is ours to read."""

from __future__ import annotations

import errno
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

import typer

from config import ConfigError
from store import StoreCorrupt
from store.lock import StoreLocked

CONFIG_EXIT, OPERATOR_EXIT = 2, 1
T = TypeVar("T")


def run_reporting_operator_errors(command: Callable[[], T], argv: list[str]) -> T:
    """Run the `c3` command (or a step of one); its result, or an operator's mistake
    printed in plain words and exit."""
    verbose = any(arg in ("--verbose", "-v") for arg in argv[1:])
    try:
        return command()
    except ConfigError as exc:
        _report(exc, verbose, [f"c3: the config has {_count(exc.problems, 'problem')}:",
                               *[f"  {p}" for p in exc.problems]], CONFIG_EXIT)  # fmt: skip
    except StoreLocked as exc:
        _report(exc, verbose, [f"c3: {exc}.", _what_to_do_when_locked(exc)], OPERATOR_EXIT)
    except StoreCorrupt as exc:  # its message says what happened and what to do
        _report(exc, verbose, [f"c3: {exc}"], OPERATOR_EXIT)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        _report(exc, verbose, ["c3: the port is in use by another program (set http_port or "
                               "sim_port, or stop that program)."], OPERATOR_EXIT)  # fmt: skip


C3_SERVING = ("serve", "demo", "synthetic", "web", "worker")  # `c3` commands that poll the feeds


def _what_to_do_when_locked(exc: StoreLocked) -> str:
    words = (exc.command or "").split()  # 'c3 serve', 'cli serve' (python -m cli serve)
    if len(words) > 1 and words[0] in ("c3", "cli") and words[1] in C3_SERVING:
        return ("   That C3 polls the feeds itself: see them with `c3 connectors list`, or "
                "stop it first.")  # fmt: skip
    return "   Stop that process first, or point C3 at another file (duckdb_path)."


def _report(exc: BaseException, verbose: bool, lines: list[str], status: int) -> None:
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    for line in lines:
        typer.secho(line, fg=typer.colors.RED, err=True)
    if not verbose:
        typer.echo("   (add --verbose for the details)", err=True)
    raise SystemExit(status)


def _count(items: list, word: str) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"
