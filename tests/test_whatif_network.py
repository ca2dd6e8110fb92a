"""The network change of a what-if, on small networks worked out by hand."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from service.network.brokerage import brokerage
from service.network.read import Network
from service.whatif.network import changes_network, network_change

SB = "https://w3id.org/social-business#"
# a -> b -> c -> d, a chain through two units of two people each: u = {a, b}, v = {c, d}
CHAIN = Network(
    ("a", "b", "c", "d"),
    ("u", "u", "v", "v"),
    {(0, 1): 1.0, (1, 2): 1.0, (2, 3): 1.0},
)
# the tie b -> c gone: {a, b} and {c, d} fall apart
CUT = Network(CHAIN.people, CHAIN.unit, {(0, 1): 1.0, (2, 3): 1.0})


def test_cutting_the_bridge_by_hand() -> None:
    found = network_change(CHAIN, CUT, min_group_size=2, people=True)
    assert found["components"] == {"before": 1, "after": 2}
    assert found["ties"] == {"before": 3, "after": 2}
    pairs = found["unit_pairs_unreachable"]
    assert (pairs["count"], pairs["pairs"], pairs["suppressed"]) == (1, [["u", "v"]], 0)
    # b brokered a -> b -> c (representative: a, b in u, c outside) and c brokered
    # b -> c -> d (gatekeeper: c, d in v, b outside); both two-paths are gone
    lost = found["brokerage_lost"]
    assert lost["by_person"] == {"b": {"representative": 1}, "c": {"gatekeeper": 1}}
    assert lost["by_role"]["representative"] == 1 and lost["by_role"]["gatekeeper"] == 1
    # b and c were articulation points of the chain and are no longer: none is new
    assert found["new_articulation_points"] == {"count": 0, "people": []}


def test_a_new_articulation_point_by_hand() -> None:
    # a triangle a, b, c with d hanging on c: c is the only articulation point; drop the
    # tie a -> c and b becomes one too (a now reaches the rest through b only)
    before = Network(
        ("a", "b", "c", "d"),
        ("u", "u", "u", "u"),
        {(0, 1): 1.0, (1, 2): 1.0, (0, 2): 1.0, (2, 3): 1.0},
    )
    after = Network(before.people, before.unit, {(0, 1): 1.0, (1, 2): 1.0, (2, 3): 1.0})
    found = network_change(before, after, min_group_size=5, people=True)
    assert found["new_articulation_points"] == {"count": 1, "people": ["b"]}
    # c brokered a -> c -> d and b -> c -> d; a -> c is gone, so c lost one (all in one
    # unit: coordinator), while b gains a -> b -> c, which is no loss
    assert found["brokerage_lost"]["by_person"] == {"c": {"coordinator": 1}}


def test_small_units_and_people_are_not_named() -> None:
    found = network_change(CHAIN, CUT, min_group_size=3, people=False)
    pairs = found["unit_pairs_unreachable"]
    assert (pairs["count"], pairs["pairs"], pairs["suppressed"]) == (1, [], 1)
    assert "TRISKEL_MIN_GROUP_SIZE" in pairs["reason"]
    brokers = found["brokerage_lost"]["brokers"]
    assert brokers["count"] == 2 and brokers["people"] is None
    assert "by_person" not in found["brokerage_lost"]


def test_a_departure_loses_its_unit_pairs() -> None:
    gone = Network(("a", "b", "d"), ("u", "u", "v"), {(0, 1): 1.0})
    found = network_change(CHAIN, gone, min_group_size=1, people=True)
    assert found["people"] == {"before": 4, "after": 3}
    assert found["unit_pairs_unreachable"]["pairs"] == [["u", "v"]]


def test_which_changes_reach_the_network() -> None:
    def quad(p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode(p), o)

    kind = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert changes_network([quad(SB + "source", ox.NamedNode("urn:y"))])
    assert changes_network([quad(kind, ox.NamedNode(SB + "Person"))])
    assert changes_network([quad("http://www.w3.org/ns/org#unitOf", ox.NamedNode("urn:y"))])
    assert not changes_network([quad(kind, ox.NamedNode(SB + "ToolPolicy"))])
    assert not changes_network([quad(SB + "prohibits", ox.NamedNode("urn:y"))])


def _random_network(rng: random.Random, people: list[str]) -> Network:
    units = tuple(rng.choice(("u", "v", "w", None)) for _ in people)
    ties = {
        (s, t): 1.0
        for s in range(len(people))
        for t in range(len(people))
        if s != t and rng.random() < 0.25
    }
    return Network(tuple(people), units, ties)


def _changed(rng: random.Random, network: Network) -> Network:
    """`network` after a small change: a tie or two gone or added, a unit changed, maybe
    someone gone."""
    ties = dict(network.ties)
    for _ in range(2):
        pair = (rng.randrange(network.size), rng.randrange(network.size))
        if pair[0] != pair[1]:
            ties.pop(pair, None) if pair in ties else ties.setdefault(pair, 1.0)
    units = list(network.unit)
    units[rng.randrange(network.size)] = rng.choice(("u", "v", "w", None))
    gone = rng.randrange(network.size) if rng.random() < 0.5 else -1
    keep = [i for i in range(network.size) if i != gone]
    index = {old: new for new, old in enumerate(keep)}
    return Network(
        tuple(network.people[i] for i in keep),
        tuple(units[i] for i in keep),
        {(index[s], index[t]): w for (s, t), w in ties.items() if s in index and t in index},
    )


@pytest.mark.parametrize("seed", range(20))
def test_brokerage_lost_equals_a_full_recount(seed: int) -> None:
    """Recounting only the people a change reaches gives what recounting everyone gives."""
    rng = random.Random(seed)
    before = _random_network(rng, [f"p{n:02d}" for n in range(12)])
    after = _changed(rng, before)
    was = {before.people[i]: roles for i, roles in enumerate(brokerage(before))}
    now = {after.people[i]: roles for i, roles in enumerate(brokerage(after))}
    expected = {}
    for person, roles in was.items():
        fewer = {
            role: n - now.get(person, {}).get(role, 0)
            for role, n in roles.items()
            if n > now.get(person, {}).get(role, 0)
        }
        if fewer:
            expected[person] = fewer
    found = network_change(before, after, min_group_size=1, people=True)
    assert found["brokerage_lost"]["by_person"] == expected
