"""bench_load.py's processes: `c3` commands with their own config and log, waiting for
one to answer and for the first jobs to be done, their CPU (and the lake catalog's
PostgreSQL backends'), stopping them, and the errors their log holds."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def c3(args: list[str], config: Path, log: Path) -> subprocess.Popen:
    """`c3 <args>` with its own config, its output in `log` (read when it fails)."""
    env = dict(os.environ, C3_CONFIG=str(config))
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def answering(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # answered, if only to say "sign in"
    except OSError:
        return False


def wait_for(process: subprocess.Popen, url: str, log: Path, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not answering(url):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{process.args[2:]} did not answer at {url}:\n{tail}")
        time.sleep(0.5)


def family(processes: list[subprocess.Popen]) -> list[psutil.Process]:
    found = []
    for p in processes:
        try:
            root = psutil.Process(p.pid)
            found += [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    return found


def catalog_backends(database: str | None) -> dict[int, float]:
    """CPU seconds so far of PostgreSQL's backends serving the lake's catalog (their
    title names its database), by process id."""
    found = {}
    for p in psutil.process_iter(["cmdline"]) if database else ():
        title = " ".join(p.info["cmdline"] or [])
        if title.startswith("postgres:") and f" {database} " in title:
            found[p.pid] = cpu_seconds([p])
    return found


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def settle(processes: list[subprocess.Popen], workers: int, limit_s: float = 240) -> float:
    """Wait until every web worker has started and the first jobs (the connectors' first
    polls, the planner, the catch-up reports) are done: at least 15 s, then the target's
    processes under a third of a core for two 3-second windows in a row. Returns the
    seconds waited."""
    clock, quiet = time.monotonic(), 0
    while time.monotonic() - clock < limit_s:
        group = family(processes)
        before = cpu_seconds(group)
        time.sleep(3)
        busy = (cpu_seconds(group) - before) / 3
        master = processes[-1].pid
        web = [p for p in group if p.pid != master and _parent(p) == master]
        quiet = quiet + 1 if busy < 0.33 and len(web) >= workers else 0
        if quiet >= 2 and time.monotonic() - clock >= 15:
            break
    return time.monotonic() - clock


def _parent(process: psutil.Process) -> int | None:
    try:
        return process.ppid()
    except psutil.NoSuchProcess:
        return None


def stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def log_errors(log: Path, most: int = 6) -> list[str]:
    """C3's own errors during the run, once each: its log's ERROR and CRITICAL lines
    (gunicorn's worker timeouts among them) and each exception with where it was raised."""
    seen: dict[str, int] = {}
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            body = lines[i + 1:i + 80]
            end = next((k for k, n in enumerate(body) if n and not n.startswith(" ")), None)
            if end is None:
                continue
            where = [n.strip() for n in body[:end] if n.strip().startswith("File ")]
            text = body[end][:120] + (f" ({where[-1][:120]})" if where else "")
        elif " ERROR " in line or " CRITICAL " in line:
            text = re.split(r" (?:ERROR|CRITICAL) +", line, maxsplit=1)[-1][:140]
        else:
            continue
        seen[text] = seen.get(text, 0) + 1
    return [f"{n}x {text}" for text, n in list(seen.items())[:most]]
