"""Per organisation and unit: density, E-I index, ties to other organisations; suppression.

The members of an organisation are the people whose unit is it or lies below it (membership
of a unit counts as membership of the organisations above it, DESIGN §4). Over the ties
(`service.network.read`), each counted once per direction:

* **density** — internal ties over the ties possible among the members, `I / (m (m - 1))`
  (directed, no self-ties; undefined below two members);
* **E-I index** (Krackhardt & Stern 1988, "Informal networks and organizational crises: an
  experimental simulation", Social Psychology Quarterly 51(2)) — `(E - I) / (E + I)` with
  `E` the ties with exactly one end among the members and `I` the ties with both: -1 all
  inward (a silo), +1 all outward; undefined without ties;
* **external ties by organisation** — for every top-level organisation, the ties between the
  members and the people of that organisation outside the group.

**Privacy.** An aggregate over fewer than `min_group_size` people (`TRISKEL_MIN_GROUP_SIZE`,
default 5, as Viva Insights) is not given: the group gets a `suppressed` reason instead of its
values, and a count of ties to an organisation of fewer people than that is left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from service.network.read import Network


@dataclass(frozen=True)
class GroupMetrics:
    """The aggregates of one organisation or unit (None: undefined or suppressed)."""

    organisation: str
    size: int
    density: float | None = None
    ei_index: float | None = None
    internal_ties: int | None = None
    external_ties: int | None = None
    ties_to: dict[str, int] = field(default_factory=dict)
    """Top-level organisation -> ties between the members and its people outside the group."""
    suppressed: str | None = None


def suppression_reason(size: int, min_group_size: int) -> str | None:
    """Why an aggregate over `size` people is not given (None: it is given)."""
    if size >= min_group_size:
        return None
    return (
        f"an aggregate over {size} people is suppressed: fewer than {min_group_size} "
        "(TRISKEL_MIN_GROUP_SIZE)"
    )


def members_by_organisation(network: Network) -> dict[str, set[int]]:
    """Organisation -> its members, for every organisation with a member (below it too)."""
    members: dict[str, set[int]] = defaultdict(set)
    for person, unit in enumerate(network.unit):
        if unit is not None:
            for organisation in network.ancestors(unit):
                members[organisation].add(person)
    return dict(members)


def group_metrics(network: Network, *, min_group_size: int) -> list[GroupMetrics]:
    """The aggregates of every organisation with members, sorted by IRI. Ties are first
    counted by the pair of units they join (each tie counts for the organisations above
    either end, which only the units decide), then each pair once."""
    members = members_by_organisation(network)
    units = network.unit
    between = Counter((units[source], units[target]) for source, target in network.ties)
    above = {unit: network.ancestors(unit) for unit in set(units) if unit is not None}
    internal: Counter[str] = Counter()
    external: Counter[str] = Counter()
    ties_to: dict[str, Counter[str]] = defaultdict(Counter)
    for (source, target), count in between.items():
        source_groups = set(above[source]) if source is not None else set()
        target_groups = set(above[target]) if target is not None else set()
        for shared in source_groups & target_groups:
            internal[shared] += count
        one_sided = (
            (source_groups - target_groups, target),
            (target_groups - source_groups, source),
        )
        for reached, other in one_sided:
            outside = None if other is None else above[other][-1]
            for group in reached:
                external[group] += count
                if outside is not None:
                    ties_to[group][outside] += count
    top_sizes = Counter(above[unit][-1] for unit in units if unit is not None)
    result = []
    for name, people in sorted(members.items()):
        size = len(people)
        reason = suppression_reason(size, min_group_size)
        if reason is not None:
            result.append(GroupMetrics(name, size, suppressed=reason))
            continue
        inward, outward, possible = internal[name], external[name], size * (size - 1)
        shown = {o: n for o, n in sorted(ties_to[name].items()) if top_sizes[o] >= min_group_size}
        result.append(
            GroupMetrics(
                organisation=name,
                size=size,
                density=inward / possible if possible else None,
                ei_index=(outward - inward) / (outward + inward) if outward + inward else None,
                internal_ties=inward,
                external_ties=outward,
                ties_to=shown,
            )
        )
    return result
