"""`c3 users`: local accounts for a city without an identity provider, written to the
DuckDB file (the running C3's case is in test_cli.py's demo run): a password read from
stdin and kept only as a scrypt hash, a second account of one name refused in one line,
and the account signing in."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from config import load_settings
from services.accounts import signed_in_locally
from store import Store
from store.city import load_city_model

ROOT = Path(__file__).resolve().parents[2]


def c3(tmp_path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, C3_DATA_DIR=str(tmp_path), C3_CONFIG=os.devnull, COLUMNS="300")
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)  # fmt: skip


def test_users_add_list_remove_and_the_account_signs_in(tmp_path):
    added = c3(tmp_path, "users", "add", "maria", "--role", "department", "--department",
               "waste", "--password-stdin", stdin="a long passphrase\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added maria (department); sign in at /login\n"
    again = c3(tmp_path, "users", "add", "maria", "--role", "admin", "--password-stdin",
               stdin="another passphrase\n")  # fmt: skip
    assert again.returncode == 2 and "an account 'maria' exists already" in again.stderr
    assert "Traceback" not in again.stderr
    short = c3(tmp_path, "users", "add", "olli", "--role", "operator", "--password-stdin",
               stdin="short\n")  # fmt: skip
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    listed = c3(tmp_path, "users", "list")
    assert listed.stdout.split() == ["maria", "department", "waste"]
    store = Store(tmp_path / "c3.duckdb")
    try:
        with store.reading() as cur:
            stored = cur.execute("SELECT password_hash FROM users").fetchone()[0]
        assert stored.startswith("scrypt$") and "passphrase" not in stored
        access = load_settings().access
        now = datetime.now(UTC)
        who = signed_in_locally(store, access, "maria", "a long passphrase", now)
        assert (who.role, who.departments, who.personal_data) == ("department", ("waste",), False)
        assert signed_in_locally(store, access, "maria", "a wrong passphrase", now) is None
    finally:
        store.close()
    removed = c3(tmp_path, "users", "remove", "maria")
    assert removed.returncode == 0 and c3(tmp_path, "users", "list").stdout == ""


def test_a_department_account_scoped_to_zones_of_this_city(tmp_path, city):
    store = Store(tmp_path / "c3.duckdb")
    load_city_model(store, city)
    with store.reading() as cur:
        zone = cur.execute("SELECT min(zone_id) FROM zones").fetchone()[0]
    store.close()
    add = ("users", "add", "maria", "--role", "department", "--department", "waste")
    unknown = c3(tmp_path, *add, "--zone", "Kallio", "--password-stdin",
                 stdin="a long passphrase\n")  # fmt: skip
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert f"no zone Kallio in this city; its zone ids: {zone}" in unknown.stderr
    added = c3(tmp_path, *add, "--zone", zone, "--password-stdin", stdin="a long passphrase\n")
    assert added.returncode == 0, added.stderr
    assert c3(tmp_path, "users", "list").stdout.split() == [
        "maria", "department", "waste", "zones", zone]  # fmt: skip
    store = Store(tmp_path / "c3.duckdb")
    try:
        who = signed_in_locally(store, load_settings().access, "maria", "a long passphrase",
                                datetime.now(UTC))  # fmt: skip
        assert who.zones == (zone,) and who.zone_filter(["elsewhere"]) == ["\x00"]
    finally:
        store.close()
