"""The fixed join order of MINUS sides (`joinplan.plan`) keeps every query's answer.

Each query below is compiled the way the rule queries are (NOT EXISTS as MINUS), then run
written and planned on seeded random data shaped like an import: few tools every person
uses, conversations with many participants, arcs among them. The answers must be the same
multiset of rows; the cases cover what the planner must leave alone or narrow partly
(GRAPH, OPTIONAL, blank nodes, a cover that is not linked, a constant subject).
"""

from __future__ import annotations

import doctest
import random
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Variable

from service.rdflib_sparql import algebra
from service.validation import joinplan
from service.validation.algebra_text import select
from service.validation.compile import compile_pack
from service.validation.joinplan import plan
from service.validation.rewrite import not_exists_to_minus
from service.validation.shapes import load_builtin

EX = "urn:ex:"
QUERIES = {
    "participants use a carrying tool (R03)": """
        SELECT ?this ?value WHERE { ?this :p ?value ; :c ?any .
          FILTER NOT EXISTS { ?this :c ?tool . ?value :u ?tool } }""",
    "connected to another participant (R01)": """
        SELECT ?this ?value WHERE { ?this :p ?value , ?other . FILTER (?other != ?value)
          FILTER NOT EXISTS { ?this :p ?peer . ?arc :s ?value ; :t ?peer .
                              FILTER (?peer != ?value) } }""",
    "arc ends share an allowed tool (R08)": """
        SELECT ?this ?value WHERE { ?this :s ?from ; :t ?value .
          FILTER NOT EXISTS { ?from :u ?tool . ?value :u ?tool .
                              FILTER NOT EXISTS { ?from :banned ?tool } } }""",
    "cover not linked (R07)": """
        SELECT ?this ?a ?b WHERE { ?c1 :p ?a . ?c2 :p ?b . ?c1 :k ?this . ?c2 :k ?this .
          FILTER NOT EXISTS { ?a :u ?t . ?b :u ?t } }""",
    "blank node in the MINUS side": """
        SELECT ?this ?value WHERE { ?this :p ?value .
          FILTER NOT EXISTS { ?this :c ?tool . [] :u ?tool ; :s ?value } }""",
    "OPTIONAL on the left": """
        SELECT ?this ?value WHERE { ?this :p ?value OPTIONAL { ?this :q ?value }
          FILTER NOT EXISTS { ?this :c ?tool . ?value :u ?tool } }""",
    "GRAPH on the left": """
        SELECT ?this ?value WHERE { GRAPH ?g { ?this :p ?value }
          FILTER NOT EXISTS { ?this :c ?tool . ?value :u ?tool } }""",
    "constant subject in the MINUS side": """
        SELECT ?this ?value WHERE { ?this :p ?value .
          FILTER NOT EXISTS { :hub :u ?tool . ?value :u ?tool . ?this :c ?tool } }""",
}
NARROWED = {name for name in QUERIES if not name.startswith("GRAPH")}


def _forms(text: str) -> tuple[str, str]:
    """The query as `not_exists_to_minus` writes it, and planned."""
    top = algebra(f"PREFIX : <{EX}>\n{text}").algebra.p
    written = not_exists_to_minus(top.p)
    projection = [Variable(v) for v in top.PV]
    return select(written, projection, distinct=False), select(
        plan(written), projection, distinct=False
    )


def _data(seed: int) -> ox.Store:
    """Conversations with many participants over three tools nearly everyone uses."""
    rng = random.Random(seed)
    store = ox.Store()

    def add(s: str, p: str, o: str, graph: ox.NamedNode | None = None) -> None:
        node = lambda name: ox.NamedNode(EX + name)  # noqa: E731
        store.add(ox.Quad(node(s), node(p), node(o), graph or ox.DefaultGraph()))

    people = [f"person{i}" for i in range(30)]
    tools = ["mail", "chat", "wiki"]
    for person in people:
        for tool in tools:
            if rng.random() < 0.7:
                add(person, "u", tool)
        if rng.random() < 0.3:
            add(person, "banned", rng.choice(tools))
        if rng.random() < 0.5:
            add(person, "q", rng.choice(people))
    add("hub", "u", "mail")
    for c in range(25):
        conversation = f"conversation{c}"
        for person in rng.sample(people, rng.randint(1, 8)):
            add(conversation, "p", person)
            if rng.random() < 0.2:
                add(conversation, "p", person, ox.NamedNode(EX + "g"))
        add(conversation, "c", rng.choice(tools))
        add(conversation, "k", f"item{rng.randrange(5)}")
    for a in range(60):
        add(f"arc{a}", "s", rng.choice(people))
        add(f"arc{a}", "t", rng.choice(people))
    return store


def _rows(store: ox.Store, query: str) -> Counter[tuple[str, ...]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return Counter(tuple(str(s[n]) for n in names) for s in solutions)


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("seed", range(6))
def test_planned_answers_equal_written(name: str, seed: int) -> None:
    written, planned = _forms(QUERIES[name])
    store = _data(seed)
    expected = _rows(store, written)
    assert _rows(store, planned) == expected
    assert sum(expected.values()) > 0, "the data must leave rows to compare"


PROJECTED = "MINUS { { SELECT DISTINCT"
"""How a MINUS side cut down to its shared variables starts (a narrowing `N` is inside)."""


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_narrowed_only_where_exact(name: str) -> None:
    written, planned = _forms(QUERIES[name])
    narrowings = planned.count("SELECT DISTINCT") - planned.count(PROJECTED)
    assert (narrowings > 0) == (name in NARROWED), planned
    assert "SELECT DISTINCT" not in written


def test_a_side_keeps_only_the_variables_it_shares_with_the_left() -> None:
    """R01's side joins participants and arcs either way (?peer, ?arc) but MINUS compares
    only ?this and ?value: the engine holds those pairs, not every row of the join."""
    compiled = {c.rule: c for c in compile_pack(load_builtin()).constraints}
    query = compiled["R01"].query
    assert query.count(f"{PROJECTED} ?this ?value WHERE") == 1, query


def test_rule_queries_start_from_what_the_left_side_binds() -> None:
    """R03 joins the tools of each participant's conversations, not every user of a
    tool; R08 the tools of the two people of each arc. The live re-checks keep the
    written form, whose patterns they restrict."""
    compiled = {c.rule: c for c in compile_pack(load_builtin()).constraints}
    sb = "https://w3id.org/social-business#"
    r03, r08 = compiled["R03"], compiled["R08"]
    assert f"{{ SELECT DISTINCT ?this ?value WHERE {{ ?this <{sb}participant> ?value . }} }}" in (
        r03.query
    )
    assert "SELECT DISTINCT ?from ?value" in r08.query
    for constraint in (r03, r08):
        assert constraint.written != constraint.query
        assert "{ SELECT DISTINCT ?this ?value" not in constraint.written


def test_doctests() -> None:
    assert doctest.testmod(joinplan).failed == 0
