"""Per person, over the whole network: betweenness, PageRank, articulation points.

Libraries, chosen by speed measured on a generated network of 20,000 people and 200,000
weighted arcs (benchmarks/bench_network.py and the README give the figures) and by licence:

* **betweenness** — NetworKit (MIT): directed, weighted, the **distance of a tie is 1 /
  weight** (a tie twice as strong is half as long: Newman 2001, Opsahl et al. 2010 with
  alpha = 1), normalised by `(n - 1)(n - 2)`, the share of ordered pairs of other people whose
  shortest paths run through the person. Exact (Brandes 2001) up to `EXACT_BETWEENNESS_LIMIT`
  people; above it, estimated from `BETWEENNESS_SOURCES` sources drawn with a fixed seed
  (Geisberger, Sanders & Schultes 2008, NetworKit's `EstimateBetweenness`). Its error bound
  is the measured one: NetworKit proves none for this estimator, and even the
  distribution-free (Hoeffding) bound of an unbiased estimate from 100 sources, ±0.14 for
  each person at 95 %, is above every value of a large network; the benchmark measures the
  error against the exact values at 2,000 people for three seeds (the README quotes it:
  largest absolute error about 0.55 of the largest value; the ranking of the brokers right in
  the large, not person by person). The sources are drawn before the
  `BETWEENNESS_THREADS` threads share them out, so the estimate does not depend on the
  threads, and their fixed number fixes the order of the sums: the same network, the same
  values, on any machine. Exact betweenness in rustworkx (Apache-2.0) counts hops only and
  took minutes at 20,000 people; igraph's is GPL; networkx's is pure Python (hours).
* **PageRank** — rustworkx: the random surfer follows ties in proportion to their weight,
  damping 0.85, a person with no outgoing tie spreads their rank evenly (networkx's
  convention), tolerance 1e-6.
* **articulation points** — rustworkx, over the undirected network (a tie in either
  direction): people whose departure splits a connected part of the network.

Every graph is built from the tie arrays (`Network.arrays`, `Network.contacts`), not tie by
tie from Python.

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
BETWEENNESS_THREADS = 2
"""Threads of an estimated betweenness: a fixed number, so that every machine sums the
sources' contributions in the same order."""
DAMPING = 0.85


def betweenness(network: Network) -> tuple[list[float], int]:
    """Each person's normalised betweenness, and the sources sampled (0: exact)."""
    import networkit as nk  # imported late: 2 s at every start of the service and the CLI

    if network.size < 3:
        return [0.0] * network.size, 0
    ties = network.arrays
    graph = nk.GraphFromCoo(
        (1.0 / ties.weight, (ties.source, ties.target)),
        n=network.size,
        weighted=True,
        directed=True,
    )
    threads = nk.getMaxNumberOfThreads()
    try:
        if network.size <= EXACT_BETWEENNESS_LIMIT:
            nk.setNumberOfThreads(1)  # one thread: the sums are made in one order, every run
            algorithm = nk.centrality.Betweenness(graph, True)
            sampled = 0
        else:
            nk.setNumberOfThreads(BETWEENNESS_THREADS)
            nk.engineering.setSeed(BETWEENNESS_SEED, False)
            sampled = BETWEENNESS_SOURCES
            algorithm = nk.centrality.EstimateBetweenness(graph, sampled, True, True)
        algorithm.run()
        return [float(value) for value in algorithm.scores()], sampled
    finally:
        nk.setNumberOfThreads(threads)


def pagerank(network: Network) -> list[float]:
    """Each person's weighted PageRank (summing to 1)."""
    if network.size == 0:
        return []
    ties = network.arrays
    graph: rx.PyDiGraph[int, float] = rx.PyDiGraph()
    graph.add_nodes_from(range(network.size))
    graph.add_edges_from(
        list(zip(ties.source.tolist(), ties.target.tolist(), ties.weight.tolist(), strict=True))
    )
    ranks = rx.pagerank(graph, alpha=DAMPING, weight_fn=float, tol=1e-6, max_iter=100)
    return [float(ranks[person]) for person in range(network.size)]


def articulation_points(network: Network) -> set[int]:
    """The people whose removal disconnects the undirected network's part they are in."""
    contacts = network.contacts
    graph: rx.PyGraph[int, None] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(network.size))
    graph.add_edges_from_no_data(
        list(zip(contacts.low.tolist(), contacts.high.tolist(), strict=True))
    )
    return set(rx.articulation_points(graph))
