"""The Turtle examples of README.md: they parse, use only declared sb: terms, and are
consistent with the ontology under HermiT, so the tour cannot drift from the vocabulary."""

from __future__ import annotations

import re
import shutil

import owlready2
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from service.namespaces import SB
from service.ontology import read_graph
from service.reasoning import classify
from service.resources import ROOT

README = ROOT / "README.md"
BLOCKS = (
    re.findall(r"```turtle\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    if README.exists()
    else []
)
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
         OWL.NamedIndividual)  # fmt: skip


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_turtle_uses_declared_terms(block: str) -> None:
    example = Graph().parse(data=block, format="turtle")
    ontology = read_graph()
    declared = {s for kind in KINDS for s in ontology.subjects(RDF.type, kind)}
    used = {n for t in example for n in t if isinstance(n, URIRef) and n.startswith(SB._NS)}
    assert used <= declared, f"undeclared: {sorted(used - declared)}"


@pytest.mark.skipif(shutil.which(owlready2.JAVA_EXE) is None, reason="HermiT needs Java")
@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_turtle_is_consistent_with_the_ontology(block: str) -> None:
    graph = read_graph()
    graph.parse(data=block, format="turtle")
    assert classify(graph).ok
