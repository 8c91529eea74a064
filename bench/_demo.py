"""Start `c3 demo` in a subprocess on free ports with its own data directory (benches)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sim.http import free_port

ROOT = Path(__file__).resolve().parents[1]


def start_demo(data_dir: str, root: Path = ROOT, **settings: str) -> tuple[subprocess.Popen, str]:
    """(process, dashboard URL) of a demo that answers; extra C3_* settings as keywords;
    `root`, the checkout it runs from (another commit's, for a baseline)."""
    port = free_port()
    env = dict(
        os.environ,
        C3_DATA_DIR=data_dir,
        C3_HTTP_PORT=str(port),
        C3_SIM_PORT=str(free_port()),
        C3_CONFIG=os.devnull,
        **{f"C3_{k.upper()}": v for k, v in settings.items()},
    )
    demo = subprocess.Popen(
        [sys.executable, "-m", "cli", "demo"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_answering(demo, url, 120)
    return demo, url


def wait_until_answering(server: subprocess.Popen, url: str, seconds: float) -> None:
    """Return once `url` answers /api/version; stop the server if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"c3 {server.args[3]} exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/version", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise TimeoutError(f"{url} did not answer within {seconds:.0f} s")
