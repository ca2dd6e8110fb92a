"""HermiT over the ontology, the ontology plus the example data, and graphs made to break.

Needs a Java runtime (HermiT is Java): without one they fail with ReasonerUnavailableError,
since a missing engine is an install failure, not a reason to skip.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from service.namespaces import SB
from service.ontology import read_graph
from service.reasoning import DisjointMember, classify
from service.resources import DATA_DIR, ONTOLOGY_FILES, REPORT_VOCABULARY_FILE

pytestmark = pytest.mark.java

EX = "https://example.org/test#"
EXAMPLE_FILES = sorted((DATA_DIR / "example").glob("*.ttl"))


def test_ontology_is_consistent_with_no_unsatisfiable_class() -> None:
    report = classify(read_graph())
    assert report.consistent
    assert report.unsatisfiable == ()
    assert report.ok


def test_ontology_with_report_vocabulary_is_consistent_with_no_unsatisfiable_class() -> None:
    report = classify(read_graph([*ONTOLOGY_FILES, REPORT_VOCABULARY_FILE]))
    assert report.ok, f"unsatisfiable: {report.unsatisfiable}, suspects: {report.suspects}"


def test_ontology_with_example_data_is_consistent() -> None:
    assert EXAMPLE_FILES, "data/example/ holds no Turtle file"
    report = classify(read_graph([*ONTOLOGY_FILES, *EXAMPLE_FILES]))
    assert report.consistent, f"suspects: {report.suspects}"
    assert report.unsatisfiable == ()


def test_member_of_two_disjoint_classes_is_inconsistent_and_named() -> None:
    graph = read_graph()
    graph.add((URIRef(EX + "slack"), RDF.type, SB.Tool))
    graph.add((URIRef(EX + "slack"), RDF.type, SB.Person))
    report = classify(graph)
    assert not report.consistent
    assert not report.ok
    assert DisjointMember(EX + "slack", (str(SB.Person), str(SB.Tool))) in report.suspects


def test_type_implied_by_a_range_counts() -> None:
    """An arc whose target is a tool makes the tool a Person by range: inconsistent."""
    graph = read_graph()
    graph.add((URIRef(EX + "wiki"), RDF.type, SB.Tool))
    graph.add((URIRef(EX + "arc"), SB.target, URIRef(EX + "wiki")))
    report = classify(graph)
    assert not report.consistent
    assert [s.individual for s in report.suspects] == [EX + "wiki"]


def test_unsatisfiable_class_is_reported() -> None:
    graph = read_graph()
    chimera = URIRef(EX + "ToolPerson")
    graph.add((chimera, RDF.type, OWL.Class))
    graph.add((chimera, RDFS.subClassOf, SB.Tool))
    graph.add((chimera, RDFS.subClassOf, SB.Person))
    report = classify(graph)
    assert report.consistent
    assert report.unsatisfiable == (str(chimera),)


def test_two_ranks_for_one_level_is_inconsistent() -> None:
    graph = read_graph()
    graph.add((SB.public, SB.rank, Literal(5)))
    assert not classify(graph).consistent


def test_data_with_xsd_date_is_still_checked() -> None:
    """xsd:date is not in the OWL 2 datatype map; HermiT skips such literals, not the check."""
    graph = read_graph()
    day = URIRef(EX + "day")
    graph.add((day, RDF.type, OWL.DatatypeProperty))
    graph.add((URIRef(EX + "x"), day, Literal("2026-11-27", datatype=XSD.date)))
    assert classify(graph).ok
    graph.add((URIRef(EX + "x"), RDF.type, SB.Tool))
    graph.add((URIRef(EX + "x"), RDF.type, SB.Goal))
    assert not classify(graph).consistent


def test_owl_imports_are_never_followed() -> None:
    graph = read_graph()
    graph.add(
        (
            URIRef("https://w3id.org/social-business"),
            OWL.imports,
            URIRef("http://unreachable.invalid/x.owl"),
        )
    )
    assert classify(graph).ok


def test_each_call_has_its_own_world() -> None:
    broken = read_graph()
    broken.add((URIRef(EX + "x"), RDF.type, SB.Tool))
    broken.add((URIRef(EX + "x"), RDF.type, SB.Arc))
    assert not classify(broken).consistent
    assert classify(read_graph()).ok
    assert classify(Graph()).ok
