"""The W3C view of a report: an `sh:ValidationReport` graph (Turtle, JSON-LD, N-Triples).

`sh:conforms` follows the report's `fail_on` (DESIGN §6), so with the default it is false
only when there is a Violation; pass `fail_on="info"` for the SHACL spec's own reading
(any result breaks conformance).
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH

from service.namespaces import SB, SBSH
from service.reports.model import Report, Result
from service.validation.model import SEVERITY_IRI

RDF_FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "nt": "nt"}
"""View names → rdflib serialiser names."""


def to_graph(report: Report) -> Graph:
    """The report as an `sh:ValidationReport`."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("sb", SB._NS)
    graph.bind("sbsh", SBSH._NS)
    node = BNode()
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, Literal(report.conforms)))
    for result in report.results:
        graph.add((node, SH.result, _add_result(graph, result)))
    return graph


def _add_result(graph: Graph, result: Result) -> BNode:
    finding = result.finding
    node = BNode()
    graph.add((node, RDF.type, SH.ValidationResult))
    graph.add((node, SH.focusNode, finding.focus))
    graph.add((node, SH.resultSeverity, SEVERITY_IRI[finding.severity]))
    graph.add((node, SH.sourceShape, finding.shape))
    if finding.message:
        graph.add((node, SH.resultMessage, Literal(finding.message)))
    for predicate, term in (
        (SH.value, finding.value),
        (SH.resultPath, finding.path),
        (SH.sourceConstraintComponent, finding.component),
    ):
        if term is not None:
            graph.add((node, predicate, term))
    return node
