"""service/namespaces.py must list exactly what the Turtle declares (no drift either way)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from service.namespaces import SB, SBSH
from service.resources import ONTOLOGY_FILES, ONTOLOGY_IRI, SHAPES_DIR

KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
         OWL.NamedIndividual)  # fmt: skip


def _names(namespace: type) -> set[str]:
    return {name for name in namespace.__annotations__ if not name.startswith("_")}


def _ontology() -> Graph:
    graph = Graph()
    for path in ONTOLOGY_FILES:
        graph.parse(path, format="turtle")
    return graph


def _local_names(iris: set[URIRef], namespace: str) -> set[str]:
    return {str(iri).removeprefix(namespace) for iri in iris if str(iri).startswith(namespace)}


def test_every_sb_name_is_declared_in_the_turtle() -> None:
    graph = _ontology()
    declared = {s for kind in KINDS for s in graph.subjects(RDF.type, kind)}
    missing = _names(SB) - _local_names(declared, str(SB._NS))  # type: ignore[arg-type]
    assert not missing, f"in SB but not declared in ontology/: {sorted(missing)}"


def test_every_term_the_ontology_defines_is_in_sb() -> None:
    defined = set(_ontology().subjects(RDFS.isDefinedBy, URIRef(ONTOLOGY_IRI)))
    extra = _local_names(defined, str(SB._NS)) - _names(SB)  # type: ignore[arg-type]
    assert not extra, f"defined in ontology/ but missing from SB: {sorted(extra)}"


def test_sb_is_closed() -> None:
    with pytest.raises(AttributeError):
        _ = SB.Pratice


def _shapes_files() -> list[Path]:
    return sorted(SHAPES_DIR.glob("*.ttl")) if SHAPES_DIR.is_dir() else []


@pytest.mark.skipif(not _shapes_files(), reason="shapes/ has no Turtle file yet")
def test_sbsh_matches_the_shapes_files() -> None:
    graph = Graph()
    for path in _shapes_files():
        graph.parse(path, format="turtle")
    namespace = str(SBSH._NS)
    used = {node for triple in graph for node in triple if isinstance(node, URIRef)}
    assert _local_names(used, namespace) == _names(SBSH)


def test_sbsh_is_closed() -> None:
    with pytest.raises(AttributeError):
        _ = SBSH.R99
