"""C3 at ten times the synthetic city (issue 17): 500,000 containers, 200,000 road
segments, 2,000,000 complaints, 35 days of readings and a year of rollups before them
(`c3 synthetic --rollup-days`), served from the lake and, in the same run, from the
embedded DuckDB file holding the same data (the baseline).

Prints per store: `/explore`'s first render (median of fresh browsers), the p95 of its
callbacks while the slider moves and filters change, the year's KPIs (monthly, from the
zone hours: `/api/kpis/year/<domain>`, uncached), and the peak memory of the web worker
(gunicorn's worker process, VmHWM); then the lake's figure beside the file's.

Budgets (issue 17): first render < 3 s, callback p95 < 300 ms, year KPIs < 2 s, peak
memory per web worker < 2 GB. The build is long (at 10x: 50 minutes for the readings,
12.8 GB, then the year of rollups and the copy into the lake): `--reuse` keeps a built
file and lake; `--scale 1` measures the synthetic city itself (4 minutes, 2 GB). Needs
PostgreSQL on 127.0.0.1:5432 for the lake's catalog (else only the file is measured).
Both servers serve only (`--no-jobs`): the frozen data has no feeds, and the planner's
first run would compete for the 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._load_processes import stop, wait_for  # noqa: E402
from bench._memory import tree_peak_bytes  # noqa: E402
from bench.bench_explore import MAP_READY, first_render, interactions, pct  # noqa: E402
from bench.bench_load import lake_missing  # noqa: E402
from sim.http import free_port  # noqa: E402

POSTGRES = "host=127.0.0.1 user=postgres"
BUDGET = {"render_s": 3.0, "p95_ms": 300.0, "year_s": 2.0, "rss_gb": 2.0}


def city_args(scale: float, days: int, rollup_days: int) -> list[str]:
    sizes = {"containers": 50_000, "segments": 20_000, "requests": 200_000}
    args = [f"--{k}={int(v * scale)}" for k, v in sizes.items()]
    return args + [f"--days={days}", f"--rollup-days={rollup_days}"]


def write_config(folder: Path, lake: str | None) -> Path:
    lines = [f'data_dir = "{folder}"', 'auth = "none"', 'http_host = "127.0.0.1"']
    if lake:
        lines += ["[store]", 'kind = "ducklake"', f'catalog = "postgres:{POSTGRES} dbname={lake}"',
                  f'data_path = "{folder / "lake"}"']  # fmt: skip
    config = folder / f"{'lake' if lake else 'file'}.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def prepare(config: Path, city: list[str], db: Path, rebuild: bool, log: Path) -> float:
    """Build the file (and copy it into the lake the config names), unless kept; seconds."""
    clock = time.monotonic()
    args = [sys.executable, "-m", "cli", "synthetic", *city, "--db", str(db), "--no-serve"]
    with open(log, "ab") as out:
        subprocess.run(args + (["--rebuild"] if rebuild else []), cwd=ROOT, check=True,
                       env=dict(os.environ, C3_CONFIG=str(config)), stdout=out,
                       stderr=subprocess.STDOUT)  # fmt: skip
    return time.monotonic() - clock


def year_kpis(url: str) -> dict[str, float]:
    """Seconds for a year of each domain's monthly KPIs (the first ask: uncached)."""
    took = {}
    for domain in ("waste", "traffic"):
        clock = time.monotonic()
        with urllib.request.urlopen(f"{url}/api/kpis/year/{domain}", timeout=120) as answer:
            months = json.load(answer)["months"]
        took[domain] = time.monotonic() - clock
        if len(months) < 12:
            raise RuntimeError(f"{domain}: {len(months)} months of KPIs, a year expected")
    return took


def measure(name: str, config: Path, city: list[str], db: Path, folder: Path, steps: int) -> dict:
    port = free_port()
    log = folder / f"{name}.log"
    args = [sys.executable, "-m", "cli", "synthetic", *city, "--db", str(db), "--no-jobs",
            "--port", str(port)]  # fmt: skip
    with open(log, "ab") as out:
        server = subprocess.Popen(args, cwd=ROOT, env=dict(os.environ, C3_CONFIG=str(config)),
                                  stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(server, url + "/api/version", log, 900)
        year = year_kpis(url)
        renders = [first_render(url + "/explore", MAP_READY) / 1000 for _ in range(3)]
        seen = interactions(url, steps)
        rss = tree_peak_bytes(server.pid)
    finally:
        stop([server])
    calls = [e["ms"] for kind in ("slider", "filter") for e in seen[kind]
             if ("_dash-update-component" in e["name"] or "/api/frame" in e["name"])
             and e["bytes"] > 0]  # fmt: skip
    return {"render_s": statistics.median(renders), "p95_ms": pct(calls, 0.95),
            "p50_ms": pct(calls, 0.5), "calls": len(calls), "year_s": max(year.values()),
            "year": year, "rss_gb": rss / 1e9}  # fmt: skip


def report(results: dict, label: str) -> None:
    ok = lambda good: "OK" if good else "OVER BUDGET"  # noqa: E731
    print(f"\nscale bench: {label} (headless Chromium, loopback, the 2-core machine)")
    print(f"  {'figure':<34}{'file (baseline)':>16}{'lake':>12}{'lake/file':>11}   budget")
    rows = [("/explore first render, s", "render_s", "{:.2f}"),
            ("callbacks p95, ms", "p95_ms", "{:.0f}"), ("callbacks p50, ms", "p50_ms", "{:.0f}"),
            ("year KPIs (slower domain), s", "year_s", "{:.2f}"),
            ("peak memory per web worker, GB", "rss_gb", "{:.2f}")]  # fmt: skip
    for title, key, form in rows:
        file, lake = results.get("file", {}).get(key), results.get("lake", {}).get(key)
        cells = [form.format(v) if v is not None else "-" for v in (file, lake)]
        ratio = f"x{lake / file:.2f}" if file and lake else "-"
        verdict = f"< {BUDGET[key]:g}: {ok(lake < BUDGET[key])}" if key in BUDGET and lake else ""
        print(f"  {title:<34}{cells[0]:>16}{cells[1]:>12}{ratio:>11}   {verdict}")
    for name, found in results.items():
        year = ", ".join(f"{d} {s:.2f} s" for d, s in found["year"].items())
        print(f"  {name}: {found['calls']} callback requests; year KPIs {year}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10, help="times the synthetic city")
    parser.add_argument("--days", type=int, default=35, help="days of raw readings")
    parser.add_argument("--rollup-days", type=int, default=330, help="days of rollups before")
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench" / "scale")
    parser.add_argument("--steps", type=int, default=12, help="slider moves, filter changes")
    parser.add_argument("--reuse", action="store_true", help="keep a built file and lake")
    args = parser.parse_args()
    folder = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    city = city_args(args.scale, args.days, args.rollup_days)
    db = folder / "synthetic.duckdb"
    lake = f"c3_bench_scale_{args.scale:g}x".replace(".", "_")
    label = f"{args.scale:g}x the synthetic city ({' '.join(a[2:] for a in city)})"
    results = {}
    file_config = write_config(folder, None)
    built_s = prepare(file_config, city, db, not args.reuse, folder / "build.log")
    print(f"file ready in {built_s:.0f} s: {db} ({db.stat().st_size / 1e9:.1f} GB)")
    results["file"] = measure("file", file_config, city, db, folder, args.steps)
    print(f"  file: {json.dumps(results['file'])}")
    if missing := lake_missing():
        print(f"lake skipped: {missing}")
    else:
        if not args.reuse:
            subprocess.run(["dropdb", "--force", "--if-exists", "-h", "127.0.0.1", "-U",
                            "postgres", lake], check=True)  # fmt: skip
            shutil.rmtree(folder / "lake", ignore_errors=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", lake], check=False,
                       stderr=subprocess.DEVNULL)  # fmt: skip
        lake_config = write_config(folder, lake)
        copied_s = prepare(lake_config, city, db, False, folder / "build.log")
        print(f"lake ready in {copied_s:.0f} s ({lake}, {folder / 'lake'})")
        results["lake"] = measure("lake", lake_config, city, db, folder, args.steps)
        print(f"  lake: {json.dumps(results['lake'])}")
    report(results, label)


if __name__ == "__main__":
    main()
