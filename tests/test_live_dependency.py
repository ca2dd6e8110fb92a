"""Dependency plans (`service.validation.dependency`): which watches a change meets, and the
connector it starts from — through the end of a property path nearest to the focus."""

from __future__ import annotations

import doctest

from rdflib import URIRef, Variable

from service.validation import dependency
from service.validation.dependency import Change, affected, analyse

P, Q = URIRef("urn:p"), URIRef("urn:q")
ACT = "SELECT ?this ?value WHERE { ?c <urn:hasAct> ?this . ?this (<urn:p>|<urn:q>) ?value }"


def test_doctests() -> None:
    assert doctest.testmod(dependency).failed == 0


def test_a_change_meets_only_the_watches_of_its_predicate() -> None:
    plan = analyse("SELECT ?this WHERE { ?this <urn:p> ?x . ?x <urn:q> ?y . ?y ?any ?z }", "this")
    watched = plan.watching(Change(URIRef("urn:a"), Q, URIRef("urn:b")))
    assert [str(w.atom.predicate) for w in watched] == ["urn:q", "any"]


def test_a_path_step_connects_from_the_end_nearest_the_focus() -> None:
    """The object end `?value` has no chain to the focus of its own; the subject end is the
    focus itself, so a changed `urn:q` triple seeds the walk back to it, not a whole
    re-check."""
    change = Change(URIRef("urn:act"), Q, URIRef("urn:person"))
    requests, whole = affected(analyse(ACT, "this"), [change])
    assert not whole
    [(connector, seeds)] = requests.items()
    assert seeds == {URIRef("urn:act")}
    assert connector.focus == Variable("this")
    assert "(<urn:p>|<urn:q>)* ?_seed" in connector.body


def test_an_inverse_step_seeds_from_the_triple_object() -> None:
    plan = analyse("SELECT ?this WHERE { ?this ^<urn:p> ?x }", "this")
    requests, whole = affected(plan, [Change(URIRef("urn:a"), P, URIRef("urn:b"))])
    assert not whole
    assert set().union(*requests.values()) == {URIRef("urn:b")}


def test_a_path_with_no_end_reaching_the_focus_is_rechecked_whole() -> None:
    plan = analyse("SELECT ?this WHERE { ?this <urn:q> ?v . ?a <urn:p>* ?b }", "this")
    _, whole = affected(plan, [Change(URIRef("urn:a"), P, URIRef("urn:b"))])
    assert whole
