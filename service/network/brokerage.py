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

import numpy as np
import numpy.typing as npt

from service.network.read import Network, codes

ROLES = ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")
CHUNK = 1_000_000
"""Two-paths examined at once: bounds the memory a hub's many two-paths take (about 50 bytes
each) whatever the network."""

Array = npt.NDArray[np.int64]


def brokerage(network: Network) -> list[dict[str, int]]:
    """Each person's count of open two-paths they broker, by role (index: the person)."""
    counts = brokerage_of(network, range(network.size))
    return [counts[person] for person in range(network.size)]


def brokerage_of(network: Network, brokers: Iterable[int]) -> dict[int, dict[str, int]]:
    """The counts of `brokers` only (a what-if recounts the people a change reaches).

    Each tie into a broker is one row; it opens onto the broker's ties out, one two-path
    each, examined `CHUNK` two-paths at a time."""
    chosen = np.array(sorted(set(brokers)), dtype=np.int64)
    ties = network.arrays
    into = np.argsort(ties.target, kind="stable")  # the ties into each person, together
    into_targets = ties.target[into]
    into_first = np.searchsorted(into_targets, chosen)
    into_count = np.searchsorted(into_targets, chosen, side="right") - into_first
    rows = _TwoPaths(network, chosen)
    rows.position = np.repeat(np.arange(len(chosen)), into_count)
    rows.sender = ties.source[into[_ranges(into_first, into_count)]]
    rows.outward = rows.out_count[chosen[rows.position]]
    start, ends = 0, np.cumsum(rows.outward)
    while start < len(rows.sender):
        done = int(ends[start - 1]) if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, done + CHUNK, side="right")))
        rows.count(slice(start, stop))
        start = stop
    table = rows.tally.reshape(len(chosen), len(ROLES)).tolist()
    return {
        int(broker): dict(zip(ROLES, row, strict=True))
        for broker, row in zip(chosen, table, strict=True)
    }


class _TwoPaths:
    """The ties into the chosen brokers (`position` of the broker in `chosen`, `sender`,
    `outward`: the broker's ties out) and the counts by broker and role so far."""

    def __init__(self, network: Network, chosen: Array) -> None:
        ties = network.arrays
        size = network.size
        self.chosen = chosen
        self.groups = codes(network.group(p) for p in range(size))
        self.source, self.target = ties.source, ties.target
        self.known = ties.source * size + ties.target  # sorted, as the arrays are
        self.size = size
        self.out_first = np.searchsorted(ties.source, np.arange(size + 1))
        self.out_count = self.out_first[1:] - self.out_first[:-1]
        self.tally = np.zeros(len(ROLES) * len(chosen), dtype=np.int64)
        self.position = self.sender = self.outward = np.zeros(0, dtype=np.int64)

    def count(self, part: slice) -> None:
        """Count the open two-paths that start with the rows of `part`."""
        outward = self.outward[part]
        broker = self.chosen[self.position[part]]
        position = np.repeat(self.position[part], outward)
        sender = np.repeat(self.sender[part], outward)
        receiver = self.target[_ranges(self.out_first[broker], outward)]
        key = sender * self.size + receiver
        found = np.minimum(np.searchsorted(self.known, key), len(self.known) - 1)
        open_path = (sender != receiver) & (self.known[found] != key)
        groups = self.groups
        roles = _roles(groups[sender], groups[self.chosen[position]], groups[receiver])
        self.tally += np.bincount(
            position[open_path] * len(ROLES) + roles[open_path], minlength=len(self.tally)
        )


def _ranges(first: Array, count: Array) -> Array:
    """The concatenated ranges `first[i] .. first[i] + count[i] - 1`."""
    offsets = np.cumsum(count) - count
    return np.repeat(first - offsets, count) + np.arange(int(count.sum()), dtype=np.int64)


def _roles(sender: Array, broker: Array, receiver: Array) -> Array:
    """The role (its index in `ROLES`) of each broker between a sender and a receiver, by
    their groups."""
    return np.where(
        sender == receiver,
        np.where(broker == sender, 0, 1),  # coordinator, itinerant
        np.where(broker == receiver, 2, np.where(broker == sender, 3, 4)),
    )
