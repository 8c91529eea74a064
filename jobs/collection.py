"""Collection windows for a city from its store: read the history, build the travel
times and fill forecasts, place containers and depot on the road graph, rank every
zone's windows (analytics.collection)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.collection import nearest_nodes, routable, zone_windows
from analytics.fill_forecast import fill_forecasts
from analytics.profiles import TravelTimes, travel_time_profiles
from analytics.windows import RoadNet, Window
from geo.city import CityModel
from store import Store
from store.collection import collection_inputs


@dataclass
class CollectionPlan:
    windows: dict[str, list[Window]]  # per zone, best first
    net: RoadNet
    travel: TravelTimes
    depot: object  # graph node
    containers: pd.DataFrame  # container_id, zone_id, lon, lat, node


def read_inputs(store: Store, now: datetime) -> dict[str, pd.DataFrame]:
    with store.reading() as cur:
        return collection_inputs(cur, now)


def plan_windows(
    inputs: dict[str, pd.DataFrame],
    city: CityModel,
    now: datetime,
    starts: list[datetime],
    overflow_penalty_min: float,
    tz: str,
    threshold: float = 0.8,
) -> CollectionPlan:
    """Every zone's windows among `starts`. The depot is the routable street nearest
    the city's centre (until the config names one)."""
    segs = city.segments
    freeflow_s = segs["length_m"] / (segs["freeflow_kmh"] / 3.6)
    travel = TravelTimes(
        travel_time_profiles(inputs["traffic"], tz),
        dict(zip(segs["segment_id"], freeflow_s, strict=True)),
        tz,
    )
    net = RoadNet(city.graph, travel.at)
    stops_on = routable(segs, city.graph)
    containers = inputs["containers"].copy()
    containers["node"] = nearest_nodes(
        containers["lon"].to_numpy(), containers["lat"].to_numpy(), stops_on
    )
    centre = segs.geometry.union_all().centroid
    depot = nearest_nodes(np.array([centre.x]), np.array([centre.y]), stops_on)[0]
    forecasts = fill_forecasts(inputs["fills"], inputs["collections"], now, threshold)
    ranked = zone_windows(net, depot, containers, forecasts, starts, overflow_penalty_min)
    return CollectionPlan(ranked, net, travel, depot, containers)
