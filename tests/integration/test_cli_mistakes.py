"""An operator's mistakes at the `c3` command: a config check that lists every problem, a
misconfigured connector that does not stop the others, and a DuckDB file held by another
process named at once; one or two lines each, the traceback only with --verbose
(issue 15, items 7, 8 and 9)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store import Store, StoreCorrupt
from store.lock import StoreLocked

ROOT = Path(__file__).resolve().parents[2]
LA311 = ROOT / "tests" / "fixtures" / "la311_excerpt.csv"
LA_COLUMNS = ('columns = {request_id = "SRNumber", requested_at = "CreatedDate", '
              'status = "Status", service_name = "RequestType", lat = "Latitude", '
              'lon = "Longitude"}\n')  # fmt: skip
LA_FEED = ('[[connectors]]\nname = "la"\nkind = "file"\nurl = "' + str(LA311) + '"\n'
           'domain = "complaints"\ntime_format = "%m/%d/%Y %I:%M:%S %p"\n'
           'source_timezone = "America/Los_Angeles"\ncity_margin_km = 50000\n'
           'status_values = {Closed = "closed", Open = "open", Pending = "open"}\n'
           + LA_COLUMNS)  # fmt: skip
# the case: a file connector whose mapping misses a required field
NO_ID_FEED = ('[[connectors]]\nname = "no-id"\nkind = "file"\nurl = "' + str(LA311) + '"\n'
              'domain = "complaints"\ncolumns = {requested_at = "CreatedDate", '
              'status = "Status"}\n')  # fmt: skip


@pytest.fixture
def env(tmp_path):
    """The environment of a `c3` run with this test's data directory and config file."""
    import os

    return dict(os.environ, C3_DATA_DIR=str(tmp_path), C3_CONFIG=str(tmp_path / "c3.toml"))


def c3(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


def test_c3_config_lists_every_problem_and_exits_non_zero(env, tmp_path):
    config = tmp_path / "c3.toml"
    config.write_text('timezone = "Mars/Olympus"\n[smtp]\nhostt = "mail"\n' + LA_FEED +
                      '[[connectors]]\nname = "311"\nkind = "open311"\nurl = "ftp://a.example"\n'
                      "intervl_s = 5\n")  # fmt: skip
    checked = c3(env, "config")
    assert checked.returncode == 2
    assert checked.stdout == ""
    assert checked.stderr.splitlines() == [
        "c3: the config has 3 problems:",
        f"  {config}:1: timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as "
        "Europe/Helsinki",
        f"  {config}:3: unknown key smtp.hostt (did you mean host?)",
        f"  {config}:14: connector '311': unknown key intervl_s (did you mean interval_s?); url "
        "'ftp://a.example': open311 feeds are read over http:// or https://",
        "   (add --verbose for the details)",
    ]
    verbose = c3(env, "config", "--verbose")
    assert verbose.returncode == 2 and "Traceback (most recent call last)" in verbose.stderr


def test_c3_config_names_the_misconfigured_connectors_and_passes_a_good_config(env, tmp_path):
    config = tmp_path / "c3.toml"
    config.write_text(LA_FEED + NO_ID_FEED)
    checked = c3(env, "config", "--quiet")
    assert checked.returncode == 1, checked.stderr
    assert checked.stderr.splitlines() == [
        f"{config}: 1 connector(s) misconfigured; the other 1 would run:",
        f"  {config}:11: connector 'no-id': the mapping needs request_id",
    ]
    config.write_text(LA_FEED)
    good = c3(env, "config", "--quiet")
    assert good.returncode == 0 and good.stdout == f"{config}: config OK, 1 connector(s)\n"


def test_ingest_runs_the_good_connectors_beside_a_misconfigured_one(env, tmp_path):
    (tmp_path / "c3.toml").write_text(NO_ID_FEED + LA_FEED)
    ran = c3(env, "ingest", "--once")
    assert ran.returncode == 1  # not all is well, and the good feed's data landed
    assert "Traceback" not in ran.stdout + ran.stderr
    rows = {line.split()[0]: line.split() for line in ran.stdout.splitlines()[2:]}
    assert rows["la"][1] == "ok" and int(rows["la"][2].replace(",", "")) > 0
    assert rows["no-id"][1] == "misconfigured"
    assert rows["no-id"][-4:] == ["the", "mapping", "needs", "request_id"]
    listed = c3(env, "connectors", "list")
    assert listed.returncode == 0
    states = {line.split()[0]: line for line in listed.stdout.splitlines()[2:]}
    assert states["la"].split()[3] in ("live", "degraded")  # it ran (a fifth is not in LA)
    assert states["no-id"].split()[1:3] == ["misconfigured", f"{tmp_path / 'c3.toml'}:1:"]


def test_a_store_held_by_another_process_is_named_before_the_slow_start(env, tmp_path):
    (tmp_path / "c3.toml").write_text(LA_FEED)
    # another program, whose command line names the file: "python3 hold.py c3.duckdb"
    (tmp_path / "hold.py").write_text(
        "import duckdb, sys\nc = duckdb.connect(sys.argv[1])\n"
        "print('holding', flush=True)\nsys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "hold.py", "c3.duckdb"], cwd=tmp_path,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "holding\n"
        ran = c3(env, "ingest", "--once")
        assert ran.returncode == 1 and ran.stdout == ""
        lines = ran.stderr.splitlines()
        assert lines[0].startswith(f"c3: {tmp_path / 'c3.duckdb'} is in use by process "
                                   f"{holder.pid} (python")  # fmt: skip
        assert lines[0].endswith("): one process writes a DuckDB file at a time.")
        # not taken for a C3 because its command line names c3.duckdb
        assert lines[1] == "   Stop that process first, or point C3 at another file (duckdb_path)."
        assert len(lines) == 3 and "Traceback" not in ran.stderr
        listed = c3(env, "connectors", "list")  # no C3 to ask: the holder is named
        assert listed.returncode == 1 and "Traceback" not in listed.stderr
        assert listed.stderr.startswith(f"c3: {tmp_path / 'c3.duckdb'} is in use by process "
                                        f"{holder.pid} (python")  # fmt: skip
        # grabbed between c3's check and its opening: DuckDB's lock error, in the same words
        with pytest.raises(StoreLocked) as grabbed:
            Store(tmp_path / "c3.duckdb")
        assert grabbed.value.pid == holder.pid and grabbed.value.command.startswith("python")
        verbose = c3(env, "ingest", "--once", "--verbose")
        assert "Traceback (most recent call last)" in verbose.stderr
        served = c3(env, "serve")  # refuses at once too, before loading the city
        assert served.returncode == 1 and f"process {holder.pid}" in served.stderr
    finally:
        holder.communicate("", timeout=30)


def test_an_unreachable_feed_is_one_line_naming_the_host(env, tmp_path):
    from sim.http import free_port

    port = free_port()  # nothing listens there
    feed = f'name = "311"\nkind = "open311"\nurl = "http://127.0.0.1:{port}/v2"\nretries = 0\n'
    (tmp_path / "c3.toml").write_text("[[connectors]]\n" + feed)
    checked = c3(env, "connectors", "check", "311")
    assert checked.returncode == 1
    assert checked.stderr == f"  the run would fail: cannot reach 127.0.0.1:{port}\n"
    verbose = c3(env, "connectors", "check", "311", "--verbose")
    assert "Connection refused" in verbose.stderr  # the library's detail, when asked for


def test_connectors_list_reads_the_file_read_only_and_says_when_its_log_is_damaged(
    env, tmp_path, monkeypatch
):
    from cli.connectors import connector_states
    from config import load_settings

    monkeypatch.setenv("C3_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C3_CONFIG", os.devnull)
    settings = load_settings()
    Store(settings.database_file).close()
    opened = []

    class Spy(Store):
        def __init__(self, path, **kwargs):
            opened.append(kwargs.get("read_only", False))
            super().__init__(path, **kwargs)

    monkeypatch.setattr("store.Store", Spy)
    assert set(connector_states(settings)) == {"waste", "traffic", "complaints", "crews"}
    assert opened == [True]  # listing runs no migration and changes nothing
    monkeypatch.setattr("store.Store", Store)
    damage_the_write_ahead_log(settings.database_file)
    with pytest.raises(StoreCorrupt):  # not "(state unknown…)"
        connector_states(settings)


def damage_the_write_ahead_log(db: Path) -> None:
    """Leave `db` with a write-ahead log that cannot be replayed (a C3 killed before its
    checkpoint, and a few damaged blocks in the log)."""
    killed = ("import os, sys\nfrom store import Store\ns = Store(sys.argv[1])\n"
              "with s.transaction() as cur:\n"
              "    cur.execute(\"CREATE TABLE big AS SELECT range i, repeat('b', 100) s "
              "FROM range(20000)\")\nos._exit(0)\n")  # fmt: skip
    subprocess.run([sys.executable, "-c", killed, str(db)], cwd=ROOT, check=True)
    wal = db.with_name(db.name + ".wal")
    size = wal.stat().st_size
    with wal.open("r+b") as log:
        log.seek(size // 2)
        log.write(b"\xa5" * 4096)


def test_a_misconfigured_connectors_reason_is_in_the_error_column(capsys):
    from cli.ingest import print_runs
    from config import ConfigProblem

    run = {"connector": "la", "status": "failed", "fetched": 0, "inserted": 0, "updated": 0,
           "unchanged": 0, "quarantined": 0, "error": "cannot reach a.example:80"}  # fmt: skip
    print_runs([run], [ConfigProblem("c3.toml:11", "the mapping needs request_id", "no-id")],
               verbose=False)  # fmt: skip
    header, _, failed, aside = capsys.readouterr().out.splitlines()
    column = header.index("error")
    assert failed.index("cannot reach") == column
    assert aside.split()[1] == "misconfigured" and aside.index("c3.toml:11") == column


@pytest.mark.parametrize(
    ("command", "is_c3"),
    [
        ("c3 serve", True),
        ("cli demo", True),  # python -m cli demo
        ("c3 synthetic --blocks 40 --serve", True),
        ("python3.11 hold.py /var/c3/c3.duckdb", False),  # names the file, is not C3
        ("duckdb /var/c3/c3.duckdb", False),
        ("python3 -m pytest tests/cli", False),
        (None, False),
    ],
)
def test_only_a_c3_that_serves_is_taken_for_the_running_c3(command, is_c3):
    from cli.errors import _what_to_do_when_locked

    advice = _what_to_do_when_locked(StoreLocked(Path("/var/c3/c3.duckdb"), 7, command))
    assert advice.startswith("   That C3 polls the feeds itself") is is_c3
