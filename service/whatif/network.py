"""The network change of a what-if: the social network before and after, compared.

Both networks are read by the analytics' own reader (`service.network.read`), so a tie here
is a tie there. Over the undirected network (a tie in either direction connects, DESIGN §4):

* **components** — connected components before and after (a person with no tie is one);
* **reachability between units lost** — pairs of units (`Network.unit`) that had members in
  one component before and have none after (a unit left with no member loses every pair);
* **new articulation points** — people whose departure would now split their component and
  did not before (`service.network.centrality.articulation_points`);
* **brokerage lost** — Gould-Fernandez two-paths (`service.network.brokerage`) lost, by
  role, over the people the change can reach: the ends of a tie that appears or goes, the
  people between its ends, and the neighbours of a person who appears, goes or changes unit.
  Everyone else brokers exactly what they did.

Privacy as in the analytics: the people are named only when the caller may see per-person
metrics (`people=True`), else counted; a pair of units is named only when both had at least
`min_group_size` members before, else counted as suppressed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from itertools import combinations
from typing import Any

import pyoxigraph as ox
import rustworkx as rx

from service.network.brokerage import ROLES, brokerage_of
from service.network.centrality import articulation_points
from service.network.read import Network, network_query
from service.store.sparqltokens import tokens

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_PAIR_REASON = (
    "a pair with a unit of fewer than {} people is counted, not named (TRISKEL_MIN_GROUP_SIZE)"
)
_PEOPLE_REASON = "per-person details need the admin role unless TRISKEL_PERSON_METRICS=read"


def network_change(
    before: Network, after: Network, *, min_group_size: int, people: bool
) -> dict[str, Any]:
    """The JSON network change from `before` to `after`."""
    pairs_before, pairs_after = _unit_pairs(before), _unit_pairs(after)
    sizes = Counter(unit for unit in before.unit if unit is not None)
    lost = sorted(pairs_before - pairs_after)
    shown = [p for p in lost if min(sizes[p[0]], sizes[p[1]]) >= min_group_size]
    points_before = {before.people[i] for i in articulation_points(before)}
    points_after = {after.people[i] for i in articulation_points(after)}
    brokers = _brokerage_lost(before, after)
    answer: dict[str, Any] = {
        "people": {"before": before.size, "after": after.size},
        "ties": {"before": len(before.ties), "after": len(after.ties)},
        "components": {"before": _components(before), "after": _components(after)},
        "unit_pairs_unreachable": {
            "count": len(lost),
            "pairs": [list(pair) for pair in shown],
            "suppressed": len(lost) - len(shown),
            "reason": _PAIR_REASON.format(min_group_size) if len(shown) < len(lost) else None,
        },
        "new_articulation_points": _people(sorted(points_after - points_before), people),
        "brokerage_lost": {
            "by_role": {
                role: sum(lost.get(role, 0) for lost in brokers.values()) for role in ROLES
            },
            "brokers": _people(sorted(brokers), people),
        },
    }
    if people:
        answer["brokerage_lost"]["by_person"] = brokers
    return answer


def _people(iris: list[str], shown: bool) -> dict[str, Any]:
    """A list of people, or only its length when the caller may not see people."""
    if shown:
        return {"count": len(iris), "people": iris}
    return {"count": len(iris), "people": None, "reason": _PEOPLE_REASON}


def _undirected(network: Network) -> rx.PyGraph[int, None]:
    graph: rx.PyGraph[int, None] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(network.size))
    graph.add_edges_from_no_data(sorted(network.ties))
    return graph


def _components(network: Network) -> int:
    return len(rx.connected_components(_undirected(network)))


def _unit_pairs(network: Network) -> set[tuple[str, str]]:
    """Pairs of units (in IRI order) with members in one connected component."""
    pairs: set[tuple[str, str]] = set()
    for component in rx.connected_components(_undirected(network)):
        units = sorted({u for person in component if (u := network.unit[person]) is not None})
        pairs.update(combinations(units, 2))
    return pairs


def _brokerage_lost(before: Network, after: Network) -> dict[str, dict[str, int]]:
    """Person -> two-paths lost by role (only people who lost some), over the people the
    change can reach (see the module docstring)."""
    reached = _reached(before, after)
    counted = [_counts(network, reached) for network in (before, after)]
    lost: dict[str, dict[str, int]] = {}
    for person in sorted(reached):
        was, now = (counts.get(person, dict.fromkeys(ROLES, 0)) for counts in counted)
        fewer = {role: was[role] - now[role] for role in ROLES if was[role] > now[role]}
        if fewer:
            lost[person] = fewer
    return lost


def _counts(network: Network, people: Iterable[str]) -> dict[str, dict[str, int]]:
    index = {person: number for number, person in enumerate(network.people)}
    wanted = [index[p] for p in people if p in index]
    return {network.people[i]: roles for i, roles in brokerage_of(network, wanted).items()}


def _reached(before: Network, after: Network) -> set[str]:
    """The people whose brokerage a change from `before` to `after` can alter."""
    ties = [_named_ties(before), _named_ties(after)]
    links = [_neighbours(named) for named in ties]
    reached: set[str] = set()
    for source, target in ties[0] ^ ties[1]:
        reached.update((source, target))
        for out, into in links:
            reached.update(out.get(source, set()) & into.get(target, set()))
    groups = [_groups(before), _groups(after)]
    for person in set(groups[0]) | set(groups[1]):
        if groups[0].get(person) != groups[1].get(person):
            reached.add(person)
            for out, into in links:
                reached.update(out.get(person, set()) | into.get(person, set()))
    return reached


def _named_ties(network: Network) -> set[tuple[str, str]]:
    return {(network.people[s], network.people[t]) for s, t in network.ties}


def _neighbours(ties: set[tuple[str, str]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Person -> the people they have a tie to, and the people with a tie to them."""
    out: dict[str, set[str]] = {}
    into: dict[str, set[str]] = {}
    for source, target in ties:
        out.setdefault(source, set()).add(target)
        into.setdefault(target, set()).add(source)
    return out, into


def _groups(network: Network) -> dict[str, str]:
    return {person: network.group(i) for i, person in enumerate(network.people)}


@cache
def network_terms() -> frozenset[str]:
    """The IRIs the network query (`service/network/network.rq`) names, its prefixed names
    expanded: a change none of whose quads has one of them as predicate (or, for
    `rdf:type`, as object) leaves the network as it was."""
    found = tokens(network_query())
    prefixes: dict[str, str] = {}
    terms: set[str] = set()
    for index, token in enumerate(found):
        if token.word == "PREFIX" and index + 2 < len(found):
            prefixes[found[index + 1].text.rstrip(":")] = found[index + 2].text[1:-1]
        elif token.kind == "name" and ":" in token.text:
            prefix, _, local = token.text.partition(":")
            if prefix in prefixes:
                terms.add(prefixes[prefix] + local)
        elif token.kind == "iri":
            terms.add(token.text[1:-1])
    return frozenset(terms)


def changes_network(quads: Iterable[ox.Quad]) -> bool:
    """True when some of `quads` may change what the network query reads."""
    terms = network_terms()
    return any(
        q.predicate.value in terms
        and (
            q.predicate.value != RDF_TYPE
            or (isinstance(q.object, ox.NamedNode) and q.object.value in terms)
        )
        for q in quads
    )
