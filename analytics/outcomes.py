"""How far a collection round drives (issue 19's outcomes): the road distance of a round
in the order it visits its stops, from the depot and back, each leg the shortest road
between its two stops (scipy's Dijkstra over the segments' lengths). Minutes come from
the windows' time-dependent rounds; kilometres are the roads those rounds take."""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


class RoadLengths:
    """The road graph weighted by each edge's length (m)."""

    def __init__(self, graph: nx.DiGraph, length_m: dict[str, float]):
        nodes = list(graph.nodes)
        self.index = {node: i for i, node in enumerate(nodes)}
        edges = list(graph.edges(data="segment_id"))
        u = [self.index[a] for a, _, _ in edges]
        v = [self.index[b] for _, b, _ in edges]
        weights = np.array([max(length_m.get(seg, 0.0), 0.01) for _, _, seg in edges])
        self.graph = csr_matrix((weights, (u, v)), shape=(len(nodes), len(nodes)))

    def round_km(self, depot, order: tuple) -> float:
        """Depot → each stop in `order` → depot, in kilometres (0 for no stop)."""
        if not order:
            return 0.0
        places = [depot, *order, depot]
        rows = [self.index[p] for p in places[:-1]]
        metres = dijkstra(self.graph, directed=True, indices=rows)
        legs = [metres[i, self.index[places[i + 1]]] for i in range(len(rows))]
        return float(np.sum(legs)) / 1000
