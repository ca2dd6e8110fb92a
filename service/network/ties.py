"""Per person, from their own ties: degree, strength, network size, strong and diverse ties.

Over the ties of `service.network.read` (directed, weighted, no self-ties):

* **in/out degree** — people with a tie to / from the person (weights ignored);
* **in/out strength** — the summed weight of those ties;
* **internal / external network size** — distinct contacts (a tie in either direction)
  inside / outside the person's top-level organisation; a contact of no organisation, and
  every contact of a person of none, is external. Viva Insights counts a contact once there
  were two meaningful interactions in four weeks; here the arcs are already the ties.
* **strong ties** — contacts tied in both directions whose two-way weight reaches
  `STRONG_TIE_WEIGHT` (4: about weekly when weights count messages a month). Viva Insights
  describes strong ties as frequent, two-way collaboration without publishing its threshold;
  this one is stated on the property (`ontology/analytics.ttl`).
* **diverse ties** — contacts in another group (unit; a person of no unit is a group of
  their own) reached over a tie that is not strong (the weak
  bridging ties of Granovetter 1973 that Viva's diverse ties stand for).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from service.network.read import Network, codes

STRONG_TIE_WEIGHT = 4.0


@dataclass(frozen=True, slots=True)
class TieCounts:
    """The tie metrics of one person."""

    in_degree: int
    out_degree: int
    in_strength: float
    out_strength: float
    internal_network_size: int
    external_network_size: int
    strong_ties: int
    diverse_ties: int


def tie_counts(network: Network) -> list[TieCounts]:
    """Each person's tie metrics (index: the person), counted over the tie arrays
    (`Network.arrays`, `Network.contacts`) rather than person by person."""
    size = network.size
    ties, contacts = network.arrays, network.contacts
    low, high = contacts.low, contacts.high
    top = codes(network.organisation(p) for p in range(size))
    groups = codes(network.group(p) for p in range(size))
    strong = contacts.both_ways & (contacts.weight >= STRONG_TIE_WEIGHT)

    def per_person(pairs: npt.NDArray[np.bool_]) -> list[int]:
        """For each person, how many of the selected contact pairs they are in."""
        found = np.bincount(low[pairs], minlength=size) + np.bincount(high[pairs], minlength=size)
        return [int(count) for count in found]

    everyone = per_person(np.ones(len(low), dtype=np.bool_))
    internal = per_person((top[low] == top[high]) & (top[low] >= 0))
    strong_ties = per_person(strong)
    diverse = per_person(~strong & (groups[low] != groups[high]))
    in_degree = np.bincount(ties.target, minlength=size).tolist()
    out_degree = np.bincount(ties.source, minlength=size).tolist()
    in_strength = np.bincount(ties.target, weights=ties.weight, minlength=size).tolist()
    out_strength = np.bincount(ties.source, weights=ties.weight, minlength=size).tolist()
    return [
        TieCounts(
            in_degree=in_degree[p],
            out_degree=out_degree[p],
            in_strength=float(in_strength[p]),
            out_strength=float(out_strength[p]),
            internal_network_size=internal[p],
            external_network_size=everyone[p] - internal[p],
            strong_ties=strong_ties[p],
            diverse_ties=diverse[p],
        )
        for p in range(size)
    ]
