"""Network metrics: hand-computed values on small networks, networkx on generated ones.

Small cases cover ties between shortest paths, isolates, self-arcs, zero weights, arcs without
a weight and several arcs between one pair. Generated networks use weights that are powers of
two, so the distances (1 / weight) add up exactly in both libraries and equal paths stay equal.
"""

from __future__ import annotations

import doctest
import math
import random
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import networkx as nx
import pytest

from service.network import brokerage as brokerage_module
from service.network import centrality
from service.network import partitions as partitions_module
from service.network import read as read_module
from service.network.analysis import analyse
from service.network.brokerage import brokerage
from service.network.centrality import articulation_points, betweenness, pagerank
from service.network.communities import communities
from service.network.groups import group_metrics
from service.network.partitions import adjusted_rand_index, normalised_mutual_information
from service.network.read import Network, read_network
from service.network.ties import tie_counts
from service.store.embedded import EmbeddedStore

PREFIXES = """
@prefix sb: <https://w3id.org/social-business#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix : <urn:ex:> .
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "store")
    yield opened
    opened.close()


def _read(store: EmbeddedStore, turtle: str) -> Network:
    store.load((PREFIXES + turtle).encode(), media_type="text/turtle", graph="urn:test:data")
    return read_network(store)


def _net(ties: dict[tuple[int, int], float], units: str, parents: dict[str, str] | None = None):
    """People p0, p1... with the units given one letter each (`.` for none)."""
    people = tuple(f"urn:ex:p{i}" for i in range(len(units)))
    unit = tuple(None if u == "." else f"urn:ex:{u}" for u in units)
    return Network(people, unit, ties, parents or {})


# -- reading: what is a tie, what is left out --------------------------------------------


def test_reading_sums_arcs_and_leaves_out_self_zero_and_malformed(store: EmbeddedStore) -> None:
    network = _read(
        store,
        """
        :a a sb:Person ; org:memberOf :U . :b a sb:Person ; org:memberOf :U , :V .
        :c a sb:Person . :d a sb:Person .
        :U org:unitOf :Org . :V org:subOrganizationOf :Org .
        :ab1 sb:source :a ; sb:target :b ; sb:weight 2.5 .
        :ab2 sb:source :a ; sb:target :b .
        :ba sb:source :b ; sb:target :a ; sb:weight "3"^^xsd:integer .
        :aa sb:source :a ; sb:target :a ; sb:weight 5 .
        :bc sb:source :b ; sb:target :c ; sb:weight 0 .
        :ca sb:source :c ; sb:target :a ; sb:weight -1 .
        :cb sb:source :c ; sb:target :b ; sb:weight "lots" .
        :cd sb:source :c ; sb:target :d ; sb:weight 1, 2 .
        :ax sb:source :a ; sb:target :nobody .
        """,
    )
    a, b = network.people.index("urn:ex:a"), network.people.index("urn:ex:b")
    assert network.people == ("urn:ex:a", "urn:ex:b", "urn:ex:c", "urn:ex:d")
    assert network.ties == {(a, b): 3.5, (b, a): 3.0}
    assert network.left_out == {
        "malformed": 3,
        "not between people": 1,
        "self-arc": 1,
        "zero weight": 1,
    }
    assert network.unit == ("urn:ex:U", "urn:ex:U", None, None)  # the smallest of two units
    assert network.organisation(a) == "urn:ex:Org"
    assert network.organisation(2) is None


def test_fingerprint_follows_the_network_only(store: EmbeddedStore) -> None:
    data = ":a a sb:Person . :b a sb:Person . :x sb:source :a ; sb:target :b ; sb:weight 2 ."
    first = _read(store, data).fingerprint()
    store.load(b"<urn:ex:s> <urn:ex:p> 1 .", media_type="text/turtle", graph="urn:test:other")
    assert read_network(store).fingerprint() == first
    store.update("DELETE DATA { GRAPH <urn:test:data> { <urn:ex:x> "
                 "<https://w3id.org/social-business#weight> 2 } }")  # fmt: skip
    assert read_network(store).fingerprint() != first


# -- per person, by hand --------------------------------------------------------------------

PATH = {(0, 1): 2.0, (1, 2): 4.0}
"""p0 -> p1 -> p2, and p3 an isolate; units A, B, C, none."""


def test_degree_strength_and_network_size_by_hand() -> None:
    network = _net({**PATH, (2, 1): 1.0}, "ABC.", {"urn:ex:A": "urn:ex:O", "urn:ex:B": "urn:ex:O"})
    counts = tie_counts(network)
    middle = counts[1]
    assert (middle.in_degree, middle.out_degree) == (2, 1)
    assert (middle.in_strength, middle.out_strength) == (3.0, 4.0)
    assert (middle.internal_network_size, middle.external_network_size) == (1, 1)
    assert middle.strong_ties == 1  # p2: both directions, 4 + 1 >= 4
    assert middle.diverse_ties == 1  # p0: another unit, not strong
    isolate = counts[3]
    assert (isolate.in_degree, isolate.out_degree, isolate.strong_ties) == (0, 0, 0)


def test_betweenness_by_hand_with_an_isolate() -> None:
    values, sampled = betweenness(_net(PATH, "ABC."))
    assert sampled == 0
    assert values == pytest.approx([0.0, 1 / 6, 0.0, 0.0])  # one pair of 3 * 2 through p1


def test_equal_shortest_paths_share_the_pair() -> None:
    diamond = {(0, 1): 1.0, (0, 2): 1.0, (1, 3): 1.0, (2, 3): 1.0}
    values, _ = betweenness(_net(diamond, "AAAA"))
    assert values == pytest.approx([0.0, 0.5 / 6, 0.5 / 6, 0.0])


def test_weight_shortens_a_tie() -> None:
    """p0 reaches p3 over p1 (two ties of weight 4: distance 0.5) rather than directly
    (weight 1: distance 1)."""
    values, _ = betweenness(_net({(0, 1): 4.0, (1, 3): 4.0, (0, 3): 1.0}, "AAAA"))
    assert values == pytest.approx([0.0, 1 / 6, 0.0, 0.0])


def test_pagerank_by_hand_with_an_isolate() -> None:
    """p0 <-> p1 and the isolate p2, which spreads its rank evenly: r2 = 0.15/3 + 0.85 r2/3."""
    ranks = pagerank(_net({(0, 1): 1.0, (1, 0): 5.0}, "AA."))
    isolate = 0.05 / (1 - 0.85 / 3)
    assert ranks == pytest.approx([(1 - isolate) / 2, (1 - isolate) / 2, isolate], abs=1e-6)


def test_articulation_points_by_hand() -> None:
    assert articulation_points(_net(PATH, "ABC.")) == {1}
    assert articulation_points(_net({(0, 1): 1, (1, 2): 1, (2, 0): 1}, "AAA")) == set()


@pytest.mark.parametrize(
    ("units", "role"),
    [
        ("AAA", "coordinator"),
        ("ABA", "itinerant"),
        ("ABB", "gatekeeper"),
        ("AAB", "representative"),
        ("ABC", "liaison"),
        ("A.A", "itinerant"),  # a person of no unit is a group of their own
    ],
)
def test_brokerage_role_by_hand(units: str, role: str) -> None:
    roles = brokerage(_net(PATH, units))
    assert roles[1] == {name: int(name == role) for name in roles[1]}
    assert sum(roles[0].values()) == sum(roles[2].values()) == 0


def test_a_closed_two_path_needs_no_broker() -> None:
    roles = brokerage(_net({**PATH, (0, 2): 1.0}, "ABC"))
    assert sum(roles[1].values()) == 0


# -- per organisation, by hand --------------------------------------------------------------


def test_density_and_ei_index_by_hand() -> None:
    """Unit A = p0, p1, p2 with ties p0->p1, p1->p2 inside and p2->p3, p4->p0 outside."""
    ties = {(0, 1): 1.0, (1, 2): 1.0, (2, 3): 1.0, (4, 0): 1.0, (3, 4): 1.0}
    network = _net(ties, "AAABB", {"urn:ex:A": "urn:ex:O", "urn:ex:B": "urn:ex:Q"})
    by_name = {g.organisation: g for g in group_metrics(network, min_group_size=2)}
    unit = by_name["urn:ex:A"]
    assert (unit.size, unit.internal_ties, unit.external_ties) == (3, 2, 2)
    assert unit.density == pytest.approx(2 / 6)
    assert unit.ei_index == 0.0
    assert unit.ties_to == {"urn:ex:Q": 2}
    assert by_name["urn:ex:B"].ei_index == pytest.approx((2 - 1) / 3)
    assert by_name["urn:ex:O"].size == 3


def test_small_groups_are_suppressed_with_a_reason() -> None:
    network = _net(PATH, "AAB.")
    by_name = {g.organisation: g for g in group_metrics(network, min_group_size=3)}
    assert by_name["urn:ex:A"].density is None
    assert "fewer than 3" in (by_name["urn:ex:A"].suppressed or "")


# -- partitions and communities -------------------------------------------------------------


def test_nmi_and_ari_by_hand() -> None:
    assert normalised_mutual_information([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0)
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert normalised_mutual_information([0, 0, 1], [3, 3, 4]) == pytest.approx(1.0)
    # [0,0,0,1] vs [0,0,1,1]: H1 = H(3/4,1/4), H2 = ln 2, MI = H2 - H(2|1) = ln2 - 3/4 H(1/3,2/3)
    h1 = -(0.75 * _ln(0.75) + 0.25 * _ln(0.25))
    h_cond = -(1 / 3 * _ln(1 / 3) + 2 / 3 * _ln(2 / 3))
    mutual = _ln(2) - 0.75 * h_cond
    expected = mutual / ((h1 + _ln(2)) / 2)
    assert normalised_mutual_information([0, 0, 0, 1], [0, 0, 1, 1]) == pytest.approx(expected)


def _ln(x: float) -> float:
    return math.log(x)


def _two_cliques(units: str) -> Network:
    ties = {}
    for group in (range(0, 5), range(5, 10)):
        ties |= {(a, b): 4.0 for a in group for b in group if a != b}
    ties[(4, 5)] = 1.0
    return _net(ties, units)


def test_communities_match_units_when_the_chart_is_the_network() -> None:
    found = communities(_two_cliques("AAAAABBBBB"))
    assert found.community == (1, 1, 1, 1, 1, 2, 2, 2, 2, 2)
    assert (found.nmi, found.ari, found.outside_unit) == (1.0, 1.0, frozenset())


def test_people_outside_their_units_community() -> None:
    found = communities(_two_cliques("AAAABBBBBA"))  # p4 and p9 sit in the other clique's unit
    assert found.outside_unit == {4, 9}
    assert found.nmi is not None and found.nmi < 1
    assert found.ari is not None and found.ari < 1


# -- against networkx on generated networks -------------------------------------------------


def _generated(seed: int, people: int = 120, arcs: int = 600) -> Network:
    rng = random.Random(seed)
    ties: dict[tuple[int, int], float] = {}
    for _ in range(arcs):
        source, target = rng.randrange(people - 5), rng.randrange(people - 5)  # 5 isolates
        if source != target:
            ties[(source, target)] = float(2 ** rng.randint(0, 3))
    units = "".join(rng.choice("ABCDE.") for _ in range(people))
    return _net(ties, units, {f"urn:ex:{u}": f"urn:ex:O{u in 'AB'}" for u in "ABCDE"})


def _nx(network: Network) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(network.size))
    for (source, target), weight in network.ties.items():
        graph.add_edge(source, target, weight=weight, distance=1 / weight)
    return graph


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_centrality_agrees_with_networkx(seed: int) -> None:
    network = _generated(seed)
    graph = _nx(network)
    expected = nx.betweenness_centrality(graph, weight="distance")
    found, _ = betweenness(network)
    assert found == pytest.approx([expected[p] for p in range(network.size)], abs=1e-12)
    ranks = nx.pagerank(graph, weight="weight", tol=1e-10)
    assert pagerank(network) == pytest.approx([ranks[p] for p in range(network.size)], abs=1e-5)
    assert articulation_points(network) == set(nx.articulation_points(graph.to_undirected()))
    counts = tie_counts(network)
    assert [c.in_degree for c in counts] == [graph.in_degree(p) for p in range(network.size)]
    strengths = [graph.out_degree(p, weight="weight") for p in range(network.size)]
    assert [c.out_strength for c in counts] == strengths


@pytest.mark.parametrize("seed", [1, 2])
def test_communities_are_deterministic_and_as_good_as_networkx_louvain(seed: int) -> None:
    network = _generated(seed)
    found = communities(network)
    assert communities(network) == found
    undirected = nx.Graph()
    undirected.add_nodes_from(range(network.size))
    for (source, target), weight in network.ties.items():
        old = undirected.get_edge_data(source, target, {"weight": 0.0})["weight"]
        undirected.add_edge(source, target, weight=old + weight)
    ours = [
        {p for p in range(network.size) if found.community[p] == label}
        for label in set(found.community)
    ]
    theirs = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
    modularity = nx.community.modularity(undirected, ours, weight="weight")
    assert modularity >= 0.95 * nx.community.modularity(undirected, theirs, weight="weight")
    with_unit = [p for p in range(network.size) if network.unit[p] is not None]
    assert found.nmi == pytest.approx(
        normalised_mutual_information(
            [found.community[p] for p in with_unit], [network.unit[p] for p in with_unit]
        )
    )


ROLE_BY_GROUPS = {
    "aaa": "coordinator",
    "aba": "itinerant",
    "abb": "gatekeeper",
    "aab": "representative",
    "abc": "liaison",
}
"""Gould and Fernandez's table: the groups of sender, broker and receiver, as letters."""


def _pattern(*groups: str) -> str:
    """The groups as letters in order of first appearance: ("u", "v", "u") -> "aba"."""
    letters: dict[str, str] = {}
    return "".join(letters.setdefault(group, "abc"[len(letters)]) for group in groups)


def test_brokerage_agrees_with_counting_every_two_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The array count, in chunks of a few two-paths too, equals a plain count of the two-paths
    `a -> v -> b` with no tie `a -> b`, by the groups of their ends (the roles' table)."""
    network = _generated(5)
    groups = [network.group(p) for p in range(network.size)]
    expected = [dict.fromkeys(brokerage_module.ROLES, 0) for _ in range(network.size)]
    ties = network.ties
    for sender, broker in ties:
        for middle, receiver in ties:
            if middle == broker and receiver != sender and (sender, receiver) not in ties:
                ends = (groups[sender], groups[broker], groups[receiver])
                expected[broker][ROLE_BY_GROUPS[_pattern(*ends)]] += 1
    assert brokerage(network) == expected
    monkeypatch.setattr(brokerage_module, "CHUNK", 3)
    assert brokerage(network) == expected
    assert brokerage_module.brokerage_of(network, [7, 3, 7]) == {3: expected[3], 7: expected[7]}


def test_estimated_betweenness_is_deterministic_and_close(monkeypatch: pytest.MonkeyPatch) -> None:
    network = _generated(4, people=300, arcs=1500)
    exact, _ = betweenness(network)
    monkeypatch.setattr(centrality, "EXACT_BETWEENNESS_LIMIT", 100)
    monkeypatch.setattr(centrality, "BETWEENNESS_SOURCES", 150)
    estimate, sampled = betweenness(network)
    assert sampled == 150
    assert betweenness(network) == (estimate, sampled)
    top = sorted(range(network.size), key=lambda p: -exact[p])[:10]
    assert max(abs(estimate[p] - exact[p]) for p in top) < 0.5 * exact[top[0]]


def test_analysis_of_an_empty_network() -> None:
    analysis = analyse(_net({}, ""), min_group_size=5)
    assert analysis.people == [] and analysis.groups == []
    assert analysis.communities.nmi is None


@pytest.mark.parametrize("module", [brokerage_module, partitions_module, read_module])
def test_docstring_examples(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0
