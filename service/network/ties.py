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

from collections import defaultdict
from dataclasses import dataclass

from service.network.read import Network

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
    """Each person's tie metrics (index: the person)."""
    outgoing: list[dict[int, float]] = [{} for _ in network.people]
    incoming: list[dict[int, float]] = [{} for _ in network.people]
    for (source, target), weight in network.ties.items():
        outgoing[source][target] = weight
        incoming[target][source] = weight
    top = [network.organisation(person) for person in range(network.size)]
    return [_counts(p, outgoing[p], incoming[p], top, network) for p in range(network.size)]


def _counts(
    person: int,
    out: dict[int, float],
    into: dict[int, float],
    top: list[str | None],
    network: Network,
) -> TieCounts:
    both: dict[int, float] = defaultdict(float)
    for contacts in (out, into):
        for contact, weight in contacts.items():
            both[contact] += weight
    own = top[person]
    internal = sum(1 for c in both if own is not None and top[c] == own)
    strong = {c for c, w in both.items() if c in out and c in into and w >= STRONG_TIE_WEIGHT}
    group = network.group(person)
    diverse = sum(1 for c in both if c not in strong and network.group(c) != group)
    return TieCounts(
        in_degree=len(into),
        out_degree=len(out),
        in_strength=sum(into.values()),
        out_strength=sum(out.values()),
        internal_network_size=internal,
        external_network_size=len(both) - internal,
        strong_ties=len(strong),
        diverse_ties=diverse,
    )
