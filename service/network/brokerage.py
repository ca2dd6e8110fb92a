"""Gould-Fernandez brokerage roles: who sits on open two-paths between which groups.

Gould, R. V. & Fernandez, R. M. (1989), "Structures of mediation: a formal approach to
brokerage in transaction networks", Sociological Methodology 19: 89-126. Counted as the
`brokerage()` function of the R package sna does: a two-path `a → v → b` (three distinct
people) is brokered by `v` when there is no tie `a → b` (a closed two-path needs no broker).
Its role follows from the groups of `a`, `v` and `b`:

=============== ========================= ====================================
role            groups                    v ...
=============== ========================= ====================================
coordinator     a, v, b in one group      mediates inside their own group
itinerant       a, b in one, v in another mediates for another group (consultant)
gatekeeper      v, b in one, a elsewhere  lets the outside into their group
representative  a, v in one, b elsewhere  speaks for their group to the outside
liaison         a, v, b in three groups   links two groups they belong to neither of
=============== ========================= ====================================

Groups are units (`Network.unit`); a person of no unit is a group of their own. Counts are
of two-paths, each tie counted once whatever its weight (the roles are structural).

>>> from service.network.read import Network
>>> net = Network(("a", "b", "c"), ("u", "v", "w"), {(0, 1): 1.0, (1, 2): 1.0})
>>> brokerage(net)[1]
{'coordinator': 0, 'itinerant': 0, 'gatekeeper': 0, 'representative': 0, 'liaison': 1}
"""

from __future__ import annotations

from collections.abc import Iterable

from service.network.read import Network

ROLES = ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")


def brokerage(network: Network) -> list[dict[str, int]]:
    """Each person's count of open two-paths they broker, by role (index: the person)."""
    counts = brokerage_of(network, range(network.size))
    return [counts[person] for person in range(network.size)]


def brokerage_of(network: Network, brokers: Iterable[int]) -> dict[int, dict[str, int]]:
    """The counts of `brokers` only (a what-if recounts the people a change reaches)."""
    groups = [network.group(person) for person in range(network.size)]
    successors: list[set[int]] = [set() for _ in network.people]
    predecessors: list[set[int]] = [set() for _ in network.people]
    for source, target in network.ties:
        successors[source].add(target)
        predecessors[target].add(source)
    counts: dict[int, dict[str, int]] = {}
    for broker in brokers:
        own = groups[broker]
        tally = counts[broker] = dict.fromkeys(ROLES, 0)
        for sender in predecessors[broker]:
            onward = successors[sender]
            sender_group = groups[sender]
            for receiver in successors[broker]:
                if receiver == sender or receiver in onward:
                    continue
                tally[_role(sender_group, own, groups[receiver])] += 1
    return counts


def _role(sender: str, broker: str, receiver: str) -> str:
    """The role of a broker between a sender and a receiver, by their groups."""
    if sender == receiver:
        return "coordinator" if broker == sender else "itinerant"
    if broker == receiver:
        return "gatekeeper"
    return "representative" if broker == sender else "liaison"
