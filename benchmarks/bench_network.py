"""Network analytics on a generated network: 20,000 people, 200,000 weighted arcs.

Target (issue 13): every metric within 30 s and 2 GB. Prints the median of `REPEATS` runs of
reading the network from an embedded store, of each metric and of writing the analytics
graph, and the peak memory of the process. Then the error of sampled betweenness: on a
generated network of 2,000 people (where the product computes it exactly), the estimates from
`BETWEENNESS_SOURCES` sampled sources, for three seeds, against the exact values.

`python -m benchmarks.run network`
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.network import centrality
from service.network.analysis import analyse
from service.network.brokerage import brokerage
from service.network.communities import communities
from service.network.groups import group_metrics
from service.network.rdf import write
from service.network.read import Network, read_network
from service.network.ties import tie_counts
from service.store.embedded import EmbeddedStore

PEOPLE = 20_000
ARCS = 200_000
UNITS_PER_ORGANISATION = 10
ORGANISATIONS = 20
REPEATS = 3
SEED = 13
ERROR_SEEDS = (0, 1, 2)
"""Offsets from the product's betweenness seed the sampling error is measured for."""
TARGET_S = 30.0
TARGET_MB = 2048
QUERY_TIMEOUT_S = 600.0
"""The read of 240,000 rows stays well within the default 30 s on an idle machine, but this
2-core machine is shared: the benchmark measures the read, it does not race the limit."""
SB = "https://w3id.org/social-business#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


def ntriples(people: int, arcs: int, seed: int) -> bytes:
    """A generated organisation: units inside organisations, people in units, arcs mostly
    inside a unit (70 %), weights 1-50 messages a month."""
    rng = random.Random(seed)
    units = ORGANISATIONS * UNITS_PER_ORGANISATION
    lines = [
        f"<urn:gen:u{u}> <{ORG}unitOf> <urn:gen:o{u // UNITS_PER_ORGANISATION}> ."
        for u in range(units)
    ]
    unit_of = [rng.randrange(units) for _ in range(people)]
    members: list[list[int]] = [[] for _ in range(units)]
    for person, unit in enumerate(unit_of):
        members[unit].append(person)
        lines.append(f"<urn:gen:p{person}> <{RDF_TYPE}> <{SB}Person> .")
        lines.append(f"<urn:gen:p{person}> <{ORG}memberOf> <urn:gen:u{unit}> .")
    seen: set[tuple[int, int]] = set()
    while len(seen) < arcs:
        source = rng.randrange(people)
        own = members[unit_of[source]]
        target = rng.choice(own) if rng.random() < 0.7 else rng.randrange(people)
        if source == target or (source, target) in seen:
            continue
        seen.add((source, target))
        arc = f"<urn:gen:a{len(seen)}>"
        lines += [
            f"{arc} <{SB}source> <urn:gen:p{source}> .",
            f"{arc} <{SB}target> <urn:gen:p{target}> .",
            f'{arc} <{SB}weight> "{rng.randint(1, 50)}"^^<{DECIMAL}> .',
        ]
    return ("\n".join(lines) + "\n").encode()


def _median(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def full_network(repeats: int) -> bool:
    """Every metric at 20k people / 200k arcs; True when within the targets."""
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "store", query_timeout_s=QUERY_TIMEOUT_S)
        store.load(ntriples(PEOPLE, ARCS, SEED), media_type="application/n-triples", graph=None)
        read_s, network = _median(lambda: read_network(store), repeats)
        print(f"network: {network.size:,} people, {len(network.ties):,} ties")
        steps: dict[str, Callable[[], Any]] = {
            "ties (degree, strength, size, strong/diverse)": lambda: tie_counts(network),
            "betweenness": lambda: centrality.betweenness(network),
            "pagerank": lambda: centrality.pagerank(network),
            "articulation points": lambda: centrality.articulation_points(network),
            "brokerage": lambda: brokerage(network),
            "groups (density, E-I, ties by organisation)": lambda: group_metrics(
                network, min_group_size=5
            ),
            "communities (Louvain, NMI, ARI)": lambda: communities(network),
        }
        print(f"{'step':<48} {'median s':>9}")
        print(f"{'read the network (SPARQL)':<48} {read_s:>9.2f}")
        for name, step in steps.items():
            print(f"{name:<48} {_median(step, repeats)[0]:>9.2f}")
        total_s, analysis = _median(lambda: analyse(network, min_group_size=5), repeats)
        print(f"{'all metrics (analyse)':<48} {total_s:>9.2f}")
        write_s, _ = _median(lambda: write(store, analysis, people=True), repeats)
        print(f"{'write the analytics graph':<48} {write_s:>9.2f}")
        store.close()
    peak = _peak_mb()
    print(
        f"sampled betweenness: {analysis.betweenness_sources} sources; peak memory {peak:,.0f} MB"
    )
    within = total_s <= TARGET_S and peak <= TARGET_MB
    verdict = "met" if within else "MISSED"
    print(f"targets: all metrics <= {TARGET_S:g} s, <= {TARGET_MB} MB: {verdict}")
    return within


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    for rank, index in enumerate(order):
        ranks[index] = float(rank)
    return ranks


def sampling_error(people: int = 2_000, arcs: int = 20_000) -> None:
    """Sampled against exact betweenness at 2,000 people, for the product's seed and two
    others: the error bound the product states is the worst of these."""
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "store", query_timeout_s=QUERY_TIMEOUT_S)
        store.load(ntriples(people, arcs, SEED), media_type="application/n-triples", graph=None)
        network: Network = read_network(store)
        store.close()
    start = time.perf_counter()
    exact, _ = centrality.betweenness(network)
    exact_s = time.perf_counter() - start
    print(f"betweenness at {people:,} people / {arcs:,} arcs: exact {exact_s:.2f} s")
    limit, seed = centrality.EXACT_BETWEENNESS_LIMIT, centrality.BETWEENNESS_SEED
    top = sorted(range(people), key=lambda p: -exact[p])[:20]
    try:
        centrality.EXACT_BETWEENNESS_LIMIT = 0
        for other in ERROR_SEEDS:
            centrality.BETWEENNESS_SEED = seed + other
            start = time.perf_counter()
            estimate, sources = centrality.betweenness(network)
            estimate_s = time.perf_counter() - start
            errors = [abs(a - b) for a, b in zip(estimate, exact, strict=True)]
            top_estimate = set(sorted(range(people), key=lambda p: -estimate[p])[:20])
            rho = statistics.correlation(_ranks(exact), _ranks(estimate))
            print(
                f"  seed +{other}: {sources} sampled sources {estimate_s:.2f} s; max abs error "
                f"{max(errors):.2e} (largest exact value {max(exact):.2e}); mean abs error "
                f"{statistics.fmean(errors):.2e}; max relative error in the top 20 "
                f"{max(errors[p] / exact[p] for p in top):.1%}; top-20 overlap "
                f"{len(set(top) & top_estimate)}/20; Spearman rank correlation {rho:.3f}"
            )
    finally:
        centrality.EXACT_BETWEENNESS_LIMIT, centrality.BETWEENNESS_SEED = limit, seed


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.bench_network [REPEATS]`; `make bench` runs it with `REPEATS`."""
    repeats = int(argv[0]) if argv else REPEATS
    within = full_network(repeats)
    sampling_error()
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
