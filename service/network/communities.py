"""Communities of the network (Louvain, seeded) compared with the units of the org chart.

Communities are found by the Louvain method (Blondel et al. 2008) with refinement, NetworKit's
`PLM` (MIT), on the undirected network whose tie weights are the two directions' weights
summed, at resolution 1 (standard modularity), run on one thread without randomised order so
the same network always gives the same communities. Communities are numbered from 1 in the
order of their first member (people are in IRI order). An isolate is a community of its own.

The comparison with the org chart, over the people who have a unit:

* NMI and adjusted Rand index of the community partition against the unit partition
  (`service.network.partitions`): 1 when the network's groups are the chart's units;
* a unit's community is the one holding most of its members (the lowest number on a draw);
  a person **outside their unit's community** works, by their ties, elsewhere than the chart
  says: the network versus the org chart, as data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from service.network.partitions import adjusted_rand_index, normalised_mutual_information
from service.network.read import Network


@dataclass(frozen=True)
class Communities:
    """Each person's community, and how the communities compare with the units."""

    community: tuple[int, ...]
    count: int
    nmi: float | None
    """None when fewer than two people have a unit."""
    ari: float | None
    outside_unit: frozenset[int]
    """People whose community is not their unit's community."""


def communities(network: Network) -> Communities:
    """Find the communities and compare them with the units (see the module docstring)."""
    labels = _louvain(network)
    with_unit = [p for p in range(network.size) if network.unit[p] is not None]
    units = [network.unit[p] for p in with_unit]
    found = [labels[p] for p in with_unit]
    compared = len(with_unit) >= 2
    return Communities(
        community=tuple(labels),
        count=len(set(labels)),
        nmi=normalised_mutual_information(found, units) if compared else None,
        ari=adjusted_rand_index(found, units) if compared else None,
        outside_unit=frozenset(_outside_unit(network, labels, with_unit)),
    )


def _louvain(network: Network) -> list[int]:
    """Community numbers from 1, in the order of each community's first member."""
    import networkit as nk  # imported late: 2 s at every start of the service and the CLI

    if network.size == 0:
        return []
    contacts = network.contacts
    graph = nk.GraphFromCoo(
        (contacts.weight, (contacts.low, contacts.high)),
        n=network.size,
        weighted=True,
        directed=False,
    )
    threads = nk.getMaxNumberOfThreads()
    try:
        nk.setNumberOfThreads(1)
        algorithm = nk.community.PLM(graph, True, 1.0, "none")
        algorithm.run()
        raw = algorithm.getPartition().getVector()
    finally:
        nk.setNumberOfThreads(threads)
    numbers: dict[int, int] = {}
    return [numbers.setdefault(int(label), len(numbers) + 1) for label in raw]


def _outside_unit(network: Network, labels: list[int], with_unit: list[int]) -> set[int]:
    by_unit: dict[str, Counter[int]] = defaultdict(Counter)
    for person in with_unit:
        by_unit[network.unit[person]][labels[person]] += 1  # type: ignore[index]
    home = {
        unit: min(counts, key=lambda label: (-counts[label], label))
        for unit, counts in by_unit.items()
    }
    return {p for p in with_unit if labels[p] != home[network.unit[p]]}  # type: ignore[index]
