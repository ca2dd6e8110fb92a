"""Per person, over the whole network: betweenness, PageRank, articulation points.

Libraries, chosen by speed measured on a generated network of 20,000 people and 200,000
weighted arcs (benchmarks/bench_network.py and the README give the figures) and by licence:

* **betweenness** — NetworKit (MIT): directed, weighted, the **distance of a tie is 1 /
  weight** (a tie twice as strong is half as long: Newman 2001, Opsahl et al. 2010 with
  alpha = 1), normalised by `(n - 1)(n - 2)`, the share of ordered pairs of other people whose
  shortest paths run through the person. Exact (Brandes 2001) up to `EXACT_BETWEENNESS_LIMIT`
  people; above it, estimated from `BETWEENNESS_SOURCES` sources drawn with a fixed seed
  (Geisberger, Sanders & Schultes 2008, NetworKit's `EstimateBetweenness`), whose error has
  no proven bound: it is measured against the exact values at 2,000 people by the benchmark.
  Exact betweenness in rustworkx (Apache-2.0) counts hops only and took minutes at 20,000
  people; igraph's is GPL; networkx's is pure Python (hours).
* **PageRank** — rustworkx: the random surfer follows ties in proportion to their weight,
  damping 0.85, a person with no outgoing tie spreads their rank evenly (networkx's
  convention), tolerance 1e-6.
* **articulation points** — rustworkx, over the undirected network (a tie in either
  direction): people whose departure splits a connected part of the network.

Equal shortest paths (ties in the usual sense) each count: a person on one of two equally
short paths gets half the pair. Isolates have betweenness 0, the base PageRank `(1 - 0.85)/n`
plus their share of the dangling rank, and are never articulation points.
"""

from __future__ import annotations

import rustworkx as rx

from service.network.read import Network

EXACT_BETWEENNESS_LIMIT = 2_000
"""Up to this many people betweenness is exact; above, estimated from sampled sources."""
BETWEENNESS_SOURCES = 100
"""Sources an estimated betweenness runs shortest paths from."""
BETWEENNESS_SEED = 20_261_204
DAMPING = 0.85


def betweenness(network: Network) -> tuple[list[float], int]:
    """Each person's normalised betweenness, and the sources sampled (0: exact)."""
    import networkit as nk  # imported late: 2 s at every start of the service and the CLI

    if network.size < 3:
        return [0.0] * network.size, 0
    graph = nk.Graph(network.size, weighted=True, directed=True)
    for (source, target), weight in sorted(network.ties.items()):
        graph.addEdge(source, target, 1.0 / weight)
    threads = nk.getMaxNumberOfThreads()
    try:
        nk.setNumberOfThreads(1)  # one thread: the sampled sources do not depend on timing
        if network.size <= EXACT_BETWEENNESS_LIMIT:
            algorithm = nk.centrality.Betweenness(graph, True)
            sampled = 0
        else:
            nk.engineering.setSeed(BETWEENNESS_SEED, False)
            sampled = BETWEENNESS_SOURCES
            algorithm = nk.centrality.EstimateBetweenness(graph, sampled, True, False)
        algorithm.run()
        return [float(value) for value in algorithm.scores()], sampled
    finally:
        nk.setNumberOfThreads(threads)


def pagerank(network: Network) -> list[float]:
    """Each person's weighted PageRank (summing to 1)."""
    if network.size == 0:
        return []
    graph: rx.PyDiGraph[int, float] = rx.PyDiGraph()
    graph.add_nodes_from(range(network.size))
    graph.add_edges_from([(s, t, w) for (s, t), w in sorted(network.ties.items())])
    ranks = rx.pagerank(graph, alpha=DAMPING, weight_fn=float, tol=1e-6, max_iter=100)
    return [float(ranks[person]) for person in range(network.size)]


def articulation_points(network: Network) -> set[int]:
    """The people whose removal disconnects the undirected network's part they are in."""
    graph: rx.PyGraph[int, None] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(network.size))
    graph.add_edges_from_no_data(sorted(network.ties))
    return set(rx.articulation_points(graph))
