"""Hand-made road graphs for the unit tests of routing and dispatch."""

from __future__ import annotations

import networkx as nx

from analytics.windows import RoadNet


def both_ways(segments, travel_time) -> RoadNet:
    """A road net of `segments` named by their two ends ("ab": from A to B), every street
    both ways, timed by `travel_time(segment_id, when)`."""
    g = nx.DiGraph()
    for seg in segments:
        u, v = seg[0].upper(), seg[1].upper()
        g.add_edge(u, v, segment_id=seg)
        g.add_edge(v, u, segment_id=seg)
    return RoadNet(g, travel_time)
