"""Load (issue 17): 50 and 200 simulated users on the wall's poll and /explore's
callbacks, against the two shapes of docs/deploy.md, one after the other in the same run:

  A  one `c3 serve` (one gunicorn worker: screens, API and jobs) on a DuckDB file;
  B  `c3 serve` with `web_workers = 4` on a lake (DuckLake: its catalog in a new
     PostgreSQL database on 127.0.0.1:5432, dropped at the end; its files under a
     temporary directory) and one `c3 worker` running the jobs, Redis (127.0.0.1:6379)
     carrying its change notices under the new store's own key prefix.

Each store is seeded as `c3 demo` seeds its own (the demo city's history, --days), and
both poll one `c3 sim` (the demo's feeds), so the walls see data change as they would.
The users (bench/_load_users.py, locust, headless, loopback only) are half walls, half
/explore: a wall polls every second (a wall's refresh_ms = 1000) as Dash's renderer
does, and loads a tile, its layer and the alert strip when a domain's token changes (the
poll's answers are its heartbeat: a wall whose polls answer asks nothing else); an
/explore user moves the time slider or changes a filter every 2–8 s (the table's
callbacks, /api/frame, the complaints layer) and polls every 10 s (the default
refresh_ms). Each signs in with a local account (`auth = "local"`, the
default; the bench adds a wall and an operator account to the store). Figures are taken
after every user has signed in and opened its page, for --seconds.

Prints per target and user count: requests, fail ratio (< 1 %), p50/p95 per endpoint,
and the ratio B/A per endpoint. Baseline, same run: target A. Budget: at 200 users, the
wall's poll p95 < 500 ms on 4 workers (B). Earlier (one process, before the lake): 50
users, 0 failures in 5,530 requests, p95 2.4 s overall and 6.1 s for the traffic tile.

The load generator runs on the same machine as the servers and takes CPU from them.
Measured 1 Dec 2026 (docs/benchmarks.md): budget missed, 11 s at first (B: 33–43 ms of
CPU a request, half of it the sign-in check reading the lake), 1.4 s after the lake read
less (B: 13–16 ms a request, 130 requests/s; the 2-core machine full); 1.1 s after the
wall's poll left Dash and each read ran on one DuckDB thread (3.6 s the same morning
without), 0.65 s after /explore's poll left Dash too; 0.16-0.23 s, met, once a lake's
web worker had 64 threads (its polls had waited for one of 32, behind reads waiting their
turn: 19 ms at the p95 on the server, 1.5 s in the client).

    --keep keeps the temporary directory (the servers' logs) for a look after.

    python bench/bench_load.py            # 60 s per case, 14 days of history
    python bench/bench_load.py --quick    # 20 s per case, 2 days: a check, not figures
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._load_processes import (  # noqa: E402
    c3,
    catalog_backends,
    cpu_seconds,
    family,
    log_errors,
    settle,
    stop,
    wait_for,
)
from config.settings import LAKE_WEB_THREADS  # noqa: E402
from sim.http import free_port  # noqa: E402

POSTGRES = "host=127.0.0.1 port=5432 user=postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
WEB_WORKERS = 4
BUDGET_USERS, BUDGET_P95_MS, BUDGET_ENDPOINT = 200, 500.0, "wall: poll"
MAX_FAIL_RATIO = 0.01
# the accounts the users sign in with (name, password, role), added by the seeding
ACCOUNTS = {"wall": ("bench-wall", "bench-wall-password", "wall"),
            "explore": ("bench-operator", "bench-operator-password", "operator")}  # fmt: skip
TARGETS = {
    "A": "one c3 serve, DuckDB file",
    "B": f"c3 serve x {WEB_WORKERS} web workers ({LAKE_WEB_THREADS} threads each, the "
         "lake's default) + c3 worker, DuckLake, Redis notices",
}


# -- the stores ---------------------------------------------------------------------------
def write_config(folder: Path, port: int, sim_port: int, lake: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'data_dir = "{folder}"', f"http_port = {port}", f"sim_port = {sim_port}",
             'http_host = "127.0.0.1"']  # fmt: skip
    if lake:
        lines += [f'redis_url = "{REDIS_URL}"', f"web_workers = {WEB_WORKERS}", "",
                  "[store]", 'kind = "ducklake"', f'catalog = "postgres:{POSTGRES} dbname={lake}"',
                  f'data_path = "{folder / "lake"}"']  # fmt: skip
    config = folder / "c3.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def seed(config: Path, days: int, log: Path) -> str:
    """The store as `c3 demo` leaves it (`days` of the demo city's history) and the
    bench's two accounts, in a process of its own; the store's id."""
    env = dict(os.environ, C3_CONFIG=str(config))
    with open(log, "ab") as out:
        done = subprocess.run([sys.executable, __file__, "--seed-store", "--days", str(days)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=out)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{log.read_text(errors='replace')[-3000:]}")
    return done.stdout.decode().split()[-1]


def seed_store(days: int) -> None:
    """In the child: the configured store, seeded. Prints its id."""
    from cli.serve import build_demo_city
    from cli.wiring import configured_city, open_store
    from config import load_settings
    from services import accounts
    from sim.demo_history import backfill_demo

    settings = load_settings()
    city = configured_city(settings)
    store = open_store(settings, city)
    try:
        backfill_demo(store, build_demo_city(settings, city), days, settings.sim_step_minutes)
        for name, password, role in ACCOUNTS.values():
            accounts.add_account(store, accounts.new_account(name, role, password, [], [], False))
        print(store.store_id)
    finally:
        store.close()


def lake_missing() -> str | None:
    """Why target B cannot run here (no PostgreSQL, Redis or createdb), or None."""
    for what, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
        except OSError:
            return f"no {what} on 127.0.0.1:{port}"
    if not shutil.which("createdb"):
        return "no createdb (PostgreSQL's client programs)"
    return None


def forget_redis_keys(store_id: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"c3:{store_id}:*", count=500):
        client.delete(key)


# -- the load -----------------------------------------------------------------------------
def load(url: str, users: int, seconds: float, warm_up_s: float,
         servers: list[subprocess.Popen], database: str | None) -> dict:
    """locust's users against `url` (bench/_load_users.py); its figures, with the CPU
    used while measured by C3's processes, the lake's catalog (PostgreSQL's backends) and
    the load generator, and the machine's load average."""
    command = [sys.executable, str(ROOT / "bench" / "_load_users.py"), "--host", url,
               "--users", str(users), "--seconds", str(seconds),
               "--warm-up-limit", str(warm_up_s)]  # fmt: skip
    for kind, (name, password, _role) in ACCOUNTS.items():
        command += [f"--{kind}-account", f"{name}:{password}"]
    with tempfile.TemporaryFile() as err:
        generator = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                                     text=True)  # fmt: skip
        mine = family([generator])
        cpu, found = {}, None
        for line in generator.stdout:
            if line.strip() == "measuring":
                c3_processes = family(servers)
            if line.strip() in ("measuring", "measured"):
                # the catalog's backends come and go: each counts from 0 if new
                cpu[line.strip()] = (cpu_seconds(c3_processes), catalog_backends(database),
                                     cpu_seconds(mine))  # fmt: skip
            elif line.startswith("{"):
                found = json.loads(line)
        generator.wait(60)
        if generator.returncode != 0 or found is None or len(cpu) != 2:
            err.seek(0)
            raise RuntimeError(f"the load generator failed:\n{err.read().decode()[-3000:]}")
    seconds = found["measured"]["seconds"]
    (c3_0, catalog_0, users_0), (c3_1, catalog_1, users_1) = cpu["measuring"], cpu["measured"]
    catalog = sum(used - catalog_0.get(pid, 0.0) for pid, used in catalog_1.items())
    found["server_cores"] = (c3_1 - c3_0) / seconds
    found["catalog_cores"] = catalog / seconds
    found["generator_cores"] = (users_1 - users_0) / seconds
    found["load_average"] = os.getloadavg()[0]
    return found


def run_target(name: str, folder: Path, sim_port: int, args, lake: str | None) -> dict:
    port = free_port()
    config = write_config(folder, port, sim_port, lake)
    log = folder / "c3.log"
    clock = time.monotonic()
    store_id = seed(config, args.days, log)
    seeded_s = time.monotonic() - clock
    processes = []
    try:
        if lake:
            processes.append(c3(["worker"], config, log))
        processes.append(c3(["serve"], config, log))
        url = f"http://127.0.0.1:{port}"
        wait_for(processes[-1], url + "/login", log)
        settled_s = settle(processes, WEB_WORKERS if lake else 1)
        print(f"  {name}: seeded in {seeded_s:.0f} s, settled {settled_s:.0f} s after "
              "answering", flush=True)  # fmt: skip
        cases = {}
        for users in args.users:
            found = load(url, users, args.seconds, args.warm_up_limit, processes, lake)
            cases[users] = found
            m = found["measured"]
            print(f"  {name}, {users} users: {m['requests']:,} requests, "
                  f"{m['failures']} failed", flush=True)  # fmt: skip
            time.sleep(3)
    finally:
        stop(processes)
    return {"cases": cases, "store_id": store_id, "log_errors": log_errors(log)}


# -- the report ---------------------------------------------------------------------------
def ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def ratio(b, a) -> str:
    return "—" if not a or b is None else f"×{b / a:.2f}"


def report(results: dict, args) -> None:
    print(f"\nload: demo city ({args.days} days of history), {args.seconds:.0f} s measured "
          "per case after every user signed in and opened its page; loopback; locust on "
          "the same machine")  # fmt: skip
    for target, label in TARGETS.items():
        if target in results:
            print(f"  {target}: {label}")
            for line in results[target]["log_errors"]:
                print(f"     its log: {line}")
    for users in args.users:
        cases = {t: r["cases"][users] for t, r in results.items() if users in r["cases"]}
        if not cases:
            continue
        split = next(iter(cases.values()))["classes"]
        print(f"\n{users} users: {split.get('WallUser', 0)} walls, "
              f"{split.get('ExploreUser', 0)} on /explore")  # fmt: skip
        for target, case in cases.items():
            m, warm = case["measured"], case["warm_up"]
            fail = m["failures"] / max(m["requests"], 1)
            verdict = "OK" if fail < MAX_FAIL_RATIO else "OVER 1 %"
            print(f"  {target}: {m['requests']:,} requests ({m['requests'] / m['seconds']:.0f}/s), "
                  f"fail ratio {fail:.2%} ({verdict})")  # fmt: skip
            cpu_ms = (case["server_cores"] + case["catalog_cores"]) * 1000 / max(
                m["requests"] / m["seconds"], 1e-9)
            catalog = f" + catalog {case['catalog_cores']:.2f}" if case["catalog_cores"] else ""
            print(f"     CPU: C3 {case['server_cores']:.2f} cores{catalog} = {cpu_ms:.0f} ms a "
                  f"request; locust {case['generator_cores']:.2f}; load average "
                  f"{case['load_average']:.1f}")  # fmt: skip
            print(f"     warm-up {warm['seconds']:.0f} s: {warm['ready']}/{users} users signed "
                  f"in and on their page ({warm.get('gave_up', 0)} could not sign in), "
                  f"{warm['failures']} of {warm['requests']} requests failed")  # fmt: skip
            for error in warm["errors"][:3]:
                print(f"     warm-up: {error['count']}x {error['name']}: {error['error'][:90]}")
            for error in m["errors"][:5]:
                print(f"     {error['count']}x {error['name']}: {error['error'][:100]}")
            for error in m.get("exceptions", [])[:5]:  # the users' own, none expected
                print(f"     {error['count']}x exception in a user: {error['error'][:100]}")
        both = len(cases) == 2
        head = f"  {'endpoint (ms)':<30}{'requests':>13}"
        head += "".join(f"{t + ' p50':>8}{t + ' p95':>8}" for t in cases)
        print(head + (f"{'B/A p50':>9}{'B/A p95':>9}" if both else ""))
        names = sorted({n for c in cases.values() for n in c["measured"]["endpoints"]})
        for name in names:
            rows = [c["measured"]["endpoints"].get(name, {}) for c in cases.values()]
            line = f"  {name:<30}{' / '.join(str(r.get('requests', 0)) for r in rows):>13}"
            line += "".join(f"{ms(r.get('p50_ms')):>8}{ms(r.get('p95_ms')):>8}" for r in rows)
            if both:
                line += f"{ratio(rows[1].get('p50_ms'), rows[0].get('p50_ms')):>9}"
                line += f"{ratio(rows[1].get('p95_ms'), rows[0].get('p95_ms')):>9}"
            print(line)
    b = results.get("B", {}).get("cases", {}).get(BUDGET_USERS)
    if b is None:
        print(f"\nbudget ({BUDGET_USERS} users on {WEB_WORKERS} workers): not measured")
        return
    p95 = b["measured"]["endpoints"].get(BUDGET_ENDPOINT, {}).get("p95_ms")
    met = p95 is not None and p95 < BUDGET_P95_MS
    print(f"\nbudget: {BUDGET_USERS} users, the wall's poll p95 < {BUDGET_P95_MS:.0f} ms on "
          f"{WEB_WORKERS} workers: {ms(p95)} ms: {'MET' if met else 'MISSED'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 s per case, 2 days of data")
    parser.add_argument("--seconds", type=float, help="measured seconds per case (60)")
    parser.add_argument("--days", type=int, help="days of demo history in each store (14)")
    parser.add_argument("--users", type=lambda s: [int(n) for n in s.split(",")],
                        default=[50, 200], help="user counts, e.g. 50,200")
    parser.add_argument("--targets", default="AB", help="A, B or AB")
    parser.add_argument("--warm-up-limit", type=float, default=600,
                        help="seconds for every user to sign in and open its page")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory: the servers' logs")
    parser.add_argument("--seed-store", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.seconds = args.seconds or (20 if args.quick else 60)
    args.days = args.days if args.days is not None else (2 if args.quick else 14)
    if args.seed_store:
        seed_store(args.days)
        return

    tmp = Path(tempfile.mkdtemp(prefix="c3-bench-load-"))
    sim_port = free_port()
    sim_log = tmp / "sim.log"
    sim_config = tmp / "sim.toml"
    sim_config.write_text(f"sim_port = {sim_port}\n")
    sim = c3(["sim"], sim_config, sim_log)
    lake = f"c3_bench_load_{secrets.token_hex(4)}"
    results: dict = {}
    try:
        if "A" in args.targets:
            results["A"] = run_target("A", tmp / "a", sim_port, args, None)
        if "B" in args.targets and (missing := lake_missing()):
            print(f"  B skipped: {missing}")
        elif "B" in args.targets:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", lake], check=True)
            try:
                results["B"] = run_target("B", tmp / "b", sim_port, args, lake)
            finally:
                subprocess.run(["dropdb", "--force", "--if-exists", "-h", "127.0.0.1", "-U",
                                "postgres", lake], check=False)  # fmt: skip
                if "B" in results:
                    forget_redis_keys(results["B"]["store_id"])
    finally:
        stop([sim])
        if args.keep:
            print(f"  kept: {tmp} (the servers' logs and the file store)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
