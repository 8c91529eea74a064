"""`c3 store copy --to ducklake` (issue 17): the demo's store, moved from its DuckDB file
into an empty lake by the real command, leaves the lake with every row the file held and
the same map layers; a second copy into the now full lake is refused in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from config import Settings
from services.retention import run_retention
from store import Store
from store.city import load_city_model
from store.copy import NOT_COPIED, tables_of
from store.queries import containers_geojson, segments_geojson
from tests.helpers import rows, seed_demo_day, store_toml

ROOT = Path(__file__).resolve().parents[2]


def c3(tmp_path, config: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, C3_DATA_DIR=str(tmp_path), C3_CONFIG=str(config), COLUMNS="300")
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def counts(store) -> dict[str, int]:
    return {t: rows(store, f"SELECT count(*) FROM {t}")[0][0]
            for t in tables_of(store) if t not in NOT_COPIED}  # fmt: skip


def layers(store) -> list[list[dict]]:
    """The containers' and segments' map layers, each feature in id order."""
    with store.reading() as cur:
        drawn = [json.loads(containers_geojson(cur)), json.loads(segments_geojson(cur))]
    return [sorted(layer["features"], key=lambda f: f["properties"]["id"]) for layer in drawn]


def test_the_demo_store_moves_into_a_lake_whole(tmp_path, lake, city, demo_city):
    file = Store(tmp_path / "c3.duckdb")
    load_city_model(file, city)
    now = datetime.now(UTC)
    seed_demo_day(file, demo_city, now)
    run_retention(file, Settings(data_dir=tmp_path), now=now)  # (nothing old yet)
    expected, expected_layers = counts(file), layers(file)
    file.close()
    probe = Store(":memory:", lake=lake)  # the lake's form of the config
    config = tmp_path / "c3.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n{store_toml(probe)}')
    probe.close()

    copied = c3(tmp_path, config, "store", "copy", "--to", "ducklake")

    assert copied.returncode == 0, copied.stderr
    assert "waste_readings" in copied.stdout and "copied " in copied.stdout
    moved = Store(":memory:", lake=lake)
    try:
        assert counts(moved) == expected and expected["waste_readings"] > 1000
        assert layers(moved) == expected_layers
    finally:
        moved.close()

    again = c3(tmp_path, config, "store", "copy", "--to", "ducklake")
    assert again.returncode == 1
    message = [line for line in again.stderr.splitlines() if line.strip()]
    assert len(message) == 1 and "the lake already holds data" in message[0], again.stderr
    assert "Traceback" not in again.stderr
