"""The `c3` command: its verbs, `c3 ingest --once` on the simulator, `c3 demo` end to end
(with its scheduled reports), and `c3 report` while the demo runs and after it stopped."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from cli import cli
from sim.http import free_port
from tests.helpers import days_back_to_fixed_now

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_the_verbs():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for verb in ("demo", "serve", "ingest", "sim", "report", "connectors", "config"):
        assert verb in result.output


def test_ingest_once_prints_a_summary_per_connector(tmp_path, monkeypatch, sim_fixed):
    config = tmp_path / "c3.toml"
    feeds = [
        ("waste", "ngsi-v2", sim_fixed.url, "WasteContainer"),
        ("traffic", "ngsi-v2", sim_fixed.url, "TrafficFlowObserved"),
        ("complaints", "open311", f"{sim_fixed.url}/open311/v2", None),
    ]
    backfill_days = days_back_to_fixed_now()  # the simulator's clock stands at FIXED_NOW
    text = f'data_dir = "{tmp_path}"\n'
    for name, kind, url, entity_type in feeds:
        text += f'[[connectors]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'
        text += f"backfill_days = {backfill_days}\n"
        text += f'entity_type = "{entity_type}"\n' if entity_type else ""
    config.write_text(text)
    monkeypatch.setenv("C3_CONFIG", str(config))
    result = CliRunner().invoke(cli, ["ingest", "--once"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[2:] if line}
    assert set(lines) == {"waste", "traffic", "complaints"}
    for name, cells in lines.items():
        status, fetched, inserted, updated, unchanged, quarantined = cells[1:7]
        assert status == "ok"
        as_int = [
            int(v.replace(",", "")) for v in (fetched, inserted, updated, unchanged, quarantined)
        ]
        assert as_int[0] > 0 and as_int[0] == sum(as_int[1:]), name
    assert (tmp_path / "c3.duckdb").exists()


def test_demo_starts_backfills_polls_and_serves(tmp_path):
    web, sim = free_port(), free_port()
    env = dict(
        os.environ,
        C3_DATA_DIR=str(tmp_path),
        C3_HTTP_PORT=str(web),
        C3_SIM_PORT=str(sim),
        C3_SIM_BACKFILL_DAYS="2",
        C3_CONFIG=os.devnull,
    )
    demo = subprocess.Popen(
        [sys.executable, "-m", "cli", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        versions, deadline = {}, time.monotonic() + 90
        while time.monotonic() < deadline and not {"waste", "traffic", "complaints"} <= set(
            versions
        ):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web}/api/version", timeout=2) as r:
                    versions = json.load(r)
            except OSError:
                time.sleep(0.5)
        assert {"city", "waste", "traffic", "complaints"} <= set(versions), versions
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/", timeout=5) as page:
            assert page.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{sim}/open311/v2/services.json") as r:
            assert len(json.load(r)) >= 5
        # the schedule's missed slots (today's 06:00, Monday's 07:00) are produced, late
        reports, deadline = [], time.monotonic() + 90
        while time.monotonic() < deadline and len(reports) < 4:
            time.sleep(1)
            reports = sorted(
                p for p in (tmp_path / "reports").glob("*/*.*") if p.suffix in (".html", ".pdf")
            )  # not the files being written
        assert {p.parent.name for p in reports} == {"city-daily", "waste-weekly"}
        assert {p.suffix for p in reports} == {".html", ".pdf"}
        assert "LATE" in next(p for p in reports if p.suffix == ".html").read_text()
        commands_ask_the_running_demo(env)
        # and `c3 report` has it produce the report
        on_demand = c3(env, "report", "city-daily")
        assert on_demand.returncode == 0, on_demand.stderr
        assert "produced by the running C3" in on_demand.stderr
        html = Path(on_demand.stdout.splitlines()[0])
        assert html.parent == tmp_path / "reports" / "city-daily" and html.exists()
    finally:
        demo.terminate()
        output, _ = demo.communicate(timeout=15)
    assert "C3 is running: http://localhost:" in output
    assert "Traceback" not in output
    # stopped: `c3 report --at` renders a past moment itself, named in city time
    past = c3(env, "report", "city-daily", "--at", "2026-01-02T03:04:00+00:00")
    assert past.returncode == 0, past.stderr
    assert past.stdout.splitlines()[:2] == [
        str(tmp_path / "reports" / "city-daily" / "2026-01-02T0504.html"),
        str(tmp_path / "reports" / "city-daily" / "2026-01-02T0504.pdf"),
    ]
    assert "missing: Waste: no container readings" in past.stdout  # no history then
    future = c3(env, "report", "city-daily", "--at", "2099-01-01T06:00")
    assert future.returncode == 2 and "in the future" in future.stderr


def commands_ask_the_running_demo(env: dict) -> None:
    """While the demo holds the DuckDB file, the commands that need it ask the demo."""
    # while the demo holds the DuckDB file, `c3 connectors list` asks it for the state
    listed = c3(env, "connectors", "list")
    assert listed.returncode == 0, listed.stderr
    states = {line.split()[0]: line for line in listed.stdout.splitlines()[2:]}
    assert set(states) == {"waste", "traffic", "complaints", "crews"}
    assert all(" live " in line for line in states.values()), listed.stdout
    # `c3 ingest --once` sees the lock at once and has the running demo poll its feeds
    polled = c3(env, "ingest", "--once")
    assert polled.returncode == 0, polled.stderr
    assert "is held by the running C3" in polled.stderr and "it polled" in polled.stderr
    runs = {line.split()[0]: line.split() for line in polled.stdout.splitlines()[2:]}
    assert set(runs) == {"waste", "traffic", "complaints", "crews"}
    assert all(cells[1] == "ok" and int(cells[2].replace(",", "")) > 0
               for cells in runs.values()), polled.stdout  # fmt: skip
    # `c3 users add` has the running C3 write the account (it holds the file)
    add = [sys.executable, "-m", "cli", "users", "add", "ada", "--role", "admin",
           "--password-stdin"]  # fmt: skip
    added = subprocess.run(add, cwd=ROOT, env=env, text=True, input="a long passphrase\n",
                           capture_output=True, timeout=60)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert c3(env, "users", "list").stdout.split()[:2] == ["ada", "admin"]


def c3(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
