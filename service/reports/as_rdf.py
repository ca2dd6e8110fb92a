"""The W3C view of a report: an `sh:ValidationReport` graph (Turtle, JSON-LD, N-Triples).

`sh:conforms` follows the report's `fail_on` (DESIGN §6), so with the default it is false
only when there is a Violation; pass `fail_on="info"` for the SHACL spec's own reading
(any result breaks conformance).

Beside the SHACL terms, each result carries what the JSON view shows, in RDF (namespace
`sbr:` = `https://w3id.org/social-business/report#`, described by `ontology/report.ttl`):
its finding id (`dcterms:identifier`), `sbr:rule`, the rule's `rdfs:label`, meaning
(`rdfs:comment`), `sbsh:remediation` and `sb:layer`s, and the `sbr:practice`,
`sbr:conversation` and `sbr:person` it concerns. The report node carries the alignment scores
(`sbr:score`) and the rule summaries (`sbr:ruleSummary`). The findings ledger describes its
items with the same statements (`add_finding`, `add_about`, ...) and reads them back with the
`read_*` functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH
from rdflib.term import Node

from service.errors import InputError
from service.namespaces import SB, SBR, SBSH
from service.rdf.formats import rdf_format_named
from service.reports.context import About
from service.reports.model import LAYERS, Report, Result, RuleSummary, Score
from service.validation.model import SEVERITY_IRI, Finding, Severity, severity_name

RDF_FORMATS = {view: rdf_format_named(view).rdflib for view in ("turtle", "jsonld", "nt")}
"""View names → rdflib serialiser names, from the one formats table."""

LAYER_IRI = {
    "practice": SB.practiceLayer,
    "organization": SB.organizationLayer,
    "technology": SB.technologyLayer,
}
"""Layer names of the reports → the `sb:Layer` individuals."""
_LAYER_NAME = {iri: name for name, iri in LAYER_IRI.items()}
_ABOUT = (SBR.conversation, SBR.practice, SBR.person)


class Statements(Protocol):
    """Where the writers below put statements: an rdflib Graph, or anything that takes
    triples the same way (`service.validation.rdfio.QuadSink`)."""

    def add(self, triple: Any, /) -> object: ...


def to_graph(report: Report, *, node: Node | None = None) -> Graph:
    """The report as an `sh:ValidationReport` whose node is `node` (a blank node if None)."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("sb", SB._NS)
    graph.bind("sbsh", SBSH._NS)
    graph.bind("sbr", SBR._NS)
    graph.bind("dcterms", DCTERMS)
    root = BNode() if node is None else node
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(report.conforms)))
    graph.add((root, SBR.failOn, SEVERITY_IRI[report.fail_on]))
    for result in report.results:
        graph.add((root, SH.result, _add_result(graph, result)))
    for kind, scores in (("practice", report.practices), ("organisation", report.organisations)):
        for score in scores:
            graph.add((root, SBR.score, _add_score(graph, kind, score)))
    for summary in report.rules:
        graph.add((root, SBR.ruleSummary, _add_summary(graph, summary)))
    return graph


def _add_result(graph: Graph, result: Result) -> BNode:
    node = BNode()
    add_finding(graph, node, result.finding, result.id)
    _add_texts(graph, node, label=result.label, meaning=result.meaning)
    if result.remediation:
        graph.add((node, SBSH.remediation, Literal(result.remediation)))
    _add_layers(graph, node, result.layers)
    add_about(graph, node, result.about)
    return node


def add_finding(graph: Statements, node: Node, finding: Finding, ident: str) -> None:
    """The finding's own statements on `node`: what SHACL says of a result, and its content
    id `ident` (`terms.finding_id`)."""
    graph.add((node, RDF.type, SH.ValidationResult))
    graph.add((node, SH.focusNode, finding.focus))
    graph.add((node, SH.resultSeverity, SEVERITY_IRI[finding.severity]))
    graph.add((node, SH.sourceShape, finding.shape))
    graph.add((node, DCTERMS.identifier, Literal(ident)))
    graph.add((node, SBR.rule, Literal(finding.rule)))
    if finding.message:
        graph.add((node, SH.resultMessage, Literal(finding.message)))
    for predicate, term in (
        (SH.value, finding.value),
        (SH.resultPath, finding.path),
        (SH.sourceConstraintComponent, finding.component),
    ):
        if term is not None:
            graph.add((node, predicate, term))


def add_about(graph: Statements, node: Node, about: About) -> None:
    """The conversations, practices and people a finding concerns, on `node`."""
    for predicate, terms in zip(
        _ABOUT, (about.conversations, about.practices, about.people), strict=True
    ):
        for term in terms:
            graph.add((node, predicate, term))


def _add_score(graph: Graph, kind: str, score: Score) -> BNode:
    node = BNode()
    add_score(graph, node, kind, score)
    return node


def add_score(graph: Statements, node: Node, kind: str, score: Score) -> None:
    """An alignment score's statements on `node` (`kind`: "practice" or "organisation")."""
    graph.add((node, SBR.kind, Literal(kind)))
    graph.add((node, SBR.subject, score.subject))
    _add_texts(graph, node, label=score.label, meaning="")
    graph.add((node, SBR.conversations, Literal(score.conversations)))
    graph.add((node, SBR.aligned, Literal(score.aligned)))
    for practice in score.practices:
        graph.add((node, SBR.practice, practice))


def _add_summary(graph: Graph, summary: RuleSummary) -> BNode:
    node = BNode()
    add_summary(graph, node, summary)
    return node


def add_summary(graph: Statements, node: Node, summary: RuleSummary) -> None:
    """A rule summary's statements on `node`."""
    graph.add((node, SBR.rule, Literal(summary.rule)))
    graph.add((node, SBR.severity, SEVERITY_IRI[summary.severity]))
    graph.add((node, SBR.findingCount, Literal(summary.count)))
    _add_texts(graph, node, label=summary.label, meaning="")
    _add_layers(graph, node, summary.layers)
    if summary.shape is not None:
        graph.add((node, SH.sourceShape, summary.shape))


def _add_texts(graph: Statements, node: Node, *, label: str, meaning: str) -> None:
    if label:
        graph.add((node, RDFS.label, Literal(label)))
    if meaning:
        graph.add((node, RDFS.comment, Literal(meaning)))


def _add_layers(graph: Statements, node: Node, layers: tuple[str, ...]) -> None:
    for layer in layers:
        if layer in LAYER_IRI:
            graph.add((node, SB.layer, LAYER_IRI[layer]))


def assemble(
    results: Iterable[Result],
    scores: Iterable[tuple[str, Score]],
    summaries: Iterable[RuleSummary],
    fail_on: Severity,
) -> Report:
    """A report from its parts in any order: results in the order `validate` gives them
    (sorted by rule, severity, focus, value, shape and message), scores and summaries in
    the order `Report.build` gives them."""
    ordered = sorted(
        results,
        key=lambda r: tuple(str(x) for x in (*r.finding.key, r.finding.shape, r.finding.message)),
    )
    scored = list(scores)
    by_kind = {
        kind: tuple(sorted((s for k, s in scored if k == kind), key=lambda s: str(s.subject)))
        for kind in ("practice", "organisation")
    }
    return Report(
        tuple(ordered),
        fail_on,
        by_kind["practice"],
        by_kind["organisation"],
        tuple(sorted(summaries, key=lambda s: s.rule)),
    )


def read_about(graph: Graph, node: Node) -> About:
    """The conversations, practices and people `add_about` wrote on `node`."""
    return About(*(_sorted(graph.objects(node, p)) for p in _ABOUT))


def read_finding(graph: Graph, node: Node) -> Finding:
    """The finding `add_finding` wrote on `node`."""
    one = graph.value
    return Finding(
        rule=_text(one(node, SBR.rule)),
        severity=severity_name(one(node, SH.resultSeverity)),
        focus=_required(one(node, SH.focusNode), node),
        value=one(node, SH.value),
        path=one(node, SH.resultPath),  # type: ignore[arg-type]
        message=_text(one(node, SH.resultMessage)),
        shape=_required(one(node, SH.sourceShape), node),
        component=one(node, SH.sourceConstraintComponent),  # type: ignore[arg-type]
    )


def read_score(graph: Graph, node: Node) -> tuple[str, Score]:
    """The kind and the score `add_score` wrote on `node`."""
    one = graph.value
    score = Score(
        subject=_required(one(node, SBR.subject), node),
        label=_text(one(node, RDFS.label)),
        conversations=int(_text(one(node, SBR.conversations)) or 0),
        aligned=int(_text(one(node, SBR.aligned)) or 0),
        practices=_sorted(graph.objects(node, SBR.practice)),
    )
    return _text(one(node, SBR.kind)), score


def read_summary(graph: Graph, node: Node) -> RuleSummary:
    """The rule summary `add_summary` wrote on `node`."""
    one = graph.value
    return RuleSummary(
        rule=_text(one(node, SBR.rule)),
        label=_text(one(node, RDFS.label)),
        severity=severity_name(one(node, SBR.severity)),
        layers=_layers(graph, node),
        shape=one(node, SH.sourceShape),
        count=int(_text(one(node, SBR.findingCount)) or 0),
    )


def _layers(graph: Graph, node: Node) -> tuple[str, ...]:
    names = {
        _LAYER_NAME[o]
        for o in graph.objects(node, SB.layer)
        if isinstance(o, URIRef) and o in _LAYER_NAME
    }
    return tuple(name for name in LAYERS if name in names)


def _required(term: Node | None, node: Node) -> Node:
    if term is None:
        raise InputError(f"the stored report node {node.n3()} lacks a required term")
    return term


def _text(term: Node | None) -> str:
    return "" if term is None else str(term)


def _sorted(terms: Iterator[Node]) -> tuple[Node, ...]:
    return tuple(sorted(set(terms), key=str))
