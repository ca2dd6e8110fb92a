"""The Turtle examples of README.md and ontology/README.md: they parse, use only declared
sb: terms, and are consistent with the ontology under HermiT, so a tour cannot drift from the
vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from service.cli import main
from service.namespaces import SB
from service.ontology import read_graph
from service.reasoning import classify
from service.resources import ROOT

READMES = (ROOT / "README.md", ROOT / "ontology" / "README.md")
EXAMPLES = [
    (f"{readme.relative_to(ROOT)}#{index}", block)
    for readme in READMES
    if readme.exists()
    for index, block in enumerate(
        re.findall(r"```turtle\n(.*?)```", readme.read_text(encoding="utf-8"), re.DOTALL)
    )
]
BLOCKS = [block for _, block in EXAMPLES]
IDS = [name for name, _ in EXAMPLES]
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
         OWL.NamedIndividual)  # fmt: skip


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_readme_turtle_uses_declared_terms(block: str) -> None:
    example = Graph().parse(data=block, format="turtle")
    ontology = read_graph()
    declared = {s for kind in KINDS for s in ontology.subjects(RDF.type, kind)}
    used = {n for t in example for n in t if isinstance(n, URIRef) and n.startswith(SB._NS)}
    assert used <= declared, f"undeclared: {sorted(used - declared)}"


@pytest.mark.java
@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_readme_turtle_is_consistent_with_the_ontology(block: str) -> None:
    graph = read_graph()
    graph.parse(data=block, format="turtle")
    assert classify(graph).ok


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_readme_turtle_is_aligned_under_every_rule(
    block: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tour shows a healthy conversation: no rule R01-R20 fires, not even an Info."""
    example = tmp_path / "example.ttl"
    example.write_text(block, encoding="utf-8")
    assert main(["validate", str(example), "--fail-on", "info"]) == 0, capsys.readouterr().out
