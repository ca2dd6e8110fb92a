"""The ontology as published documents (issue 9): the core imports the concepts and the
mappings; each document has its own header; the XML catalog Protégé reads maps every IRI and
version IRI to its file; the union the checks read is the core's imports closure.

The OWL API side of the same contract (loading the core through the catalog) is in
`tests/test_owlapi.py`; the HTTP side (each document at its own path) in
`tests/api/test_api_ontology.py`.
"""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from service.ontology import read_graph
from service.publishing import export_document
from service.resources import (
    CORE,
    DOCUMENTS,
    ONTOLOGY_CATALOG,
    ONTOLOGY_DIR,
    ONTOLOGY_FILES,
    ROOT,
    OntologyDocument,
    imports_closure,
)

CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:1.0}"
IDS = [document.name or "core" for document in DOCUMENTS]


def _catalog() -> dict[str, Path]:
    """The catalog's entries: IRI -> file, resolved beside the catalog as Protégé does."""
    root = ET.parse(ONTOLOGY_CATALOG).getroot()
    return {
        entry.attrib["name"]: ONTOLOGY_CATALOG.parent / entry.attrib["uri"]
        for entry in root.iter(f"{CATALOG_NS}uri")
    }


def test_the_catalog_maps_every_iri_and_version_iri_to_its_file() -> None:
    expected = {
        iri: document.path for document in DOCUMENTS for iri in (document.iri, document.version_iri)
    }
    assert _catalog() == expected


def test_every_ontology_file_is_a_published_document() -> None:
    """A new ontology module must be added to DOCUMENTS (and so to the catalog and routes)."""
    assert {document.path for document in DOCUMENTS} == set(ONTOLOGY_DIR.glob("*.ttl"))


@pytest.mark.parametrize("document", DOCUMENTS, ids=IDS)
def test_each_file_holds_its_document_header(document: OntologyDocument) -> None:
    graph = Graph().parse(document.path, format="turtle")
    iri = URIRef(document.iri)
    assert set(graph.subjects(RDF.type, OWL.Ontology)) == {iri}
    assert set(graph.objects(iri, OWL.versionIRI)) == {URIRef(document.version_iri)}
    assert {str(version) for version in graph.objects(iri, OWL.versionInfo)} == {document.version}
    assert set(graph.objects(iri, OWL.imports)) == {URIRef(i) for i in document.imports}


@pytest.mark.parametrize("document", DOCUMENTS, ids=IDS)
@pytest.mark.parametrize(("fmt", "syntax"), [("ttl", "turtle"), ("nt", "nt"), ("xml", "xml")])
def test_each_document_is_exported_alone(document: OntologyDocument, fmt: str, syntax: str) -> None:
    exported = Graph().parse(data=export_document(document, fmt), format=syntax)
    assert isomorphic(exported, Graph().parse(document.path, format="turtle"))


def test_the_merged_reading_is_the_cores_imports_closure() -> None:
    """Reasoning and validation need the union: it is the core and what it imports."""
    assert tuple(document.path for document in imports_closure(CORE)) == ONTOLOGY_FILES
    merged = read_graph()
    assert set(merged.subjects(RDF.type, OWL.Ontology)) == {
        URIRef(document.iri) for document in imports_closure(CORE)
    }


def test_the_catalog_ships_in_the_wheel_beside_the_ontology() -> None:
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "data-files"
    ]
    shipped = {
        match for pattern in data_files["share/triskel/ontology"] for match in ROOT.glob(pattern)
    }
    assert ONTOLOGY_CATALOG in shipped
    assert {document.path for document in DOCUMENTS} <= shipped
