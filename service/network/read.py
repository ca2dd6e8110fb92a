"""Read the social network out of the store: people, their units and organisations, ties.

One query (`network.rq`, beside this module) reads every fact; this module turns the rows
into a `Network` whose people are numbered in IRI order, so every computation over it is
deterministic. What the analytics count as a tie, and what they leave out (each left-out arc
is counted in `Network.left_out`, so nothing disappears silently):

* a **tie** `s → t` is the set of arcs (`sb:source s`, `sb:target t`) between two people;
  its weight is the sum of their `sb:weight`s. An arc without `sb:weight` weighs 1 (a tie
  known to exist, of unknown strength);
* an arc whose weight is **zero** is no tie: it says no communication flows
  (`left_out["zero weight"]`); a negative or non-numeric weight, or several weights, is
  malformed (`left_out["malformed"]`), as is an arc with several sources or targets (rule
  R16 reports those);
* a **self-arc** (source = target) is no tie (`left_out["self-arc"]`): nobody brokers for or
  influences themselves;
* an arc with an end that is not an IRI-named `sb:Person` is left out
  (`left_out["not between people"]`);
* people with no tie at all (**isolates**) stay in the network with zero values.

A person's **unit** is the organisation they are directly `org:memberOf` (the smallest IRI
when they are a member of several: one group per person keeps the group partitions of
brokerage and communities a partition); their **organisation** is the top of the unit's
`org:unitOf`/`org:subOrganizationOf` chain. A person of no unit is in no organisation and,
for brokerage and tie diversity, a group of their own.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyoxigraph as ox

from service.store.base import Row, Store

QUERY_FILE = Path(__file__).with_name("network.rq")

_NUMERIC = frozenset(
    f"http://www.w3.org/2001/XMLSchema#{name}"
    for name in (
        "decimal",
        "integer",
        "double",
        "float",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
)


@dataclass(frozen=True, slots=True)
class TieArrays:
    """The ties as three parallel arrays in (source, target) order: what the metrics hand to
    the graph libraries, and compute with, without a Python step per tie."""

    source: npt.NDArray[np.int64]
    target: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Contacts:
    """The pairs of people tied in either direction, in (low, high) order, as arrays."""

    low: npt.NDArray[np.int64]
    high: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    """The two directions' weights summed."""
    both_ways: npt.NDArray[np.bool_]
    """True when the pair is tied in both directions."""


@dataclass(frozen=True)
class Network:
    """People (IRIs, sorted; a person is their index), groups and weighted directed ties."""

    people: tuple[str, ...]
    unit: tuple[str | None, ...]
    """Each person's unit (None: member of no organisation)."""
    ties: dict[tuple[int, int], float]
    """(source, target) -> summed weight, > 0; never a self-tie."""
    parents: dict[str, str] = field(default_factory=dict)
    """Organisation -> the organisation it is a unit of (first by IRI when several)."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Arcs left out of the ties, by reason (see the module docstring)."""

    @property
    def size(self) -> int:
        """Number of people."""
        return len(self.people)

    @cached_property
    def contacts(self) -> Contacts:
        """The undirected network: one row per pair of people tied in either direction."""
        arrays = self.arrays
        low = np.minimum(arrays.source, arrays.target)
        high = np.maximum(arrays.source, arrays.target)
        pairs, row, directions = np.unique(
            low * self.size + high, return_inverse=True, return_counts=True
        )
        weight = np.bincount(row, weights=arrays.weight, minlength=len(pairs)).astype(
            np.float64, copy=False
        )
        return Contacts(pairs // self.size, pairs % self.size, weight, directions == 2)

    @cached_property
    def arrays(self) -> TieArrays:
        """The ties as arrays, sorted by (source, target) so every library is given the
        same network in the same order (built once per network)."""
        count = len(self.ties)
        ends = np.fromiter(
            (end for pair in self.ties for end in pair), dtype=np.int64, count=2 * count
        ).reshape(count, 2)
        weights = np.fromiter(self.ties.values(), dtype=np.float64, count=count)
        order = np.argsort(ends[:, 0] * self.size + ends[:, 1])  # the pairs are distinct
        return TieArrays(ends[order, 0], ends[order, 1], weights[order])

    def ancestors(self, organisation: str) -> list[str]:
        """The organisation and every organisation above it, nearest first (a cycle in the
        chart stops at the first organisation seen twice)."""
        chain = [organisation]
        while (above := self.parents.get(chain[-1])) is not None and above not in chain:
            chain.append(above)
        return chain

    def organisation(self, person: int) -> str | None:
        """The top-level organisation of a person's unit (None without a unit)."""
        unit = self.unit[person]
        return None if unit is None else self.ancestors(unit)[-1]

    def group(self, person: int) -> str:
        """The person's group in brokerage and tie diversity: their unit, or themselves
        when they have none (a group of one)."""
        return self.unit[person] or self.people[person]

    def fingerprint(self) -> str:
        """`sha256:<hex>` of what the analytics read: people, units, chart and ties (the
        same network gives the same fingerprint whatever else the store holds)."""
        digest = hashlib.sha256()
        for index, person in enumerate(self.people):
            digest.update(f"p {person} {self.unit[index] or ''}\n".encode())
        for child, parent in sorted(self.parents.items()):
            digest.update(f"o {child} {parent}\n".encode())
        for (source, target), weight in sorted(self.ties.items()):
            digest.update(f"t {source} {target} {weight!r}\n".encode())
        return f"sha256:{digest.hexdigest()}"


def codes(labels: Iterable[str | None]) -> npt.NDArray[np.int64]:
    """Labels as numbers, for array comparisons: equal labels, equal numbers; None is -1.

    >>> codes(["u", None, "v", "u"]).tolist()
    [0, -1, 1, 0]
    """
    numbers: dict[str, int] = {}
    return np.array(
        [-1 if label is None else numbers.setdefault(label, len(numbers)) for label in labels],
        dtype=np.int64,
    )


@cache
def network_query() -> str:
    """The text of `network.rq` (read once)."""
    return QUERY_FILE.read_text(encoding="utf-8")


def read_network(store: Store) -> Network:
    """The store's social network (see the module docstring for what is a tie)."""
    return network_from_rows(store.select(network_query()))


def network_from_rows(rows: list[Row]) -> Network:
    """Build the network from the rows of `network.rq`."""
    by_kind: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"].value].append(row)
    people = sorted({iri for row in by_kind["person"] if (iri := _iri(row["a"])) is not None})
    index = {person: number for number, person in enumerate(people)}
    units: dict[str, str] = {}
    for row in by_kind["member"]:
        person, unit = _iri(row["a"]), _iri(row["b"])
        if (
            person is not None
            and unit is not None
            and (person not in units or unit < units[person])
        ):
            units[person] = unit
    parents: dict[str, str] = {}
    for row in by_kind["parent"]:
        child, parent = _iri(row["a"]), _iri(row["b"])
        if child is not None and parent is not None and parent != child:
            parents[child] = min(parent, parents.get(child, parent))
    ties, left_out = _ties(by_kind["arc"], index)
    return Network(
        people=tuple(people),
        unit=tuple(units.get(person) for person in people),
        ties=ties,
        parents=parents,
        left_out=left_out,
    )


def _ties(
    rows: list[Row], index: dict[str, int]
) -> tuple[dict[tuple[int, int], float], dict[str, int]]:
    """Sum the arcs between each ordered pair of people into ties; count what is left out."""
    by_arc: dict[ox.NamedNode | ox.BlankNode | ox.Literal, list[Row]] = defaultdict(list)
    for row in rows:
        by_arc[row["c"]].append(row)
    ties: dict[tuple[int, int], float] = defaultdict(float)
    left_out: Counter[str] = Counter()
    for arc_rows in by_arc.values():
        ends = {(_iri(row["a"]), _iri(row["b"])) for row in arc_rows}
        weights = {row["weight"] for row in arc_rows if "weight" in row}
        if len(ends) != 1 or len(weights) > 1:
            left_out["malformed"] += 1
            continue
        ((source, target),) = ends
        if source is None or target is None or source not in index or target not in index:
            left_out["not between people"] += 1
            continue
        weight = _weight(weights.pop()) if weights else 1.0
        if weight is None or weight < 0:
            left_out["malformed"] += 1
        elif source == target:
            left_out["self-arc"] += 1
        elif weight == 0:
            left_out["zero weight"] += 1
        else:
            ties[(index[source], index[target])] += weight
    return dict(ties), dict(sorted(left_out.items()))


def _iri(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str | None:
    """The IRI of a named node; None for a blank node or a literal."""
    return term.value if isinstance(term, ox.NamedNode) else None


def _weight(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> float | None:
    """A numeric literal's value; None for anything else (or NaN, infinity)."""
    if not isinstance(term, ox.Literal) or term.datatype.value not in _NUMERIC:
        return None
    try:
        value = Decimal(term.value.strip())
    except InvalidOperation:
        return None
    return float(value) if value.is_finite() else None
