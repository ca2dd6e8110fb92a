"""service/namespaces.py must list exactly what the Turtle declares (no drift either way)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from service.findings import saved
from service.namespaces import SB, SBR, SBSH
from service.reports import ledger, series
from service.reports.history import as_graph, events, header, new_entry
from service.resources import (
    ONTOLOGY_FILES,
    ONTOLOGY_IRI,
    REPORT_VOCABULARY_FILE,
    REPORT_VOCABULARY_IRI,
    ROOT,
    SHAPES_DIR,
)
from service.validation import validate
from service.validation.rdfio import triples_to_graph
from tests.repo import repo_files

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


SBR_NS = str(SBR._NS)


def _report_vocabulary() -> Graph:
    return Graph().parse(REPORT_VOCABULARY_FILE, format="turtle")


def _declared_sbr_names() -> set[str]:
    graph = _report_vocabulary()
    declared = {s for kind in KINDS for s in graph.subjects(RDF.type, kind)}
    return _local_names(declared, SBR_NS)  # type: ignore[arg-type]


def test_every_sbr_name_is_declared_in_the_report_vocabulary() -> None:
    missing = _names(SBR) - _declared_sbr_names()
    assert not missing, f"in SBR but not declared in ontology/report.ttl: {sorted(missing)}"


def test_every_sbr_term_the_report_vocabulary_declares_is_in_sbr() -> None:
    graph = _report_vocabulary()
    declared = {s for kind in KINDS for s in graph.subjects(RDF.type, kind)}
    declared |= set(graph.subjects(RDFS.isDefinedBy, URIRef(REPORT_VOCABULARY_IRI)))
    extra = _local_names(declared, SBR_NS) - _names(SBR)  # type: ignore[arg-type]
    assert not extra, f"declared in ontology/report.ttl but missing from SBR: {sorted(extra)}"


def test_sbr_is_closed() -> None:
    with pytest.raises(AttributeError):
        _ = SBR["findingcount"]


_SBR_USES = (
    re.compile(r"<https://w3id\.org/social-business/report#([^>\s]+)>"),
    re.compile(r"(?<![\w:])sbr:([A-Za-z_][\w\-]*)"),
    re.compile(r"\bSBR\.([A-Za-z]\w*)"),
)
"""How a file names an sbr: term: a full IRI, the `sbr:` prefix (bound in the Turtle and
SPARQL files, and the prefix the docstrings speak of) or an attribute of `SBR` in Python."""


def _sbr_names_in(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return {name for pattern in _SBR_USES for name in pattern.findall(text)}


USING_FILES = [
    path for suffix in (".py", ".rq", ".ttl") for path in repo_files(suffix) if _sbr_names_in(path)
]
"""Every .py, .rq and .ttl file of the repository that names an sbr: term."""


def test_the_report_terms_are_used_where_expected() -> None:
    """The scan below finds the files that speak sbr: (so it cannot pass by finding none)."""
    found = {str(path.relative_to(ROOT)) for path in USING_FILES}
    assert {"service/reports/as_rdf.py", "service/reports/history.py",
            "service/templates/report-history.rq", "ontology/report.ttl"} <= found  # fmt: skip


@pytest.mark.parametrize("path", USING_FILES, ids=[str(p.relative_to(ROOT)) for p in USING_FILES])
def test_every_sbr_iri_used_is_declared(path: Path) -> None:
    undeclared = sorted(_sbr_names_in(path) - _declared_sbr_names())
    assert not undeclared, f"{path.relative_to(ROOT)} uses undeclared sbr: terms: {undeclared}"


REPORT_CASE = Path(__file__).parent / "report_cases" / "scores.ttl"


@pytest.fixture(scope="module")
def kept_report() -> Graph:
    """A kept report of the scores case as its views show it (results with their context,
    scores of practices and organisations, rule summaries, history metadata) and as it is
    stored (header, ledger events, ledger items), kept with one result of several so that
    `sbr:resultsKept` is used too, and the state of its series."""
    report = validate([REPORT_CASE])
    assert len(report.results) > 1
    entry = new_entry(
        report,
        fingerprint="sha256:0",
        shapes="sha256:1",
        engine="fast",
        scope="urn:example:g",
        max_results=1,
    )
    made = ledger.items(report)
    stored = header(report, entry, "urn:triskel:report:earlier")
    made_events = events(entry, sorted(made)[:1], sorted(made)[1:2])
    stored += triples_to_graph(ox.Triple(q.subject, q.predicate, q.object) for q in made_events)
    for item in made.values():
        item.add_to(stored)
    state = series.added(entry.series, entry.graph, sorted(made)[:1], series.digest(made))
    stored += triples_to_graph(ox.Triple(q.subject, q.predicate, q.object) for q in state)
    kept = "".join(saved.Record.of(r).line() for r in report.results)
    kept += saved.Stamp("0" * 64, 42, 1, "2026-01-01T00:00:00Z").triples()
    stored += triples_to_graph(ox.parse(kept.encode(), ox.RdfFormat.N_TRIPLES))
    return as_graph(report, entry) + stored


def test_a_kept_report_uses_every_sbr_property(kept_report: Graph) -> None:
    vocabulary = _report_vocabulary()
    properties = {
        p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for p in vocabulary.subjects(RDF.type, kind) if p.startswith(SBR_NS)
    }  # fmt: skip
    used = {p for p in kept_report.predicates() if p.startswith(SBR_NS)}
    assert used == properties


def test_a_kept_report_uses_sbr_properties_as_declared(kept_report: Graph) -> None:
    """A literal value needs a datatype property whose range is the literal's datatype; any
    other value an object property."""
    vocabulary = _report_vocabulary()
    for _, predicate, value in kept_report:
        if not predicate.startswith(SBR_NS):
            continue
        if isinstance(value, Literal):
            assert (predicate, RDF.type, OWL.DatatypeProperty) in vocabulary, predicate
            assert vocabulary.value(predicate, RDFS.range) == (value.datatype or XSD.string)
        else:
            assert (predicate, RDF.type, OWL.ObjectProperty) in vocabulary, predicate
