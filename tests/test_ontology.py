"""The ontology files against the vocabulary contract (DESIGN §4, issue 2).

Every check reads the Turtle itself, so adding a term without a label, or a file that uses an
undeclared `sb:` IRI anywhere in the repository, fails here with the term and file named.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, Namespace

from service.namespaces import SB, SBR
from service.resources import (
    ANALYTICS_FILE,
    CONCEPTS_FILE,
    MAPPINGS_FILE,
    ONTOLOGY_FILE,
    ONTOLOGY_FILES,
    ONTOLOGY_IRI,
    REPORT_VOCABULARY_FILE,
    REPORT_VOCABULARY_IRI,
    ROOT,
)
from tests.repo import repo_files

PROV = Namespace("http://www.w3.org/ns/prov#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ORG = Namespace("http://www.w3.org/ns/org#")
VANN = Namespace("http://purl.org/vocab/vann/")
ONTOLOGY = URIRef(ONTOLOGY_IRI)
REPORT = URIRef(REPORT_VOCABULARY_IRI)
SB_NS = str(SB._NS)
SBR_NS = str(SBR._NS)
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
         OWL.NamedIndividual)  # fmt: skip


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


@cache
def _ontology() -> Graph:
    graph = Graph()
    for path in ONTOLOGY_FILES:
        graph.parse(path, format="turtle")
    return graph


@cache
def _core() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@cache
def _own_terms() -> tuple[URIRef, ...]:
    """Terms the ontology defines: in the sb: namespace and given rdfs:isDefinedBy there."""
    graph = _ontology()
    return tuple(
        sorted(
            {
                term
                for term in graph.subjects(RDFS.isDefinedBy, ONTOLOGY)
                if isinstance(term, URIRef) and str(term).startswith(SB_NS)
            }
        )
    )


def _declared() -> set[URIRef]:
    graph = _ontology()
    return {s for kind in KINDS for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


BROKEN_ON_PURPOSE = {
    "tests/cli_cases/broken.ttl": "the CLI's bad-input case (exit 2)",
}
"""Turtle files that must NOT parse, with the reason they exist; checked to fail instead."""

ALL_TTL = repo_files(".ttl")
TTL_FILES = [p for p in ALL_TTL if str(p.relative_to(ROOT)) not in BROKEN_ON_PURPOSE]
BROKEN_FILES = [ROOT / name for name in BROKEN_ON_PURPOSE]
RQ_FILES = repo_files(".rq")


@cache
def _report() -> Graph:
    return Graph().parse(REPORT_VOCABULARY_FILE, format="turtle")


@cache
def _report_terms() -> tuple[URIRef, ...]:
    """Terms of the report vocabulary: every sbr: IRI it gives a kind or an rdfs:isDefinedBy,
    so a term lacking either still comes up for the checks below."""
    graph = _report()
    found = {s for kind in KINDS for s in graph.subjects(RDF.type, kind)}
    found |= set(graph.subjects(RDFS.isDefinedBy, None))
    return tuple(sorted(t for t in found if isinstance(t, URIRef) and t.startswith(SBR_NS)))


def _home(term: URIRef) -> tuple[Graph, URIRef]:
    """The graph describing `term` and the ontology IRI it must be defined by: sbr: terms
    live in the report vocabulary, sb: terms in the ontology."""
    return (_report(), REPORT) if term.startswith(SBR_NS) else (_ontology(), ONTOLOGY)


def _term_id(term: URIRef) -> str:
    return (
        f"sbr:{term.removeprefix(SBR_NS)}" if term.startswith(SBR_NS) else term.removeprefix(SB_NS)
    )


TERMS = (*_own_terms(), *_report_terms())
TERM_IDS = [_term_id(term) for term in TERMS]


@pytest.mark.parametrize("path", TTL_FILES, ids=_ids(TTL_FILES))
def test_turtle_parses_with_rdflib(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 0


@pytest.mark.parametrize("path", TTL_FILES, ids=_ids(TTL_FILES))
def test_turtle_parses_with_pyoxigraph(path: Path) -> None:
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()))
    assert quads


@pytest.mark.parametrize("path", BROKEN_FILES, ids=_ids(BROKEN_FILES))
def test_broken_on_purpose_files_do_not_parse(path: Path) -> None:
    with pytest.raises(SyntaxError):
        list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def _sb_iris_in_turtle(path: Path) -> set[str]:
    graph = Graph().parse(path, format="turtle")
    return {
        str(node)
        for triple in graph
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(SB_NS)
    }


def _sb_iris_in_sparql(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    full = set(re.findall(r"<https://w3id\.org/social-business#([A-Za-z0-9_\-]+)>", text))
    prefixed = set()
    if re.search(r"PREFIX\s+sb:\s*<https://w3id\.org/social-business#>", text, re.IGNORECASE):
        prefixed = set(re.findall(r"(?<![\w:])sb:([A-Za-z_][A-Za-z0-9_\-]*)", text))
    return {SB_NS + name for name in full | prefixed}


@pytest.mark.parametrize("path", TTL_FILES + RQ_FILES, ids=_ids(TTL_FILES + RQ_FILES))
def test_every_sb_iri_used_is_declared(path: Path) -> None:
    used = _sb_iris_in_turtle(path) if path.suffix == ".ttl" else _sb_iris_in_sparql(path)
    undeclared = sorted(used - {str(term) for term in _declared()})
    assert not undeclared, f"{path.relative_to(ROOT)} uses undeclared sb: terms: {undeclared}"


@pytest.mark.parametrize("term", TERMS, ids=TERM_IDS)
def test_term_has_one_english_label(term: URIRef) -> None:
    labels = list(_home(term)[0].objects(term, RDFS.label))
    assert len(labels) == 1, f"{term} has labels {labels}"
    assert isinstance(labels[0], Literal) and labels[0].language == "en"


@pytest.mark.parametrize("term", TERMS, ids=TERM_IDS)
def test_term_has_one_capitalised_english_definition(term: URIRef) -> None:
    definitions = list(_home(term)[0].objects(term, SKOS.definition))
    assert len(definitions) == 1, f"{term} has definitions {definitions}"
    definition = definitions[0]
    assert isinstance(definition, Literal) and definition.language == "en"
    assert str(definition)[:1].isupper(), f"{term}: definition starts in lower case"


@pytest.mark.parametrize("term", TERMS, ids=TERM_IDS)
def test_term_is_defined_by_the_ontology_and_declared(term: URIRef) -> None:
    graph, ontology = _home(term)
    assert set(graph.objects(term, RDFS.isDefinedBy)) == {ontology}
    kinds = [kind for kind in KINDS if (term, RDF.type, kind) in graph]
    assert len(kinds) == 1, f"{term} has the kinds {kinds}, not exactly one"


def test_every_class_names_its_layers() -> None:
    graph = _ontology()
    layers = set(graph.subjects(RDF.type, SB.Layer))
    classes = [t for t in _own_terms() if (t, RDF.type, OWL.Class) in graph]
    assert len(classes) == 14
    for cls in classes:
        values = set(graph.objects(cls, SB.layer))
        assert values, f"{cls} has no sb:layer"
        assert values <= layers, f"{cls} names unknown layers {values - layers}"


def test_no_two_terms_share_a_label() -> None:
    seen: dict[str, URIRef] = {}
    for term in TERMS:
        for label in _home(term)[0].objects(term, RDFS.label):
            key = str(label).casefold()
            assert key not in seen, f"{term} and {seen[key]} share the label {label!r}"
            seen[key] = term


HEADERS = {
    "ontology": (ONTOLOGY_FILE, ONTOLOGY, f"{ONTOLOGY_IRI}/1.0.0", "sb", SB_NS),
    "concepts": (CONCEPTS_FILE, URIRef(f"{ONTOLOGY_IRI}/concepts"),
                 f"{ONTOLOGY_IRI}/concepts/1.0.0", "sb", SB_NS),
    "mappings": (MAPPINGS_FILE, URIRef(f"{ONTOLOGY_IRI}/mappings"),
                 f"{ONTOLOGY_IRI}/mappings/1.0.0", "sb", SB_NS),
    "report-vocabulary": (REPORT_VOCABULARY_FILE, REPORT, f"{REPORT_VOCABULARY_IRI}/1.0.0", "sbr",
                          SBR_NS),
}  # fmt: skip
"""Every published document: its own header, IRI and version IRI (DESIGN §4, issue 9)."""


@pytest.mark.parametrize(("path", "iri", "version", "prefix", "namespace"), HEADERS.values(),
                         ids=HEADERS.keys())  # fmt: skip
def test_header_metadata(
    path: Path, iri: URIRef, version: str, prefix: str, namespace: str
) -> None:
    graph = Graph().parse(path, format="turtle")
    assert set(graph.subjects(RDF.type, OWL.Ontology)) == {iri}, "one header per document"
    assert len(set(graph.objects(iri, DCTERMS.title))) == 1
    assert (iri, RDF.type, OWL.Ontology) in graph
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.created,
                 DCTERMS.modified, OWL.versionInfo):  # fmt: skip
        assert graph.value(iri, prop) is not None, f"header lacks {prop}"
    assert graph.value(iri, DCTERMS.created).datatype == XSD.date
    assert graph.value(iri, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert graph.value(iri, OWL.versionIRI) == URIRef(version)
    assert str(graph.value(iri, VANN.preferredNamespacePrefix)) == prefix
    assert str(graph.value(iri, VANN.preferredNamespaceUri)) == namespace


def test_the_essay_is_the_source() -> None:
    source = _core().value(ONTOLOGY, DCTERMS.source)
    assert "The three layers of social business" in str(source)


def test_report_vocabulary_stays_out_of_the_published_ontology() -> None:
    assert REPORT_VOCABULARY_FILE not in ONTOLOGY_FILES
    assert not any(str(s).startswith(SBR_NS) for s in _ontology().subjects())


VOCABULARY_FILES = (*ONTOLOGY_FILES, REPORT_VOCABULARY_FILE)
IMPORTS = {
    ONTOLOGY_FILE: {
        URIRef(f"{ONTOLOGY_IRI}/{name}") for name in ("concepts", "mappings", "analytics")
    },
    CONCEPTS_FILE: set(),
    MAPPINGS_FILE: set(),
    ANALYTICS_FILE: set(),
    REPORT_VOCABULARY_FILE: set(),
}
"""Only the core imports, and only its own documents: no external vocabulary (DESIGN §4)."""


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=[p.name for p in VOCABULARY_FILES])
def test_only_the_core_imports_and_only_its_own_documents(path: Path) -> None:
    assert set(Graph().parse(path, format="turtle").objects(None, OWL.imports)) == IMPORTS[path]


CLASSES = {
    SB.Practice: (SB.practiceLayer, PROV.Plan),
    SB.Goal: (SB.practiceLayer, None),
    SB.Conversation: (SB.practiceLayer, PROV.Activity),
    SB.ConversationAct: (SB.practiceLayer, PROV.Activity),
    SB.InformationItem: (SB.practiceLayer, PROV.Entity),
    SB.Person: (SB.organizationLayer, FOAF.Person),
    SB.Arc: (SB.organizationLayer, None),
    SB.Tool: (SB.technologyLayer, None),
    SB.ToolPolicy: (SB.technologyLayer, None),
}
"""DESIGN §4 classes: their layer and the PROV-O/FOAF class they specialise."""


@pytest.mark.parametrize("cls", CLASSES, ids=[c.removeprefix(SB_NS) for c in CLASSES])
def test_core_class_layer_and_alignment(cls: URIRef) -> None:
    layer, superclass = CLASSES[cls]
    graph = _core()
    assert (cls, RDF.type, OWL.Class) in graph
    assert set(graph.objects(cls, SB.layer)) == {layer}
    assert set(graph.objects(cls, RDFS.subClassOf)) == ({superclass} if superclass else set())


@pytest.mark.parametrize(
    "cls", [SB.Medium, SB.ToolCategory, SB.SecurityLevel, SB.ActType, SB.Layer]
)
def test_controlled_value_class_is_a_skos_concept(cls: URIRef) -> None:
    assert (cls, RDFS.subClassOf, SKOS.Concept) in Graph().parse(CONCEPTS_FILE)


UNION = "Conversation|ConversationAct"
PROPERTIES = {
    SB.hasGoal: (OWL.ObjectProperty, SB.Practice, SB.Goal),
    SB.ownedBy: (OWL.ObjectProperty, SB.Practice, ORG.Organization),
    SB.enacts: (OWL.ObjectProperty, SB.Conversation, SB.Practice),
    SB.participant: (OWL.ObjectProperty, SB.Conversation, SB.Person),
    SB.initiator: (OWL.ObjectProperty, SB.Conversation, SB.Person),
    SB.carriedBy: (OWL.ObjectProperty, SB.Conversation, SB.Tool),
    SB.medium: (OWL.ObjectProperty, UNION, SB.Medium),
    SB.occursWithin: (OWL.ObjectProperty, SB.Conversation, SB.Arc),
    SB.conveys: (OWL.ObjectProperty, UNION, SB.InformationItem),
    SB.hasAct: (OWL.ObjectProperty, SB.Conversation, SB.ConversationAct),
    SB.actType: (OWL.ObjectProperty, SB.ConversationAct, SB.ActType),
    SB.performedBy: (OWL.ObjectProperty, SB.ConversationAct, SB.Person),
    SB.addressedTo: (OWL.ObjectProperty, SB.ConversationAct, SB.Person),
    SB.via: (OWL.ObjectProperty, SB.ConversationAct, SB.Tool),
    SB.respondsTo: (OWL.ObjectProperty, SB.ConversationAct, SB.ConversationAct),
    SB.endpoint: (OWL.ObjectProperty, SB.Arc, SB.Person),
    SB.source: (OWL.ObjectProperty, SB.Arc, SB.Person),
    SB.target: (OWL.ObjectProperty, SB.Arc, SB.Person),
    SB.channel: (OWL.ObjectProperty, SB.Arc, SB.Tool),
    SB.weight: (OWL.DatatypeProperty, SB.Arc, XSD.decimal),
    SB.usesTool: (OWL.ObjectProperty, SB.Person, SB.Tool),
    SB.toolCategory: (OWL.ObjectProperty, SB.Tool, SB.ToolCategory),
    SB.supportsMedium: (OWL.ObjectProperty, SB.Tool, SB.Medium),
    SB.clearedFor: (OWL.ObjectProperty, SB.Tool, SB.SecurityLevel),
    SB.classification: (OWL.ObjectProperty, SB.InformationItem, SB.SecurityLevel),
    SB.issuedBy: (OWL.ObjectProperty, SB.ToolPolicy, ORG.Organization),
    SB.prohibits: (OWL.ObjectProperty, SB.ToolPolicy, SB.Tool),
    SB.permits: (OWL.ObjectProperty, SB.ToolPolicy, SB.Tool),
    SB.rationale: (OWL.DatatypeProperty, SB.ToolPolicy, RDFS.Literal),
    SB.rank: (OWL.DatatypeProperty, SB.SecurityLevel, XSD.integer),
}
"""DESIGN §4 properties: kind, domain (UNION = Conversation or ConversationAct), range."""


def _domain(graph: Graph, prop: URIRef) -> URIRef | str | None:
    """The one domain of a property; a union class reads as its members joined by '|'."""
    domains = list(graph.objects(prop, RDFS.domain))
    assert len(domains) == 1, f"{prop} has domains {domains}"
    domain = domains[0]
    if isinstance(domain, BNode):
        members = Collection(graph, graph.value(domain, OWL.unionOf))
        return "|".join(str(m).removeprefix(SB_NS) for m in members)
    return domain  # type: ignore[return-value]


@pytest.mark.parametrize("prop", PROPERTIES, ids=[p.removeprefix(SB_NS) for p in PROPERTIES])
def test_property_kind_domain_and_range(prop: URIRef) -> None:
    kind, domain, range_ = PROPERTIES[prop]
    graph = _core()
    assert (prop, RDF.type, kind) in graph
    assert _domain(graph, prop) == domain
    assert list(graph.objects(prop, RDFS.range)) == [range_]


def test_sub_properties() -> None:
    graph = _core()
    assert (SB.initiator, RDFS.subPropertyOf, SB.participant) in graph
    assert (SB.source, RDFS.subPropertyOf, SB.endpoint) in graph
    assert (SB.target, RDFS.subPropertyOf, SB.endpoint) in graph
    assert (SB.participant, RDFS.subPropertyOf, PROV.wasAssociatedWith) in graph


def test_layer_is_an_annotation_property() -> None:
    graph = _ontology()
    assert (SB.layer, RDF.type, OWL.AnnotationProperty) in graph
    assert (SB.layer, RDF.type, OWL.ObjectProperty) not in graph


def test_core_classes_are_pairwise_disjoint() -> None:
    graph = _core()
    disjoint_sets = [
        set(Collection(graph, graph.value(node, OWL.members)))
        for node in graph.subjects(RDF.type, OWL.AllDisjointClasses)
    ]
    core = {SB.Practice, SB.Conversation, SB.Person, SB.Tool, SB.InformationItem}
    assert any(core <= members for members in disjoint_sets)


CONCEPTS = {
    SB.Medium: (SB.media, {SB.voice, SB.text, SB.video}),
    SB.ToolCategory: (
        SB.toolCategories,
        {
            SB.activityStream,
            SB.email,
            SB.wiki,
            SB.instantMessaging,
            SB.documentCollaboration,
            SB.videoConference,
            SB.telephony,
            SB.socialNetwork,
        },
    ),
    SB.SecurityLevel: (SB.securityLevels, {SB.public, SB.internal, SB.confidential, SB.restricted}),
    SB.ActType: (
        SB.actTypes,
        {SB.request, SB.promise, SB.decline, SB.state, SB.accept, SB.reject, SB.cancel},
    ),
    SB.Layer: (SB.layers, {SB.practiceLayer, SB.organizationLayer, SB.technologyLayer}),
}


@pytest.mark.parametrize("cls", CONCEPTS, ids=[c.removeprefix(SB_NS) for c in CONCEPTS])
def test_concept_scheme_members(cls: URIRef) -> None:
    scheme, members = CONCEPTS[cls]
    graph = _ontology()
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert set(graph.subjects(RDF.type, cls)) == members
    for member in members:
        assert (member, RDF.type, OWL.NamedIndividual) in graph
        assert (member, SKOS.inScheme, scheme) in graph
    assert set(graph.objects(scheme, SKOS.hasTopConcept)) == members


def test_security_levels_are_ranked_zero_to_three() -> None:
    graph = _ontology()
    ranks = {
        level: graph.value(level, SB.rank) for level in graph.subjects(RDF.type, SB.SecurityLevel)
    }
    assert {k: v.toPython() for k, v in ranks.items()} == {
        SB.public: 0,
        SB.internal: 1,
        SB.confidential: 2,
        SB.restricted: 3,
    }
