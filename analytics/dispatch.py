"""Which crew reaches a work order first: each crew's road travel time to the job at the
congestion expected now (the road graph and travel-time profiles the collection windows
use, `analytics.windows.RoadNet`), after the jobs already in its queue. One search on
the reversed graph gives every crew's time to the job at once.

Straight-line distance is kept beside each choice: it is what a dispatcher without C3
would go by, and where it disagrees with the road the road wins (a river, a one-way
street, a jammed avenue)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.windows import SLOT, RoadNet


@dataclass(frozen=True)
class CrewChoice:
    crew_id: str
    travel_s: float  # by road, leaving now
    queue_s: float  # the jobs ahead of this one
    eta: datetime  # now + queue + travel
    straight_m: float  # as the crow flies, for comparison

    @property
    def total_s(self) -> float:
        return self.queue_s + self.travel_s


def straight_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two lon/lat points (equirectangular: plenty for a city)."""
    mean_lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(mean_lat)
    dy = math.radians(b[1] - a[1])
    return 6_371_008.8 * math.hypot(dx, dy)


def rank_crews(net: RoadNet, job_node, job_lonlat: tuple[float, float], crews: list[dict],
               now: datetime, job_s: float, top: int = 3) -> list[CrewChoice]:  # fmt: skip
    """The `top` crews by time to reach the job: queue (`queue_jobs` × `job_s`) plus road
    travel from the crew's `node`, leaving in the coming quarter-hour (the slot after
    `now`: travel times expected from now on blend in the congestion observed now). Each
    crew: crew_id, node, lon, lat, queue_jobs. A crew the road cannot bring to the job
    is left out."""
    to_job = net.to_place(job_node, net.slot_start(now) + SLOT)
    choices = []
    for crew in crews:
        travel = float(to_job[net.index[crew["node"]]]) if crew["node"] in net.index else math.inf
        if not math.isfinite(travel):
            continue
        queue = crew.get("queue_jobs", 0) * job_s
        choices.append(CrewChoice(
            crew_id=crew["crew_id"], travel_s=travel, queue_s=queue,
            eta=now + timedelta(seconds=queue + travel),
            straight_m=straight_metres((crew["lon"], crew["lat"]), job_lonlat),
        ))  # fmt: skip
    return sorted(choices, key=lambda c: (c.total_s, c.crew_id))[:top]
