"""ontology/mappings.ttl links the vocabulary to every neighbour issue 2 names."""

from __future__ import annotations

from functools import cache

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from service.namespaces import SB
from service.resources import MAPPINGS_FILE

MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch)
NEIGHBOURS = {
    "W3C ORG": "http://www.w3.org/ns/org#",
    "FOAF": "http://xmlns.com/foaf/0.1/",
    "SIOC": "http://rdfs.org/sioc/ns#",
    "PROV-O": "http://www.w3.org/ns/prov#",
    "schema.org": "https://schema.org/",
    "Activity Streams 2.0": "https://www.w3.org/ns/activitystreams#",
    "DCMI Type": "http://purl.org/dc/dcmitype/",
    "ArchiMate 3.2": "http://www.opengroup.org/xsd/archimate/3.0/",
}
DCMI = "http://purl.org/dc/dcmitype/"
APPLICATION_LAYER = (
    "https://pubs.opengroup.org/architecture/archimate32-doc/ch-Application-Layer.html"
)


@cache
def _mappings() -> Graph:
    return Graph().parse(MAPPINGS_FILE, format="turtle")


def _targets() -> set[str]:
    graph = _mappings()
    return {str(o) for match in MATCHES for o in graph.objects(None, match)}


@pytest.mark.parametrize("namespace", NEIGHBOURS.values(), ids=NEIGHBOURS.keys())
def test_every_neighbour_is_mapped(namespace: str) -> None:
    assert any(target.startswith(namespace) for target in _targets())


@pytest.mark.parametrize("match", [*MATCHES, SKOS.notation])
def test_mapping_properties_are_annotation_properties(match: URIRef) -> None:
    graph = _mappings()
    assert (match, RDF.type, OWL.AnnotationProperty) in graph
    assert (match, RDF.type, OWL.ObjectProperty) not in graph


@pytest.mark.parametrize(
    ("medium", "dcmi_type"),
    [(SB.voice, "Sound"), (SB.text, "Text"), (SB.video, "MovingImage")],
)
def test_media_match_dcmi_types(medium: URIRef, dcmi_type: str) -> None:
    assert (medium, SKOS.closeMatch, URIRef(DCMI + dcmi_type)) in _mappings()


def test_technology_layer_is_archimate_application_layer() -> None:
    assert (SB.technologyLayer, SKOS.closeMatch, URIRef(APPLICATION_LAYER)) in _mappings()


@pytest.mark.parametrize(
    ("act", "code"),
    [
        (SB.request, "rq"),
        (SB.promise, "pm"),
        (SB.decline, "dc"),
        (SB.state, "st"),
        (SB.accept, "ac"),
        (SB.reject, "rj"),
    ],
)
def test_act_types_carry_demo_codes(act: URIRef, code: str) -> None:
    assert (act, SKOS.notation, Literal(code)) in _mappings()


def test_every_mapped_sb_term_is_ours() -> None:
    """Mappings start from sb: terms (or org:Organization, which the ontology reuses)."""
    graph = _mappings()
    subjects = {s for match in MATCHES for s in graph.subjects(match, None)}
    foreign = {s for s in subjects if not str(s).startswith(str(SB._NS))}
    assert foreign == {URIRef("http://www.w3.org/ns/org#Organization")}
