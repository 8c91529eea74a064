"""Collection windows for every zone of a city (issue #5): each container placed on the
road graph, the containers each zone must serve within the horizon, and every zone's
candidate start times ranked (analytics.windows). Plain data in, plain data out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from analytics.windows import RoadNet, Window, rank_windows
from geo.geometry import metres_per_degree, midpoints


def routable(segments: gpd.GeoDataFrame, graph: nx.DiGraph) -> gpd.GeoDataFrame:
    """The streets a truck can both reach and leave: those inside the road graph's
    largest strongly connected part (an extract's edges end in one-way dead ends)."""
    core = max(nx.strongly_connected_components(graph), key=len)
    keep = segments["from_node"].isin(core) & segments["to_node"].isin(core)
    return segments[keep]


def nearest_nodes(lon: np.ndarray, lat: np.ndarray, segments: gpd.GeoDataFrame) -> np.ndarray:
    """The graph node a truck stops at for each point: the start of the nearest street
    (by its midpoint; a few metres either way do not change a round)."""
    mid = midpoints(segments.geometry.values)
    per_lon, per_lat = metres_per_degree(float(np.mean(lat)))
    streets = np.column_stack([[p.x * per_lon for p in mid], [p.y * per_lat for p in mid]])
    _, nearest = cKDTree(streets).query(np.column_stack([lon * per_lon, lat * per_lat]))
    return segments["from_node"].to_numpy()[nearest]


def zone_windows(
    net: RoadNet,
    depot,
    containers: pd.DataFrame,
    forecasts: pd.DataFrame,
    starts: list[datetime],
    overflow_penalty_min: float,
    allowed: Callable[[str], Callable[[datetime], bool]] | None = None,
    local: bool = True,
    service_s: float = 0.0,
) -> dict[str, list[Window]]:
    """Per zone, its windows best first. A zone's round serves the containers that reach
    their threshold before the last start (or are over it): the same stops whichever
    start is chosen, so windows differ by the traffic they meet and by what overflows
    while waiting. `containers`: container_id, zone_id, node; `forecasts` indexed by
    container_id with threshold_at and full_at. `allowed(zone)` says when that zone may
    be collected; a truck stands `service_s` at each container; `local` searches each
    zone's streets first (RoadNet.around), which makes a big city fast."""
    horizon = max(starts)
    joined = containers.join(forecasts, on="container_id")
    due = joined[joined["threshold_at"].notna() & (joined["threshold_at"] <= horizon)]

    def rank(zone: str, group: pd.DataFrame) -> list[Window]:
        by_node = group.groupby("node").agg(
            full_at=("full_at", lambda ts: [t for t in ts if pd.notna(t)]),
            containers=("container_id", "size"),
        )
        stops = {node: starts[0] for node in by_node.index}  # all due within the horizon
        full_at = by_node["full_at"].to_dict()  # one time per container that will fill
        return rank_windows(
            net.around(by_node.index) if local else net,
            depot, starts, stops, full_at, overflow_penalty_min,
            allowed(zone) if allowed else (lambda _: True),
            service_s=(by_node["containers"] * service_s).to_dict(),
        )  # fmt: skip

    return {zone: rank(zone, group) for zone, group in due.groupby("zone_id")}
