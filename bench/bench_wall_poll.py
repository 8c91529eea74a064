"""The wall's once-a-second poll, before and after it left Dash (issue 17): what one poll
costs the server, as a Dash callback (the baseline: the commit before, 5bd1836, checked out
into a temporary worktree) and as a GET of /api/wall/tokens (this checkout).

Both demos run at once (1 day of history each), so the machine's noise falls on both;
one client asks each in turn, `--rounds` rounds of `--polls` polls, nothing changing in
between but what the demo's feeds bring. Prints per shape the server's CPU per poll
(the demo's process tree, its background jobs included: a round's CPU over its polls)
and the latency p50/p95, median over the rounds, and the ratio now/before.

    python bench/bench_wall_poll.py              # 5 rounds of 300 polls
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._dash_requests import payload, prop  # noqa: E402
from bench._demo import start_demo  # noqa: E402
from bench._load_processes import cpu_seconds, family  # noqa: E402

BASELINE = "5bd1836"  # the last commit whose wall polled through a Dash callback
DOMAINS = ("waste", "traffic", "complaints", "feeds")


def dash_poll(session: requests.Session, url: str, seen: dict, tick: int) -> None:
    """The poll as Dash's renderer sent it (bench/_load_users.py before this change)."""
    body = payload(
        [{"id": f"wall-token-{d}", "property": "data"} for d in DOMAINS],
        [prop("wall-poll", "n_intervals", tick)],
        [prop(f"wall-token-{d}", "data", seen.get(d)) for d in DOMAINS],
        changed=["wall-poll.n_intervals"],
    )
    answer = session.post(f"{url}/_dash-update-component", json=body, timeout=30)
    if answer.status_code == 200:
        seen.update({k.removeprefix("wall-token-"): v["data"]
                     for k, v in answer.json()["response"].items()})  # fmt: skip
    elif answer.status_code != 204:  # 204: nothing changed (PreventUpdate)
        answer.raise_for_status()


def get_poll(session: requests.Session, url: str, seen: dict, _tick: int) -> None:
    answer = session.get(f"{url}/api/wall/tokens", timeout=30)
    answer.raise_for_status()
    seen.update(answer.json())


def one_round(poll, server, url: str, polls: int, tick0: int) -> tuple[float, list[float]]:
    session, seen, took = requests.Session(), {}, []
    session.get(f"{url}/wall", timeout=30).raise_for_status()  # signed in as the demo is
    processes = family([server])
    cpu = cpu_seconds(processes)
    for i in range(polls):
        began = time.perf_counter()
        poll(session, url, seen, tick0 + i)
        took.append((time.perf_counter() - began) * 1000)
    return (cpu_seconds(processes) - cpu) * 1000 / polls, took


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--polls", type=int, default=300)
    args = parser.parse_args()
    known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{BASELINE}^{{commit}}"],
                           capture_output=True)  # fmt: skip
    if known.returncode != 0:  # skipped, not failed: `make bench` goes on to the next
        print(f"bench_wall_poll: skipped, the baseline commit {BASELINE} is not in this "
              "checkout (run it from a git clone of C3)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree),
                        BASELINE], check=True)  # fmt: skip
        servers = []
        try:
            (Path(tmp) / "a").mkdir()
            (Path(tmp) / "b").mkdir()
            servers.append(start_demo(str(Path(tmp) / "a"), root=tree, sim_backfill_days="1",
                                        reports="[]"))
            servers.append(start_demo(str(Path(tmp) / "b"), sim_backfill_days="1",
                                        reports="[]"))
            time.sleep(20)  # past the demos' first polls and plans
            shapes = {"before: Dash callback": (dash_poll, *servers[0]),
                      "now: GET /api/wall/tokens": (get_poll, *servers[1])}  # fmt: skip
            figures = {name: [] for name in shapes}
            for r in range(args.rounds):
                for name, (poll, server, url) in shapes.items():
                    figures[name].append(one_round(poll, server, url, args.polls, r * args.polls))
        finally:
            for server, _ in servers:
                server.terminate()
                server.wait(30)
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False)  # fmt: skip
    print(f"wall poll: {args.rounds} rounds x {args.polls} polls, one client, demo city "
          "(1 day), both servers running at once")
    print(f"  {'shape':28} {'CPU/poll':>9} {'p50':>7} {'p95':>7}")
    medians = {}
    for name, rounds in figures.items():
        cpu = statistics.median(c for c, _ in rounds)
        p50 = statistics.median(pct(t, 0.5) for _, t in rounds)
        p95 = statistics.median(pct(t, 0.95) for _, t in rounds)
        medians[name] = (cpu, p50, p95)
        print(f"  {name:28} {cpu:7.2f}ms {p50:5.1f}ms {p95:5.1f}ms")
    (b_cpu, b50, b95), (n_cpu, n50, n95) = medians.values()
    print(f"  now/before: CPU x{n_cpu / b_cpu:.2f}, p50 x{n50 / b50:.2f}, p95 x{n95 / b95:.2f}")


if __name__ == "__main__":
    main()
